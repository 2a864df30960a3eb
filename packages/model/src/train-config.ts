import {
  assertBoolean,
  assertInteger,
  assertNumber,
  assertOneOf,
  mergeConfig,
  O1labError,
} from '@o1lab/core';

/** Loss of the value head: squared error on real targets, or logistic loss on 0/1 labels. */
export type ValueLoss = 'mse' | 'bce';

/**
 * Optimiser and schedule of {@link createTrainer}. Defaults follow nanoGPT's small-model settings
 * (Karpathy 2022; betas and weight decay from GPT-3, Brown et al. 2020).
 */
export interface TrainConfig {
  /** Peak learning rate, reached at the end of warmup. @default 1e-3 */
  readonly learningRate: number;
  /** Learning rate at the end of the cosine decay and after it. @default 1e-4 */
  readonly minLearningRate: number;
  /** Optimizer steps of linear warmup from 0 to `learningRate`. @default 100 */
  readonly warmupSteps: number;
  /** Optimizer step at which the cosine decay reaches `minLearningRate`. @default 5000 */
  readonly totalSteps: number;
  /** Decoupled weight decay λ (Loshchilov & Hutter 2019), applied to weight matrices only. @default 0.1 */
  readonly weightDecay: number;
  /** Also decay the token and position embeddings (and the tied output projection). @default false */
  readonly decayEmbeddings: boolean;
  /** Adam β1. @default 0.9 */
  readonly beta1: number;
  /** Adam β2. @default 0.95 */
  readonly beta2: number;
  /** Adam ε. @default 1e-8 */
  readonly eps: number;
  /** Clip the global gradient L2 norm to this; 0 turns clipping off. @default 1.0 */
  readonly gradClipNorm: number;
  /** Micro-batches per optimizer step; a batch's rows are split evenly among them. @default 1 */
  readonly gradAccumulation: number;
  /** Sequences per optimizer step, for the helpers that draw batches. @default 32 */
  readonly batchSize: number;
  /** Weight of the next-token cross-entropy. @default 1 */
  readonly lmLossCoef: number;
  /** Weight of the value-head loss (when a batch carries value targets). @default 1 */
  readonly valueLossCoef: number;
  /** @default 'mse' */
  readonly valueLoss: ValueLoss;
  /** Seed of the trainer's Rng (batch sampling); saved with checkpoints. @default 0 */
  readonly seed: number;
}

export const defaultTrainConfig: TrainConfig = Object.freeze({
  learningRate: 1e-3,
  minLearningRate: 1e-4,
  warmupSteps: 100,
  totalSteps: 5000,
  weightDecay: 0.1,
  decayEmbeddings: false,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  gradClipNorm: 1.0,
  gradAccumulation: 1,
  batchSize: 32,
  lmLossCoef: 1,
  valueLossCoef: 1,
  valueLoss: 'mse',
  seed: 0,
});

/** Merges `options` over {@link defaultTrainConfig} and validates every field. */
export function resolveTrainConfig(options: Partial<TrainConfig> = {}): TrainConfig {
  const where = 'TrainConfig';
  const c = mergeConfig(defaultTrainConfig, options, where);
  assertNumber('learningRate', c.learningRate, { gt: 0 }, where);
  assertNumber('minLearningRate', c.minLearningRate, { min: 0 }, where);
  assertInteger('warmupSteps', c.warmupSteps, { min: 0 }, where);
  assertInteger('totalSteps', c.totalSteps, { min: 1 }, where);
  assertNumber('weightDecay', c.weightDecay, { min: 0 }, where);
  assertBoolean('decayEmbeddings', c.decayEmbeddings, where);
  assertNumber('beta1', c.beta1, { min: 0, lt: 1 }, where);
  assertNumber('beta2', c.beta2, { min: 0, lt: 1 }, where);
  assertNumber('eps', c.eps, { gt: 0 }, where);
  assertNumber('gradClipNorm', c.gradClipNorm, { min: 0 }, where);
  assertInteger('gradAccumulation', c.gradAccumulation, { min: 1 }, where);
  assertInteger('batchSize', c.batchSize, { min: 1 }, where);
  assertNumber('lmLossCoef', c.lmLossCoef, { min: 0 }, where);
  assertNumber('valueLossCoef', c.valueLossCoef, { min: 0 }, where);
  assertOneOf('valueLoss', c.valueLoss, ['mse', 'bce'], where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  if (c.minLearningRate > c.learningRate) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`minLearningRate\` (${c.minLearningRate}) must be <= \`learningRate\` (${c.learningRate})`,
      { where },
    );
  }
  if (c.batchSize % c.gradAccumulation !== 0) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`batchSize\` (${c.batchSize}) must be divisible by \`gradAccumulation\` (${c.gradAccumulation})`,
      { where },
    );
  }
  return c;
}

/**
 * Learning rate of optimizer step `step` (0-based): linear warmup to `learningRate` over
 * `warmupSteps`, then cosine decay to `minLearningRate` at `totalSteps` (Loshchilov & Hutter 2017,
 * SGDR without restarts), constant after.
 */
export function learningRateAt(config: TrainConfig, step: number): number {
  const { learningRate: lr, minLearningRate: minLr, warmupSteps: warmup, totalSteps: total } = config;
  if (step < warmup) return (lr * (step + 1)) / warmup;
  if (step >= total) return minLr;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (lr - minLr);
}
