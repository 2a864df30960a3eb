import type { RewardModel, State, Task } from '@o1lab/core';
import { appendStep, ComputeMeter, createRng, O1labError, renderState } from '@o1lab/core';
import { DEFAULT_TOY_FLOPS_PER_TOKEN } from './table-policy.js';
import { hashString } from './toy-mdp.js';

/** The value of a state: probability of ending with a correct answer from it, in [0, 1]. */
export type ValueFunction = (state: State) => number;

/** Options shared by the toy reward models. */
export interface ToyRewardOptions {
  /** @default depends on the model */
  readonly name?: string;
  /** Nominal FLOPs per token read. @default 2000 */
  readonly flopsPerToken?: number;
}

/**
 * A noiseless process reward model: the score of step k is `value(state with the first k steps)`,
 * the true probability of reaching a correct answer from that prefix under the policy (for the toy
 * MDP, {@link toyValue}); the outcome score is the value of the whole state (1 or 0 for a finished
 * one). Each call counts one `rewardCalls`, the rendered tokens of every state as `rewardTokens`
 * (one token per character) and `flopsPerToken` per token.
 */
export function createValueRewardModel(
  task: Pick<Task, 'stepDelimiter'>,
  value: ValueFunction,
  options: ToyRewardOptions = {},
): RewardModel {
  return createScoredRewardModel(task, options.name ?? 'value-prm', options, (state) => value(state));
}

/** Options of {@link createNoisyRewardModel}. */
export interface NoisyRewardOptions extends ToyRewardOptions {
  /** Standard deviation of the Gaussian noise added to each score (then clipped to [0, 1]). */
  readonly noise: number;
  /** Seed of the noise. @default 0 */
  readonly seed?: number;
}

/**
 * A noisy process reward model: the noiseless value plus Gaussian noise of std `noise`, clipped to
 * [0, 1]. The noise of a prefix is a function of (seed, prefix text), so the model is consistent:
 * the same prefix always gets the same score, in any batch and any call.
 */
export function createNoisyRewardModel(
  task: Pick<Task, 'stepDelimiter'>,
  value: ValueFunction,
  options: NoisyRewardOptions,
): RewardModel {
  if (!(options.noise >= 0) || !Number.isFinite(options.noise)) {
    throw new O1labError('INVALID_CONFIG', `\`noise\` must be >= 0, got ${options.noise}`, {
      where: 'createNoisyRewardModel',
    });
  }
  const seed = options.seed ?? 0;
  return createScoredRewardModel(task, options.name ?? `noisy-prm-${options.noise}`, options, (state) => {
    const text = renderState(state, task.stepDelimiter);
    const eps = createRng(hashString(text), seed).normal(0, options.noise);
    return Math.min(1, Math.max(0, value(state) + eps));
  });
}

/**
 * The oracle outcome reward: 1 when `task.verify` accepts the solution (its steps joined by the
 * step delimiter), else 0. As a process reward, step k scores the first k steps the same way, so a
 * finished solution's last step score equals its outcome score and earlier steps score 0 unless they
 * already state the correct answer.
 */
export function createVerifierRewardModel(task: Task, options: ToyRewardOptions = {}): RewardModel {
  return createScoredRewardModel(task, options.name ?? `verifier-${task.name}`, options, (state) =>
    task.verify(state.problem, state.steps.map((s) => s.text).join(task.stepDelimiter)).correct ? 1 : 0,
  );
}

/**
 * The step-check oracle PRM: step k scores 1 when the task's ground truth (`task.checkSteps`) finds
 * the first k steps all correct, else 0 — the kind of label PRM800K-style human annotation gives. A
 * step that states an answer is scored by `task.verify` instead (1/0). Without `checkSteps` it falls
 * back to the verifier reward.
 */
export function createStepCheckRewardModel(task: Task, options: ToyRewardOptions = {}): RewardModel {
  return createScoredRewardModel(task, options.name ?? `step-check-${task.name}`, options, (state) => {
    const texts = state.steps.map((s) => s.text);
    const last = texts[texts.length - 1];
    if (task.checkSteps === undefined || last === undefined || task.parseAnswer(last) !== null) {
      return task.verify(state.problem, texts.join(task.stepDelimiter)).correct ? 1 : 0;
    }
    return task.checkSteps(state.problem, texts).every((c) => c.correct) ? 1 : 0;
  });
}

function createScoredRewardModel(
  task: Pick<Task, 'stepDelimiter'>,
  name: string,
  options: ToyRewardOptions,
  score: (state: State) => number,
): RewardModel {
  const meter = new ComputeMeter();
  const flopsPerToken = options.flopsPerToken ?? DEFAULT_TOY_FLOPS_PER_TOKEN;
  const account = (states: readonly State[]): void => {
    let tokens = 0;
    for (const state of states) tokens += renderState(state, task.stepDelimiter).length;
    meter.add({ rewardCalls: 1, rewardTokens: tokens, flops: flopsPerToken * tokens });
  };
  return {
    name,
    meter,
    scoreOutcome(states) {
      return meter.time(async () => {
        account(states);
        return states.map(score);
      });
    },
    scoreSteps(states) {
      return meter.time(async () => {
        account(states);
        return states.map((state) => {
          const scores: number[] = [];
          let prefix: State = { problem: state.problem, prompt: state.prompt, steps: [] };
          for (const step of state.steps) {
            prefix = appendStep(prefix, step);
            scores.push(score(prefix));
          }
          return scores;
        });
      });
    },
  };
}
