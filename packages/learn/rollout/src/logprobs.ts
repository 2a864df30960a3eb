import { attentionBias, type TinyGptModel } from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';
import type { RolloutBatch } from './batch.js';

/** Options of {@link policyForward}. */
export interface PolicyForwardOptions {
  /** Also return the per-token entropy of the next-token distribution. @default false */
  readonly entropy?: boolean;
  /** Sampling temperature the logits are divided by (TRL divides as well). @default 1 */
  readonly temperature?: number;
}

/** Tensors of {@link policyForward}; the caller disposes them (or runs inside `tf.tidy`). */
export interface PolicyForward {
  /** `[B, T]` log pi(target_t | tokens <= t). */
  readonly logprobs: tf.Tensor2D;
  /** `[B, T]` entropy of pi(. | tokens <= t) in nats (when asked for). */
  readonly entropy?: tf.Tensor2D;
  /** `[B, T]` value-head outputs V(tokens <= t) (models with a value head). */
  readonly values?: tf.Tensor2D;
}

/**
 * Runs TinyGPT on a rollout batch and returns the log-probability of every target token, the
 * differentiable half of each policy-gradient loss. The gather is written as a one-hot product
 * (`sum(onehot * log_softmax)`) because a gather's gradient needs UnsortedSegmentSum, which
 * tfjs-backend-wasm lacks.
 */
export function policyForward(
  model: TinyGptModel,
  batch: RolloutBatch,
  options: PolicyForwardOptions = {},
): PolicyForward {
  const { B, T } = batch;
  const V = model.config.vocabSize;
  return tf.tidy(() => {
    const out = model.apply({
      inputIds: tf.tensor2d(batch.inputIds, [B, T], 'int32'),
      positionIds: tf.tensor2d(batch.positionIds, [B, T], 'int32'),
      maskBias: tf.tensor4d(attentionBias(batch.attentionMask, B, T, 0), [B, 1, T, T]),
    });
    const temperature = options.temperature ?? 1;
    let logits: tf.Tensor2D = out.logits.reshape([B * T, V]);
    if (temperature !== 1) logits = tf.div(logits, temperature);
    const logp = tf.logSoftmax(logits); // [B*T, V]
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(batch.targets, 'int32'), V), 'float32');
    const result: { logprobs: tf.Tensor2D; entropy?: tf.Tensor2D; values?: tf.Tensor2D } = {
      logprobs: tf.sum(tf.mul(logp, onehot), -1).reshape([B, T]) as tf.Tensor2D,
    };
    if (options.entropy === true) {
      result.entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)).reshape([B, T]) as tf.Tensor2D;
    }
    if (out.values !== undefined) result.values = out.values;
    return result;
  });
}

/** Reads `policyForward` log-probabilities (and values) without a gradient, as `[B, T]` arrays. */
export function readPolicyForward(
  model: TinyGptModel,
  batch: RolloutBatch,
): { readonly logprobs: Float32Array; readonly values?: Float32Array } {
  const out = policyForward(model, batch);
  const logprobs = out.logprobs.dataSync() as Float32Array;
  const values = out.values?.dataSync() as Float32Array | undefined;
  tf.dispose([out.logprobs, ...(out.values === undefined ? [] : [out.values])]);
  return values === undefined
    ? { logprobs: Float32Array.from(logprobs) }
    : { logprobs: Float32Array.from(logprobs), values: Float32Array.from(values) };
}

/** Which per-token KL estimator (Schulman 2020, "Approximating KL divergence"). */
export type KlEstimator = 'k1' | 'k2' | 'k3';

/**
 * Per-token estimate of KL(pi || pi_ref) from samples of pi, with `logRatio = log pi - log pi_ref`:
 * k1 = logRatio (unbiased, high variance, can be negative); k2 = logRatio^2 / 2 (biased, low
 * variance); k3 = exp(-logRatio) - 1 + logRatio (unbiased and >= 0; DeepSeekMath eq. 4).
 */
export function klPenalty(logprobs: tf.Tensor, refLogprobs: tf.Tensor, estimator: KlEstimator): tf.Tensor {
  return tf.tidy(() => {
    const logRatio = tf.sub(logprobs, refLogprobs);
    if (estimator === 'k1') return logRatio;
    if (estimator === 'k2') return tf.mul(tf.square(logRatio), 0.5);
    return tf.add(tf.sub(tf.exp(tf.neg(logRatio)), 1), logRatio);
  });
}

/** sum(x * mask) / max(sum(mask), 1). */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1)));
}
