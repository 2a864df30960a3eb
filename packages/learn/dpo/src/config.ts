import {
  assertBoolean,
  assertInteger,
  assertNumber,
  assertOneOf,
  mergeConfig,
  O1labError,
} from '@o1lab/core';

/** `'sigmoid'`: DPO (Rafailov et al. 2023); `'ipo'`: IPO (Azar et al. 2023). */
export type DpoLossType = 'sigmoid' | 'ipo';

/**
 * Direct preference optimisation. Names follow TRL's `DPOConfig` (`beta`, `loss_type`,
 * `label_smoothing`, `rpo_alpha`).
 */
export interface DpoConfig {
  /** β: strength of the implicit KL constraint to the reference policy. @default 0.1 (Rafailov et al. 2023; TRL) */
  readonly beta: number;
  /** @default 'sigmoid' (TRL) */
  readonly lossType: DpoLossType;
  /**
   * ε of conservative DPO (Mitchell 2023): the probability that a preference label is flipped;
   * only for `'sigmoid'`. @default 0 (TRL `label_smoothing`)
   */
  readonly labelSmoothing: number;
  /**
   * IPO on mean per-token log-probabilities instead of sums (TRL does this for `'ipo'`, following
   * the authors' implementation). @default true (TRL)
   */
  readonly ipoLengthNormalise: boolean;
  /**
   * α of the RPO / Iterative RPO negative log-likelihood term: the loss becomes DPO (or IPO) + α ·
   * NLL of the chosen completions per token, pooled over the minibatch (TRL `rpo_alpha`, from Liu
   * et al. 2024, "Provably Mitigating Overoptimization in RLHF"; Pang et al. 2024, "Iterative
   * Reasoning Preference Optimization", eq. 1, use α = 1). 0 is plain DPO. @default 0 (TRL: `None`)
   */
  readonly rpoAlpha: number;
  /**
   * λ of DPO-Positive (Pal et al. 2024, "Smaug", eq. 3): the margin inside the sigmoid loses λ ·
   * max(0, log π_ref(y_w|x) - log π(y_w|x)), so that the chosen completion's likelihood cannot fall
   * below the reference's for free (the failure of DPO on pairs with a small edit distance, such as
   * two derivations differing in a digit). 0 is plain DPO; sigmoid loss only. @default 0 (the paper
   * uses 50)
   */
  readonly dpopLambda: number;
  /** End chosen and rejected completions with EOS; off for step pairs (Step-DPO). @default true */
  readonly appendEos: boolean;
  /** Passes over the pairs. @default 1 (TRL `num_train_epochs` in the DPO examples) */
  readonly epochs: number;
  /** Pairs per optimizer step. @default 8 */
  readonly batchSize: number;
  /** Peak learning rate. @default 1e-3 (TinyGPT scale; TRL's 1e-6 is for billion-parameter models) */
  readonly learningRate: number;
  /** Learning rate at the end of the cosine decay. @default 1e-3 (constant) */
  readonly minLearningRate: number;
  /** @default 0 */
  readonly warmupSteps: number;
  /** @default 0 */
  readonly weightDecay: number;
  /** @default 1.0 (TRL `max_grad_norm`) */
  readonly gradClipNorm: number;
  /** Seed of the pair order. @default 0 */
  readonly seed: number;
}

export const defaultDpoConfig: DpoConfig = Object.freeze({
  beta: 0.1,
  lossType: 'sigmoid',
  labelSmoothing: 0,
  ipoLengthNormalise: true,
  rpoAlpha: 0,
  dpopLambda: 0,
  appendEos: true,
  epochs: 1,
  batchSize: 8,
  learningRate: 1e-3,
  minLearningRate: 1e-3,
  warmupSteps: 0,
  weightDecay: 0,
  gradClipNorm: 1.0,
  seed: 0,
});

/** Merges `options` over {@link defaultDpoConfig} and validates every field. */
export function resolveDpoConfig(options: Partial<DpoConfig> = {}): DpoConfig {
  const where = 'DpoConfig';
  const c = mergeConfig(defaultDpoConfig, options, where);
  assertNumber('beta', c.beta, { gt: 0 }, where);
  assertOneOf('lossType', c.lossType, ['sigmoid', 'ipo'], where);
  assertNumber('labelSmoothing', c.labelSmoothing, { min: 0, lt: 0.5 }, where);
  assertBoolean('ipoLengthNormalise', c.ipoLengthNormalise, where);
  assertNumber('rpoAlpha', c.rpoAlpha, { min: 0 }, where);
  assertNumber('dpopLambda', c.dpopLambda, { min: 0 }, where);
  assertBoolean('appendEos', c.appendEos, where);
  assertInteger('epochs', c.epochs, { min: 1 }, where);
  assertInteger('batchSize', c.batchSize, { min: 1 }, where);
  assertNumber('learningRate', c.learningRate, { gt: 0 }, where);
  assertNumber('minLearningRate', c.minLearningRate, { min: 0 }, where);
  assertInteger('warmupSteps', c.warmupSteps, { min: 0 }, where);
  assertNumber('weightDecay', c.weightDecay, { min: 0 }, where);
  assertNumber('gradClipNorm', c.gradClipNorm, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  if (c.lossType === 'ipo' && c.dpopLambda > 0) {
    throw new O1labError('INVALID_CONFIG', '`dpopLambda` applies to lossType `sigmoid` only', {
      where,
      hint: 'set dpopLambda: 0 for IPO',
    });
  }
  if (c.lossType === 'ipo' && c.labelSmoothing > 0) {
    throw new O1labError('INVALID_CONFIG', '`labelSmoothing` applies to lossType `sigmoid` only', {
      where,
      hint: 'set labelSmoothing: 0 for IPO',
    });
  }
  if (c.minLearningRate > c.learningRate) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`minLearningRate\` (${c.minLearningRate}) must be <= \`learningRate\` (${c.learningRate})`,
      { where },
    );
  }
  return Object.freeze(c);
}
