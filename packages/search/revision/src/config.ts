import { assertInteger, assertNumber, assertOneOf, mergeConfig } from '@o1lab/core';

/** Scorer of each attempt: an outcome reward model, a PRM's last-step score, or the task's verifier. */
export type RevisionScorer = 'orm' | 'prm' | 'verifier';

/**
 * How the answer is picked among all attempts: `'hierarchical'` (best attempt of each chain by score,
 * then a score-weighted vote across chains; Snell et al. 2024 section 6.2), `'best'` (highest score),
 * `'weighted'` (answer with the highest summed score), `'majority'` (most frequent answer).
 */
export type RevisionSelection = 'hierarchical' | 'best' | 'weighted' | 'majority';

/**
 * Knobs of {@link sequentialRevision}. Names and defaults follow Snell et al. 2024, *Scaling LLM
 * Test-Time Compute Optimally can be More Effective than Scaling Model Parameters*, section 6.
 * Plain JSON data: it is written into every result.
 */
export interface RevisionConfig {
  /**
   * N: attempts in all (the generation budget), split into P parallel chains of L revisions.
   * @default 16 (o1lab; Snell et al. 2024 sweep N up to 256)
   */
  readonly numSamples: number;
  /**
   * L / P, the ratio of sequential to parallel sampling at fixed N: L = round(sqrt(N ratio)) clamped
   * to [1, N], P = floor(N / L). 1 / N is pure parallel best-of-N, N is one chain of N revisions.
   * @default 1 (o1lab; Snell et al. 2024 sweep the ratio, compute-optimal depends on difficulty)
   */
  readonly sequentialRatio: number;
  /**
   * Previous attempts shown in a revision prompt (the most recent ones).
   * @default 4 (Snell et al. 2024, revision model trained with up to four previous answers in context)
   */
  readonly contextWindow: number;
  /** @default 'orm' (Snell et al. 2024 select revisions with an ORM-style verifier) */
  readonly scorer: RevisionScorer;
  /** @default 'hierarchical' (Snell et al. 2024, section 6.2) */
  readonly finalSelection: RevisionSelection;
  /** Token limit of one attempt. @default 256 (o1lab) */
  readonly maxTokens: number;
  /** @default 0.8 (o1lab) */
  readonly temperature: number;
  /** Seed of the policy calls. @default 0 */
  readonly seed: number;
}

/** The defaults, frozen. */
export const defaultRevisionConfig: RevisionConfig = Object.freeze({
  numSamples: 16,
  sequentialRatio: 1,
  contextWindow: 4,
  scorer: 'orm',
  finalSelection: 'hierarchical',
  maxTokens: 256,
  temperature: 0.8,
  seed: 0,
});

const WHERE = 'sequentialRevision config';

/** Merges `options` over {@link defaultRevisionConfig} and validates every field, naming the bad one. */
export function resolveRevisionConfig(options?: Partial<RevisionConfig>): RevisionConfig {
  const c = mergeConfig(defaultRevisionConfig, options, WHERE);
  assertInteger('numSamples', c.numSamples, { min: 1 }, WHERE);
  assertNumber('sequentialRatio', c.sequentialRatio, { gt: 0 }, WHERE);
  assertInteger('contextWindow', c.contextWindow, { min: 1 }, WHERE);
  assertOneOf('scorer', c.scorer, ['orm', 'prm', 'verifier'], WHERE);
  assertOneOf('finalSelection', c.finalSelection, ['hierarchical', 'best', 'weighted', 'majority'], WHERE);
  assertInteger('maxTokens', c.maxTokens, { min: 1 }, WHERE);
  assertNumber('temperature', c.temperature, { min: 0 }, WHERE);
  assertInteger('seed', c.seed, { min: 0 }, WHERE);
  return c;
}

/** L (revisions per chain) and P (parallel chains) for N samples at a sequential/parallel ratio. */
export function chainShape(
  numSamples: number,
  sequentialRatio: number,
): { chainLength: number; numChains: number } {
  const chainLength = Math.min(numSamples, Math.max(1, Math.round(Math.sqrt(numSamples * sequentialRatio))));
  return { chainLength, numChains: Math.max(1, Math.floor(numSamples / chainLength)) };
}
