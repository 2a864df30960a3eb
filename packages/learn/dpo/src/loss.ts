import { O1labError } from '@o1lab/core';
import { attentionBias, positionIdsFromMask, type TinyGptModel, type TrainBatch } from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';
import type { DpoLossType } from './config.js';

/** `[N]` sequence log-probabilities of N preference pairs under the policy and the frozen reference. */
export interface PreferenceLogps {
  readonly policyChosen: tf.Tensor1D;
  readonly policyRejected: tf.Tensor1D;
  readonly referenceChosen: tf.Tensor1D;
  readonly referenceRejected: tf.Tensor1D;
  /**
   * The policy's negative log-likelihood of the chosen completions per completion token,
   * -Σ_i log π(y_w,i|x_i) / Σ_i |y_w,i| ({@link meanTokenNll}); required when `rpoAlpha` > 0.
   */
  readonly chosenNll?: tf.Scalar;
}

/** What {@link dpoLoss} returns; the caller disposes the tensors (or runs inside `tf.tidy`). */
export interface DpoLossResult {
  /** Mean loss over the pairs, plus α times the chosen NLL when `rpoAlpha` > 0. */
  readonly loss: tf.Scalar;
  /** `[N]` implicit rewards β (log π(y_w|x) - log π_ref(y_w|x)). */
  readonly chosenRewards: tf.Tensor1D;
  /** `[N]` implicit rewards β (log π(y_l|x) - log π_ref(y_l|x)). */
  readonly rejectedRewards: tf.Tensor1D;
}

/** `[B]` completion log-probabilities of a batch and the token counts they sum over. */
export interface CompletionLogprobs {
  /** `[B]` Σ_t m_t log π(y_t | y_<t) over each row's loss mask (differentiable). */
  readonly sums: tf.Tensor1D;
  /** `[B]` Σ_t m_t: the completion tokens of each row. */
  readonly numTokens: tf.Tensor1D;
}

/**
 * The DPO and IPO losses over a batch of pairs, as TRL's `DPOTrainer.dpo_loss` writes them. With
 * h = (log π(y_w|x) - log π(y_l|x)) - (log π_ref(y_w|x) - log π_ref(y_l|x)):
 *
 *   sigmoid (Rafailov et al. 2023, eq. 7; cDPO label smoothing ε, Mitchell 2023):
 *     L = -(1 - ε) log σ(β h) - ε log σ(-β h)
 *   ipo (Azar et al. 2023, eq. 17, the empirical IPO loss):
 *     L = (h - 1 / (2 β))²
 *
 * averaged over the N pairs. With `dpopLambda` λ > 0 (sigmoid only), h becomes DPO-Positive's
 * h - λ · max(0, log π_ref(y_w|x) - log π(y_w|x)) (Pal et al. 2024, eq. 3): the loss also rises
 * when the chosen completion loses likelihood against the reference, which plain DPO allows when
 * chosen and rejected differ in a few tokens. With `rpoAlpha` α > 0 the RPO term α · NLL(y_w) is added, NLL being
 * `logps.chosenNll` (TRL `get_batch_loss_metrics`: `losses + rpo_alpha * nll_loss`; Liu et al.
 * 2024; Pang et al. 2024, eq. 1). Checked against `referenceDpoBatchLoss` in `@o1lab/reference`.
 */
export function dpoLoss(
  logps: PreferenceLogps,
  beta: number,
  lossType: DpoLossType = 'sigmoid',
  labelSmoothing = 0,
  rpoAlpha = 0,
  dpopLambda = 0,
): DpoLossResult {
  const { chosenNll } = logps;
  if (dpopLambda > 0 && lossType !== 'sigmoid') {
    throw new O1labError('INVALID_INPUT', '`dpopLambda` applies to lossType `sigmoid` only', {
      where: 'dpoLoss',
    });
  }
  if (rpoAlpha > 0 && chosenNll === undefined) {
    throw new O1labError('INVALID_INPUT', `\`rpoAlpha\` ${rpoAlpha} needs \`logps.chosenNll\``, {
      where: 'dpoLoss',
      hint: 'pass meanTokenNll of the chosen rows, or rpoAlpha: 0',
    });
  }
  return tf.tidy(() => {
    const chosenRatio = tf.sub(logps.policyChosen, logps.referenceChosen);
    const rejectedRatio = tf.sub(logps.policyRejected, logps.referenceRejected);
    let h: tf.Tensor = tf.sub(chosenRatio, rejectedRatio); // [N]
    if (dpopLambda > 0) h = tf.sub(h, tf.mul(tf.relu(tf.neg(chosenRatio)), dpopLambda));
    let perPair: tf.Tensor;
    if (lossType === 'ipo') {
      perPair = tf.square(tf.sub(h, 1 / (2 * beta)));
    } else {
      const z = tf.mul(h, beta);
      perPair = tf.add(tf.mul(softplus(tf.neg(z)), 1 - labelSmoothing), tf.mul(softplus(z), labelSmoothing));
    }
    const preference = tf.mean(perPair) as tf.Scalar;
    return {
      loss: rpoAlpha > 0 ? (tf.add(preference, tf.mul(chosenNll!, rpoAlpha)) as tf.Scalar) : preference,
      chosenRewards: tf.mul(chosenRatio, beta) as tf.Tensor1D,
      rejectedRewards: tf.mul(rejectedRatio, beta) as tf.Tensor1D,
    };
  });
}

