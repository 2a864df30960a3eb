import {
  assertInteger,
  assertNumber,
  assertOneOf,
  mergeConfig,
  O1labError,
  STEP_AGGREGATIONS,
  type StepAggregation,
} from '@o1lab/core';

/** Configuration of {@link dvts}. Plain JSON data; written into every result and golden tree. */
export interface DvtsConfig {
  /**
   * Samples per round, N: N/M independent subtrees, each expanded M times per round.
   * @default 16 (Beeching et al. 2024 sweep N = 4..256; search-and-learn `n`)
   */
  readonly n: number;
  /**
   * Beam width M: proposals per subtree per round; there are N/M subtrees. `n` must be a multiple.
   * @default 4 (Beeching et al. 2024; search-and-learn `beam_width`)
   */
  readonly beamWidth: number;
  /** Maximum rounds (steps per solution). @default 40 (search-and-learn `num_iterations`) */
  readonly numIterations: number;
  /**
   * Lookahead k: each proposal is rolled out k more steps (greedy, temperature 0) and scored by the
   * PRM at the rollout's end (Snell et al. 2024 §3). 0 = score the proposal itself.
   * @default 0 (search-and-learn `lookahead`)
   */
  readonly lookahead: number;
  /** Reduction of a beam's step scores to one score. @default 'last' (search-and-learn `agg_strategy`) */
  readonly aggregation: StepAggregation;
  /** Sampling temperature of expansions. @default 0.8 (search-and-learn `temperature`) */
  readonly temperature: number;
  /** Nucleus mass. @default 1 (search-and-learn `top_p`) */
  readonly topP: number;
  /** Maximum tokens per step. @default 64 (o1lab: character tokens, one equation or answer line) */
  readonly maxStepTokens: number;
  /** Seed of the sampling calls. @default 0 */
  readonly seed: number;
}

/** Defaults of {@link DvtsConfig}. */
export const defaultDvtsConfig: DvtsConfig = Object.freeze({
  n: 16,
  beamWidth: 4,
  numIterations: 40,
  lookahead: 0,
  aggregation: 'last',
  temperature: 0.8,
  topP: 1,
  maxStepTokens: 64,
  seed: 0,
});

const WHERE = 'dvts';

/** Merges `options` over the defaults and validates; errors name the option. */
export function resolveDvtsConfig(options?: Partial<DvtsConfig>): DvtsConfig {
  const c = mergeConfig(defaultDvtsConfig, options, WHERE);
  assertInteger('n', c.n, { min: 1 }, WHERE);
  assertInteger('beamWidth', c.beamWidth, { min: 1, max: c.n }, WHERE);
  if (c.n % c.beamWidth !== 0) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`n\` (${c.n}) must be a multiple of \`beamWidth\` (${c.beamWidth})`,
      {
        where: WHERE,
        hint: 'the search runs N/M subtrees',
      },
    );
  }
  assertInteger('numIterations', c.numIterations, { min: 1 }, WHERE);
  assertInteger('lookahead', c.lookahead, { min: 0 }, WHERE);
  assertOneOf('aggregation', c.aggregation, STEP_AGGREGATIONS, WHERE);
  assertNumber('temperature', c.temperature, { min: 0 }, WHERE);
  assertNumber('topP', c.topP, { gt: 0, max: 1 }, WHERE);
  assertInteger('maxStepTokens', c.maxStepTokens, { min: 1 }, WHERE);
  assertInteger('seed', c.seed, { min: 0 }, WHERE);
  return c;
}
