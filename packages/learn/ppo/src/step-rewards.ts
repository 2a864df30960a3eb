import type { RewardModel, State } from '@o1lab/core';
import { completionSteps, type Rollout, type StepRewardFn } from '@o1lab/learn-rollout';
import type { Tokenizer } from '@o1lab/model';
import { type Potential, type PotentialShapingConfig, shapeStepRewards } from '@o1lab/reward-shaping';

/** The rollout's state with the completion's steps appended (for reward models and potentials). */
export function rolloutState(rollout: Rollout, tokenizer: Tokenizer, delimiter: string): State {
  const { steps } = completionSteps(rollout.completionIds, tokenizer, delimiter);
  return { ...rollout.state, steps: [...rollout.state.steps, ...steps.map((text) => ({ text }))] };
}

/**
 * Step rewards from a process reward model (PPO with PRM step rewards, as in Math-Shepherd, Wang et
 * al. 2024, and DeepSeekMath sec. 4.1.3): coef x the PRM's score of each step, in one batched
 * `scoreSteps` call.
 */
export function prmStepRewards(
  rewardModel: RewardModel,
  tokenizer: Tokenizer,
  delimiter: string,
  coef = 1,
): StepRewardFn {
  return async (rollouts) => {
    const all = rollouts.map((r) => rolloutState(r, tokenizer, delimiter));
    const scores = await rewardModel.scoreSteps(all);
    // Scores of the completion's own steps (the state may carry earlier steps).
    return all.map((_, i) => scores[i]!.slice(rollouts[i]!.state.steps.length).map((x) => coef * x));
  };
}

/**
 * Step rewards from potential-based shaping (Ng et al. 1999, via `@o1lab/reward-shaping`):
 * F(s_t, s_{t+1}) = gamma Phi(s_{t+1}) - Phi(s_t) for each step of the completion (terminal
 * Phi = 0), the outcome staying on the last token. Leaves the optimal policy unchanged.
 */
export function shapedStepRewards(
  potential: Potential,
  tokenizer: Tokenizer,
  delimiter: string,
  config?: Partial<PotentialShapingConfig>,
): StepRewardFn {
  return async (rollouts) =>
    Promise.all(
      rollouts.map(async (r) => {
        const state = rolloutState(r, tokenizer, delimiter);
        const { rewards } = await shapeStepRewards(
          state,
          new Array(state.steps.length).fill(0),
          potential,
          config,
        );
        return rewards.slice(r.state.steps.length);
      }),
    );
}
