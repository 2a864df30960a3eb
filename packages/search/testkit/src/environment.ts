import type { Problem, RewardModel, Task } from '@o1lab/core';
import { createNoisyRewardModel, createValueRewardModel, createVerifierRewardModel } from './reward.js';
import { createTablePolicy, type TablePolicy } from './table-policy.js';
import {
  createToyProblem,
  optimalSteps,
  type ToyMdpData,
  type ToyMdpOptions,
  toyDistribution,
  toyTask,
  toyValue,
} from './toy-mdp.js';

/**
 * Which reward model a toy environment carries: the noiseless value PRM, the value PRM with seeded
 * noise, the verifier oracle, or none.
 */
export type ToyRewardKind = 'value' | 'noisy' | 'verifier' | 'none';

/** Options of {@link createToyEnvironment}. */
export interface ToyEnvironmentOptions extends ToyMdpOptions {
  /** @default 'value' */
  readonly reward?: ToyRewardKind;
  /** Noise std of the `'noisy'` reward model. @default 0.3 */
  readonly noise?: number;
  /** Seed of the `'noisy'` reward model's noise. @default 0 */
  readonly noiseSeed?: number;
  /** Model a prefix cache in the policy. @default true */
  readonly prefixCache?: boolean;
}

/** A fresh toy MDP problem with its task, a table policy, a reward model and the known answer. */
export interface ToyEnvironment {
  readonly task: Task<ToyMdpData>;
  readonly problem: Problem<ToyMdpData>;
  readonly policy: TablePolicy;
  readonly reward: RewardModel | undefined;
  /** Steps of the optimal (only correct) path. */
  readonly optimalSteps: readonly string[];
  /** The correct answer. */
  readonly answer: string;
}

/**
 * A toy environment with fresh meters (and a fresh prefix cache): build one per search run when
 * comparing runs, since the cache changes the prefill counters of later calls.
 */
export function createToyEnvironment(options: ToyEnvironmentOptions = {}): ToyEnvironment {
  const { reward = 'value', noise = 0.3, noiseSeed = 0, prefixCache = true, ...mdp } = options;
  const problem = createToyProblem(mdp);
  const policy = createTablePolicy({
    name: 'toy-policy',
    distribution: toyDistribution,
    stepDelimiter: toyTask.stepDelimiter,
    prefixCache,
  });
  return {
    task: toyTask,
    problem,
    policy,
    reward: createToyReward(reward, noise, noiseSeed),
    optimalSteps: optimalSteps(problem),
    answer: problem.answer ?? '',
  };
}

function createToyReward(kind: ToyRewardKind, noise: number, seed: number): RewardModel | undefined {
  switch (kind) {
    case 'value':
      return createValueRewardModel(toyTask, toyValue);
    case 'noisy':
      return createNoisyRewardModel(toyTask, toyValue, { noise, seed });
    case 'verifier':
      return createVerifierRewardModel(toyTask as unknown as Task);
    case 'none':
      return undefined;
  }
}
