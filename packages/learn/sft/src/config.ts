import {
  assertBoolean,
  assertInteger,
  assertNumber,
  assertOneOf,
  mergeConfig,
  O1labError,
} from '@o1lab/core';

/** Which target tokens carry the next-token loss. */
export type SftLossOn = 'completion' | 'all';

/**
 * Behaviour cloning (supervised fine-tuning) on prompt/completion pairs. Names follow TRL's
 * `SFTConfig` where one exists (`num_train_epochs`, `completion_only_loss`, `max_length`).
 */
export interface SftConfig {
  /** Passes over the training set (TRL `num_train_epochs`). @default 3 (TRL) */
  readonly epochs: number;
  /** Pairs per optimizer step; the last batch of an epoch may be smaller. @default 16 */
  readonly batchSize: number;
  /** Peak learning rate of the trainer's warmup + cosine schedule. @default 1e-3 (nanoGPT small models) */
  readonly learningRate: number;
  /** Learning rate at the end of the cosine decay. @default 1e-4 (nanoGPT: learningRate / 10) */
  readonly minLearningRate: number;
  /** Linear warmup steps. @default 0 */
  readonly warmupSteps: number;
  /** Decoupled weight decay. @default 0 (TRL `weight_decay`) */
  readonly weightDecay: number;
  /** Global gradient-norm clip; 0 turns it off. @default 1.0 (TRL `max_grad_norm`) */
  readonly gradClipNorm: number;
  /**
   * `'completion'` trains on completion tokens and EOS only (TRL `completion_only_loss`: the loss
   * mask of behaviour cloning); `'all'` on every target, the prompt included.
   * @default 'completion' (TRL)
   */
  readonly lossOn: SftLossOn;
  /** Shuffle the pairs every epoch (from `seed`). @default true */
  readonly shuffle: boolean;
  /** Evaluate on the eval set every this many steps; 0 evaluates after each epoch only. @default 0 */
  readonly evalEvery: number;
  /** Save a checkpoint every this many steps when a checkpoint directory is given; 0: at the end only. @default 0 */
  readonly saveEvery: number;
  /** Seed of the batch order. @default 0 */
  readonly seed: number;
}

export const defaultSftConfig: SftConfig = Object.freeze({
  epochs: 3,
  batchSize: 16,
  learningRate: 1e-3,
  minLearningRate: 1e-4,
  warmupSteps: 0,
  weightDecay: 0,
  gradClipNorm: 1.0,
  lossOn: 'completion',
  shuffle: true,
  evalEvery: 0,
  saveEvery: 0,
  seed: 0,
});

/** Merges `options` over {@link defaultSftConfig} and validates every field. */
export function resolveSftConfig(options: Partial<SftConfig> = {}): SftConfig {
  const where = 'SftConfig';
  const c = mergeConfig(defaultSftConfig, options, where);
  assertInteger('epochs', c.epochs, { min: 1 }, where);
  assertInteger('batchSize', c.batchSize, { min: 1 }, where);
  assertNumber('learningRate', c.learningRate, { gt: 0 }, where);
  assertNumber('minLearningRate', c.minLearningRate, { min: 0 }, where);
  assertInteger('warmupSteps', c.warmupSteps, { min: 0 }, where);
  assertNumber('weightDecay', c.weightDecay, { min: 0 }, where);
  assertNumber('gradClipNorm', c.gradClipNorm, { min: 0 }, where);
  assertOneOf('lossOn', c.lossOn, ['completion', 'all'], where);
  assertBoolean('shuffle', c.shuffle, where);
  assertInteger('evalEvery', c.evalEvery, { min: 0 }, where);
  assertInteger('saveEvery', c.saveEvery, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  if (c.minLearningRate > c.learningRate) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`minLearningRate\` (${c.minLearningRate}) must be <= \`learningRate\` (${c.learningRate})`,
      { where },
    );
  }
  return Object.freeze(c);
}
