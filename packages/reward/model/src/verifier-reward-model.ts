import { ComputeMeter, type RewardModel, type State, type Task } from '@o1lab/core';
import { resolveVerifierRewardModelConfig, type VerifierRewardModelConfig } from './config.js';

/**
 * An oracle reward model for ablations: the task's own verifier in the place of a learned one, so
 * that a search or learning run can be measured with a perfect reward before a trained ORM/PRM
 * replaces it.
 *
 * - `scoreOutcome`: 1 when `task.verify` accepts the solution's answer, else 0.
 * - `scoreSteps`: per-step ground truth from `task.checkSteps` where the task has it (as prefix
 *   labels or raw step checks, see `stepLabels`), except that a step stating an answer
 *   (`task.parseAnswer` finds one) is correct when the solution up to it verifies; without a step
 *   checker, the outcome score repeated for every step.
 *
 * Its meter counts one `rewardCalls` per batched call (a verifier reads no tokens and spends no FLOPs).
 */
export function createVerifierRewardModel<D>(
  task: Task<D>,
  config?: Partial<VerifierRewardModelConfig>,
): RewardModel {
  const c = resolveVerifierRewardModelConfig(config);
  const meter = new ComputeMeter();
  const outcome = (state: State): number =>
    task.verify(state.problem as never, solutionText(state, task.stepDelimiter)).correct ? 1 : 0;
  return {
    name: `verifier:${task.name}`,
    meter,
    async scoreOutcome(states) {
      meter.add({ rewardCalls: 1 });
      return states.map(outcome);
    },
    async scoreSteps(states) {
      meter.add({ rewardCalls: 1 });
      return states.map((state) => {
        if (task.checkSteps === undefined) return state.steps.map(() => outcome(state));
        const texts = state.steps.map((s) => s.text);
        const checks = task.checkSteps(state.problem as never, texts);
        let ok = true;
        return checks.map((check, k) => {
          // A step that states the answer is judged by the verifier on the solution so far: step
          // checkers judge reasoning steps, and the answer line is right exactly when it verifies.
          const correct =
            task.parseAnswer(texts[k]!) !== null
              ? task.verify(
                  state.problem as never,
                  solutionText({ steps: state.steps.slice(0, k + 1) }, task.stepDelimiter),
                ).correct
              : check.correct;
          if (c.stepLabels === 'step') return correct ? 1 : 0;
          ok = ok && correct;
          return ok ? 1 : 0;
        });
      });
    },
  };
}

/** A state's solution text: each step followed by the task's step delimiter. */
export function solutionText(state: Pick<State, 'steps'>, stepDelimiter: string): string {
  let text = '';
  for (const step of state.steps) text += step.text + stepDelimiter;
  return text;
}