/**
 * `[B]` Σ_t m_t log π(y_t | y_<t) over each row's loss mask: the sequence log-probability of the
 * completion tokens (differentiable). With `normalise`, divided by the row's mask count (the mean
 * per-token log-probability IPO uses).
 */
export function sequenceLogprobs(model: TinyGptModel, batch: TrainBatch, normalise = false): tf.Tensor1D {
  return tf.tidy(() => {
    const { sums, numTokens } = completionLogprobs(model, batch);
    return normalise ? perTokenLogprobs(sums, numTokens) : sums;
  });
}

/**
 * One forward pass of `model` over `batch`: each row's summed completion log-probability and its
 * token count, from which both the sequence log-probabilities and {@link meanTokenNll} follow. The
 * gather is a one-hot product because a gather's gradient needs UnsortedSegmentSum, which
 * tfjs-backend-wasm lacks.
 */
export function completionLogprobs(model: TinyGptModel, batch: TrainBatch): CompletionLogprobs {
  const { B, T } = batch;
  const V = model.config.vocabSize;
  const attentionMask = batch.attentionMask ?? new Int32Array(B * T).fill(1);
  return tf.tidy(() => {
    const out = model.apply({
      inputIds: tf.tensor2d(batch.inputIds, [B, T], 'int32'),
      positionIds: tf.tensor2d(
        batch.positionIds ?? positionIdsFromMask(attentionMask, B, T),
        [B, T],
        'int32',
      ),
      maskBias: tf.tensor4d(attentionBias(attentionMask, B, T, 0), [B, 1, T, T]),
    });
    const logp = tf.logSoftmax(out.logits.reshape([B * T, V])); // [B*T, V]
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(batch.targets!, 'int32'), V), 'float32');
    const mask = tf.tensor2d(batch.lossMask ?? Float32Array.from(attentionMask), [B, T]);
    const tokens = tf.sum(tf.mul(logp, onehot), -1).reshape([B, T]); // [B, T]
    return {
      sums: tf.sum(tf.mul(tokens, mask), 1) as tf.Tensor1D,
      numTokens: tf.sum(mask, 1) as tf.Tensor1D,
    };
  });
}

/**
 * The negative log-likelihood per completion token over a set of rows, -Σ_i sums_i / Σ_i
 * numTokens_i: TRL's `nll_loss`, a token-level cross-entropy over the flattened chosen rows
 * (`F.cross_entropy(..., ignore_index=0)` in `DPOTrainer.concatenated_forward`), so longer
 * completions weigh more than in a mean of per-row means.
 */
export function meanTokenNll(sums: tf.Tensor1D, numTokens: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.div(tf.neg(tf.sum(sums)), tf.maximum(tf.sum(numTokens), 1)) as tf.Scalar);
}

/** `[B]` mean per-token log-probabilities; a row without completion tokens counts as one token. */
export function perTokenLogprobs(sums: tf.Tensor1D, numTokens: tf.Tensor1D): tf.Tensor1D {
  return tf.div(sums, tf.maximum(numTokens, 1)) as tf.Tensor1D;
}

/**
 * softplus(x) = log(1 + e^x) = -log σ(-x) in the overflow-safe form max(x, 0) + log(1 + e^{-|x|});
 * tfjs's own logSigmoid loses a saved tensor in its gradient on tfjs-backend-wasm.
 */
function softplus(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}
