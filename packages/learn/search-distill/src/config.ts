import {
  assertBoolean,
  assertInteger,
  assertNumber,
  assertOneOf,
  mergeConfig,
  O1labError,
} from '@o1lab/core';

/** What the value head regresses to. */
export type DistillValueTarget = 'outcome' | 'q';

/**
 * AlphaZero-style distillation of search trees (Silver et al. 2017; Anthony et al. 2017).
 */
export interface SearchDistillConfig {
  /**
   * `'outcome'`: z, the verifier outcome at the end of the most-visited path from the node (as
   * AlphaZero's z is the result of the game played by the search); `'q'`: the node's mean backed-up
   * value W / N. @default 'outcome' (Silver et al. 2017)
   */
  readonly valueTarget: DistillValueTarget;
  /** c_v: weight of the value loss (z - v)². 0 trains the policy alone. @default 1 (Silver et al. 2017, eq. 1) */
  readonly valueCoef: number;
  /** τ: π(a|s) ∝ N(s, a)^{1/τ}. @default 1 (Silver et al. 2017) */
  readonly visitTemperature: number;
  /**
   * Normalise the policy's step probabilities over the sampled siblings before the cross-entropy
   * (p(a|s) = π_θ(a|s) / Σ_b π_θ(b|s)). The default (false) uses the unnormalised sequence
   * probabilities: the cross-entropy over the whole step space with π = 0 off the siblings, which
   * also pulls down steps the search never sampled. The normalised loss leaves the total mass of
   * the siblings free, and in the toy MCTS loop the policy drifted to unsampled two-digit steps
   * (greedy accuracy 0.1 -> 0.1 against 0.1 -> 0.9 unnormalised; README). @default false
   */
  readonly siblingNormalise: boolean;
  /** A node is a training state when it has at least this many visits. @default 2 */
  readonly minVisits: number;
  /** Delimiter appended to every step (the task's). @default '\n' */
  readonly stepDelimiter: string;
  /** Passes over the examples of one distillation. @default 1 */
  readonly epochs: number;
  /** States per optimizer step. @default 16 */
  readonly batchSize: number;
  /** Peak learning rate. @default 1e-3 */
  readonly learningRate: number;
  /** @default 1e-3 (constant) */
  readonly minLearningRate: number;
  /** @default 0 */
  readonly warmupSteps: number;
  /** Decoupled weight decay (AlphaZero's L2 term c‖θ‖², c = 1e-4). @default 1e-4 (Silver et al. 2017) */
  readonly weightDecay: number;
  /** @default 1.0 */
  readonly gradClipNorm: number;
  /** Seed of the example order. @default 0 */
  readonly seed: number;
}

export const defaultSearchDistillConfig: SearchDistillConfig = Object.freeze({
  valueTarget: 'outcome',
  valueCoef: 1,
  visitTemperature: 1,
  siblingNormalise: false,
  minVisits: 2,
  stepDelimiter: '\n',
  epochs: 1,
  batchSize: 16,
  learningRate: 1e-3,
  minLearningRate: 1e-3,
  warmupSteps: 0,
  weightDecay: 1e-4,
  gradClipNorm: 1.0,
  seed: 0,
});

/** Merges `options` over {@link defaultSearchDistillConfig} and validates every field. */
export function resolveSearchDistillConfig(options: Partial<SearchDistillConfig> = {}): SearchDistillConfig {
  const where = 'SearchDistillConfig';
  const c = mergeConfig(defaultSearchDistillConfig, options, where);
  assertOneOf('valueTarget', c.valueTarget, ['outcome', 'q'], where);
  assertNumber('valueCoef', c.valueCoef, { min: 0 }, where);
  assertNumber('visitTemperature', c.visitTemperature, { gt: 0 }, where);
  assertBoolean('siblingNormalise', c.siblingNormalise, where);
  assertInteger('minVisits', c.minVisits, { min: 1 }, where);
  if (typeof c.stepDelimiter !== 'string' || c.stepDelimiter.length === 0) {
    throw new O1labError('INVALID_CONFIG', '`stepDelimiter` must be a non-empty string', { where });
  }
  assertInteger('epochs', c.epochs, { min: 1 }, where);
  assertInteger('batchSize', c.batchSize, { min: 1 }, where);
  assertNumber('learningRate', c.learningRate, { gt: 0 }, where);
  assertNumber('minLearningRate', c.minLearningRate, { min: 0, max: c.learningRate }, where);
  assertInteger('warmupSteps', c.warmupSteps, { min: 0 }, where);
  assertNumber('weightDecay', c.weightDecay, { min: 0 }, where);
  assertNumber('gradClipNorm', c.gradClipNorm, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  return Object.freeze(c);
}
