import {
  assertInteger,
  assertNumber,
  assertOneOf,
  mergeConfig,
  STEP_AGGREGATIONS,
  type StepAggregation,
} from '@o1lab/core';

/** How samples are scored: by the outcome reward of the whole solution, or by aggregated step rewards. */
export type BestOfNScoring = 'orm' | 'prm';

/**
 * How the answer is chosen: the single highest-scoring sample (`'best'`), or the answer whose samples'
 * scores sum highest (`'weighted'`, Li et al. 2023; Snell et al. 2024 §5).
 */
export type BestOfNSelection = 'best' | 'weighted';

/** Configuration of {@link bestOfN}. Plain JSON data; written into every result. */
export interface BestOfNConfig {
  /**
   * Number of sampled solutions, N. Fewer are drawn when the budget allows fewer.
   * @default 4 (search-and-learn `Config.n`, Beeching et al. 2024)
   */
  readonly n: number;
  /** @default 'prm' (Lightman et al. 2023; Snell et al. 2024 score best-of-N with a PRM) */
  readonly scoring: BestOfNScoring;
  /**
   * Reduction of a solution's step scores to one score when `scoring` is `'prm'`.
   * @default 'last' (Snell et al. 2024 §5 found the last step's score best; search-and-learn `agg_strategy`)
   */
  readonly aggregation: StepAggregation;
  /** @default 'best' (plain best-of-N; `'weighted'` is Li et al. 2023's weighted voting) */
  readonly selection: BestOfNSelection;
  /** Sampling temperature. @default 0.8 (search-and-learn `Config.temperature`) */
  readonly temperature: number;
  /** Nucleus mass. @default 1 (search-and-learn `Config.top_p`) */
  readonly topP: number;
  /**
   * Maximum tokens per solution. @default 256 (search-and-learn uses 2048 sub-word tokens; o1lab's
   * synthetic tasks are a few hundred characters)
   */
  readonly maxTokens: number;
  /** Seed of the sampling calls. @default 0 */
  readonly seed: number;
}

/** Defaults of {@link BestOfNConfig}. */
export const defaultBestOfNConfig: BestOfNConfig = Object.freeze({
  n: 4,
  scoring: 'prm',
  aggregation: 'last',
  selection: 'best',
  temperature: 0.8,
  topP: 1,
  maxTokens: 256,
  seed: 0,
});

const WHERE = 'bestOfN';

/** Merges `options` over the defaults and validates; errors name the option. */
export function resolveBestOfNConfig(options?: Partial<BestOfNConfig>): BestOfNConfig {
  const c = mergeConfig(defaultBestOfNConfig, options, WHERE);
  assertInteger('n', c.n, { min: 1 }, WHERE);
  assertOneOf('scoring', c.scoring, ['orm', 'prm'], WHERE);
  assertOneOf('aggregation', c.aggregation, STEP_AGGREGATIONS, WHERE);
  assertOneOf('selection', c.selection, ['best', 'weighted'], WHERE);
  assertNumber('temperature', c.temperature, { min: 0 }, WHERE);
  assertNumber('topP', c.topP, { gt: 0, max: 1 }, WHERE);
  assertInteger('maxTokens', c.maxTokens, { min: 1 }, WHERE);
  assertInteger('seed', c.seed, { min: 0 }, WHERE);
  return c;
}
