import { assertInteger, assertNumber, type SampleOptions } from '@o1lab/core';

/** How rollouts are sampled: the generation half of every on-policy learner. */
export interface RolloutConfig {
  /** Completions sampled per prompt (G in GRPO, k in RLOO); TRL's `num_generations`. @default 8 */
  readonly numGenerations: number;
  /** Longest completion in tokens; TRL's `max_completion_length`. @default 32 */
  readonly maxCompletionTokens: number;
  /** Sampling temperature (TRL `temperature`). @default 1 */
  readonly temperature: number;
  /** Keep the k most likely tokens (0 = off). @default 0 */
  readonly topK: number;
  /** Nucleus mass (1 = off). @default 1 */
  readonly topP: number;
  /** Seeds every sampling call (one derived seed per call). @default 0 */
  readonly seed: number;
}

export const defaultRolloutConfig: RolloutConfig = Object.freeze({
  numGenerations: 8,
  maxCompletionTokens: 32,
  temperature: 1,
  topK: 0,
  topP: 1,
  seed: 0,
});

/** Validates rollout options, naming the option at fault. */
export function resolveRolloutConfig(options: Partial<RolloutConfig> = {}): RolloutConfig {
  const c = { ...defaultRolloutConfig, ...options };
  const where = 'RolloutConfig';
  assertInteger('numGenerations', c.numGenerations, { min: 1 }, where);
  assertInteger('maxCompletionTokens', c.maxCompletionTokens, { min: 1 }, where);
  assertNumber('temperature', c.temperature, { min: 0 }, where);
  assertInteger('topK', c.topK, { min: 0 }, where);
  assertNumber('topP', c.topP, { min: 0, max: 1 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  return Object.freeze(c);
}

/** The `SampleOptions` of one rollout call. */
export function sampleOptionsOf(config: RolloutConfig, seed: number): SampleOptions {
  return {
    n: config.numGenerations,
    maxTokens: config.maxCompletionTokens,
    temperature: config.temperature,
    topK: config.topK,
    topP: config.topP,
    seed,
  };
}
