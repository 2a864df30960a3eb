import { aggregateStepScores, type RewardModel, type State, type StepAggregation } from '@o1lab/core';

/**
 * One score per solution from a process reward model: its per-step scores aggregated by `how`
 * (min, product, last or mean; see `aggregateStepScores` in `@o1lab/core`). One batched `scoreSteps` call.
 */
export async function prmSolutionScores(
  prm: RewardModel,
  states: readonly State[],
  how: StepAggregation,
): Promise<number[]> {
  const perStep = await prm.scoreSteps(states);
  return perStep.map((scores) => aggregateStepScores(scores, how));
}
