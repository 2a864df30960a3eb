import {
  assertInteger,
  assertNumber,
  assertOneOf,
  mergeConfig,
  STEP_AGGREGATIONS,
  type StepAggregation,
} from '@o1lab/core';

/** Which learned reward model {@link trainRewardModel} trains. */
export type LearnedRewardKind = 'orm' | 'prm' | 'pairwise';

/**
 * Knobs of {@link trainRewardModel}. The optimiser is the model package's AdamW (betas 0.9 / 0.95,
 * gradient clipping at 1, linear warmup then cosine decay to `learningRate / 10`).
 */
export interface RewardTrainingConfig {
  /** Optimiser steps. @default 300 */
  readonly numSteps: number;
  /** Examples (PRM, ORM) or preference pairs (pairwise) per optimiser step. @default 32 */
  readonly batchSize: number;
  /** Peak AdamW learning rate. @default 1e-3 */
  readonly learningRate: number;
  /** Linear warmup steps. @default 20 */
  readonly warmupSteps: number;
  /** Decoupled weight decay of the weight matrices. @default 0.01 */
  readonly weightDecay: number;
  /**
   * PRM targets: `'soft'` trains BCE on the step labels as given (fractions in [0, 1], e.g. the
   * Monte-Carlo success rate of Math-Shepherd eq. 4); `'hard'` rounds each label at 0.5 first
   * (Math-Shepherd eq. 3 labels are already 0/1 and stay as they are).
   * @default 'soft'
   */
  readonly labels: 'hard' | 'soft';
  /**
   * How a PRM's step scores become one solution score in `scoreOutcome` (min: Lightman et al.
   * 2023; product; last: Snell et al. 2024; mean).
   * @default 'min'
   */
  readonly aggregation: StepAggregation;
  /** Residual width of a model trained from scratch (ignored with `init`). @default 64 */
  readonly dModel: number;
  /** Blocks of a model trained from scratch (ignored with `init`). @default 2 */
  readonly nLayer: number;
  /** Attention heads of a model trained from scratch (ignored with `init`). @default 4 */
  readonly nHead: number;
  /** Positions of a model trained from scratch (ignored with `init`); longer inputs are cut. @default 128 */
  readonly context: number;
  /** Seed of the batch draws and of a fresh model's (or value head's) initialisation. @default 0 */
  readonly seed: number;
}

/** Defaults of {@link RewardTrainingConfig}. */
export const defaultRewardTrainingConfig: RewardTrainingConfig = Object.freeze({
  numSteps: 300,
  batchSize: 32,
  learningRate: 1e-3,
  warmupSteps: 20,
  weightDecay: 0.01,
  labels: 'soft',
  aggregation: 'min',
  dModel: 64,
  nLayer: 2,
  nHead: 4,
  context: 128,
  seed: 0,
});

/** Merges `options` over the defaults and validates every field. */
export function resolveRewardTrainingConfig(options?: Partial<RewardTrainingConfig>): RewardTrainingConfig {
  const where = 'trainRewardModel';
  const c = mergeConfig(defaultRewardTrainingConfig, options, where);
  assertInteger('numSteps', c.numSteps, { min: 1 }, where);
  assertInteger('batchSize', c.batchSize, { min: 1 }, where);
  assertNumber('learningRate', c.learningRate, { gt: 0 }, where);
  assertInteger('warmupSteps', c.warmupSteps, { min: 0 }, where);
  assertNumber('weightDecay', c.weightDecay, { min: 0 }, where);
  assertOneOf('labels', c.labels, ['hard', 'soft'], where);
  assertOneOf('aggregation', c.aggregation, STEP_AGGREGATIONS, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  // dModel, nLayer, nHead and context are checked by resolveTinyGptConfig when the model is built.
  return c;
}
