import { assertInteger, assertNumber, mergeConfig } from '@o1lab/core';

/** Configuration of {@link majorityVote}. Plain JSON data; written into every result. */
export interface MajorityVoteConfig {
  /**
   * Number of sampled reasoning paths. Fewer are drawn when the budget allows fewer.
   * @default 40 (Wang et al. 2022 sample 40 paths per question)
   */
  readonly n: number;
  /** Sampling temperature. @default 0.7 (Wang et al. 2022, §3.1 sampling scheme) */
  readonly temperature: number;
  /** Keep only the k most likely tokens (0 = off). @default 40 (Wang et al. 2022, §3.1) */
  readonly topK: number;
  /** Nucleus mass. @default 1 */
  readonly topP: number;
  /**
   * Maximum tokens per path. @default 256 (o1lab's synthetic tasks are a few hundred characters)
   */
  readonly maxTokens: number;
  /** Seed of the sampling call. @default 0 */
  readonly seed: number;
}

/** Defaults of {@link MajorityVoteConfig}. */
export const defaultMajorityVoteConfig: MajorityVoteConfig = Object.freeze({
  n: 40,
  temperature: 0.7,
  topK: 40,
  topP: 1,
  maxTokens: 256,
  seed: 0,
});

const WHERE = 'majorityVote';

/** Merges `options` over the defaults and validates; errors name the option. */
export function resolveMajorityVoteConfig(options?: Partial<MajorityVoteConfig>): MajorityVoteConfig {
  const c = mergeConfig(defaultMajorityVoteConfig, options, WHERE);
  assertInteger('n', c.n, { min: 1 }, WHERE);
  assertNumber('temperature', c.temperature, { min: 0 }, WHERE);
  assertInteger('topK', c.topK, { min: 0 }, WHERE);
  assertNumber('topP', c.topP, { gt: 0, max: 1 }, WHERE);
  assertInteger('maxTokens', c.maxTokens, { min: 1 }, WHERE);
  assertInteger('seed', c.seed, { min: 0 }, WHERE);
  return c;
}
