import { O1labError } from '@o1lab/core';
import { attentionBias, positionIdsFromMask, type TinyGptModel, type Tokenizer } from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';
import type { DistillExample } from './targets.js';

/**
 * E training states packed for one forward pass: one row per (state, candidate step), `[R, T]`,
 * each BOS + prefix + step + delimiter shifted into inputs and targets, right-padded, the loss mask
 * on the step and delimiter tokens. Arrays are row-major.
 */
export interface DistillBatch {
  /** States E. */
  readonly E: number;
  /** Sibling slots per state K (the most children of any state). */
  readonly K: number;
  /** Rows R (one per candidate step). */
  readonly R: number;
  readonly T: number;
  readonly inputIds: Int32Array;
  readonly targets: Int32Array;
  readonly attentionMask: Int32Array;
  /** `[R, T]` 1 on the step tokens and the delimiter. */
  readonly lossMask: Float32Array;
  /** `[E * K, R]` one-hot: slot (e, k) reads row r. */
  readonly slotRows: Float32Array;
  /** `[E, K]` 1 where the slot holds a step. */
  readonly slotMask: Float32Array;
  /** `[E, K]` π(a|s); 0 on empty slots. */
  readonly visitProbs: Float32Array;
  /** `[E, R * T]` one-hot: the position whose value head output is V(s) (the prefix's last token). */
  readonly valuePositions: Float32Array;
  /** `[E]` z or Q. */
  readonly valueTargets: Float32Array;
}

/** Packs `examples` into a {@link DistillBatch}. */
export function distillBatch(
  tokenizer: Tokenizer,
  examples: readonly DistillExample[],
  options: { readonly context: number; readonly stepDelimiter: string },
): DistillBatch {
  const where = 'distillBatch';
  if (examples.length === 0) throw new O1labError('INVALID_INPUT', 'no training states', { where });
  const E = examples.length;
  const K = Math.max(...examples.map((e) => e.steps.length));
  const rows: { seq: number[]; promptLength: number; e: number; k: number }[] = [];
  examples.forEach((ex, e) => {
    if (ex.steps.length !== ex.visitProbs.length) {
      throw new O1labError(
        'INVALID_INPUT',
        `state ${e} has ${ex.steps.length} steps, ${ex.visitProbs.length} probabilities`,
        {
          where,
        },
      );
    }
    const p = tokenizer.encode(ex.prefix);
    ex.steps.forEach((step, k) => {
      rows.push({
        seq: [tokenizer.bosId, ...p, ...tokenizer.encode(step + options.stepDelimiter)],
        promptLength: p.length,
        e,
        k,
      });
    });
  });
  const R = rows.length;
  const T = Math.max(...rows.map((r) => r.seq.length - 1));
  if (T > options.context) {
    throw new O1labError(
      'INVALID_INPUT',
      `a state needs ${T} positions, more than the context ${options.context}`,
      {
        where,
        hint: 'drop deep states or raise the context',
      },
    );
  }
  const inputIds = new Int32Array(R * T).fill(tokenizer.padId);
  const targets = new Int32Array(R * T).fill(tokenizer.padId);
  const attentionMask = new Int32Array(R * T);
  const lossMask = new Float32Array(R * T);
  const slotRows = new Float32Array(E * K * R);
  const slotMask = new Float32Array(E * K);
  const visitProbs = new Float32Array(E * K);
  const valuePositions = new Float32Array(E * R * T);
  const valueTargets = Float32Array.from(examples.map((e) => e.valueTarget));
  const firstRow = new Array<number>(E).fill(-1);
  rows.forEach(({ seq, promptLength, e, k }, r) => {
    for (let t = 0; t < seq.length - 1; t++) {
      const i = r * T + t;
      inputIds[i] = seq[t]!;
      targets[i] = seq[t + 1]!;
      attentionMask[i] = 1;
      if (t >= promptLength) lossMask[i] = 1;
    }
    slotRows[(e * K + k) * R + r] = 1;
    slotMask[e * K + k] = 1;
    visitProbs[e * K + k] = examples[e]!.visitProbs[k]!;
    if (firstRow[e] === -1) {
      firstRow[e] = r;
      // inputs[promptLength] is the prefix's last token (inputs[0] is BOS).
      valuePositions[e * R * T + r * T + promptLength] = 1;
    }
  });
  return {
    E,
    K,
    R,
    T,
    inputIds,
    targets,
    attentionMask,
    lossMask,
    slotRows,
    slotMask,
    visitProbs,
    valuePositions,
    valueTargets,
  };
}

/** Tensors of {@link searchDistillLoss}; the caller disposes them (or runs inside `tf.tidy`). */
export interface SearchDistillLossResult {
  /** policyLoss + valueCoef * valueLoss. */
  readonly loss: tf.Scalar;
  /** Mean over states of -Σ_a π(a|s) log p_θ(a|s), p renormalised over the sibling steps. */
  readonly policyLoss: tf.Scalar;
  /** Mean over states of (z - v_θ(s))²; 0 when valueCoef is 0. */
  readonly valueLoss: tf.Scalar;
}

/**
 * AlphaZero's loss over sampled sibling steps (Silver et al. 2017, eq. 1, the L2 term left to
 * AdamW's decay): l = (z - v)² - πᵀ log p. A step is a sequence of tokens, so p(a|s) is the
 * policy's sequence probability of step a normalised over the state's candidate steps:
 * log p(a_k|s) = ℓ_k - logsumexp_j ℓ_j with ℓ_k = Σ_t log π_θ(token_t | s, a_k,<t). The value v(s)
 * is the value head at the prefix's last token. With `siblingNormalise` false the policy term is
 * -Σ_k π_k ℓ_k, the cross-entropy over all steps with π = 0 off the sampled ones, which also pulls
 * down the probability of steps the search never sampled. Matched to `referenceSearchDistillLoss`.
 */
export function searchDistillLoss(
  model: TinyGptModel,
  batch: DistillBatch,
  valueCoef: number,
  siblingNormalise = true,
): SearchDistillLossResult {
  if (valueCoef > 0 && !model.config.valueHead) {
    throw new O1labError('INVALID_INPUT', '`valueCoef` > 0 needs a model with a value head', {
      where: 'searchDistillLoss',
      hint: 'create the model with valueHead: true, or set valueCoef: 0',
    });
  }
  const { E, K, R, T } = batch;
  const V = model.config.vocabSize;
  return tf.tidy(() => {
    const out = model.apply({
      inputIds: tf.tensor2d(batch.inputIds, [R, T], 'int32'),
      positionIds: tf.tensor2d(positionIdsFromMask(batch.attentionMask, R, T), [R, T], 'int32'),
      maskBias: tf.tensor4d(attentionBias(batch.attentionMask, R, T, 0), [R, 1, T, T]),
    });
    // Step log-probabilities ℓ: [R]
    const logp = tf.logSoftmax(out.logits.reshape([R * T, V]));
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(batch.targets, 'int32'), V), 'float32');
    const tokens = tf.sum(tf.mul(logp, onehot), -1).reshape([R, T]);
    const stepLogps = tf.sum(tf.mul(tokens, tf.tensor2d(batch.lossMask, [R, T])), 1).reshape([R, 1]);
    // Policy loss: cross-entropy to the visit distribution over the siblings
    const slots = tf.matMul(tf.tensor2d(batch.slotRows, [E * K, R]), stepLogps).reshape([E, K]);
    const slotMask = tf.tensor2d(batch.slotMask, [E, K]);
    const logq = siblingNormalise ? tf.logSoftmax(tf.add(slots, tf.mul(tf.sub(1, slotMask), -1e9))) : slots; // [E, K]
    const pi = tf.tensor2d(batch.visitProbs, [E, K]);
    const policyLoss = tf.div(tf.neg(tf.sum(tf.mul(pi, tf.mul(logq, slotMask)))), E) as tf.Scalar;
    // Value loss: (z - v(s))² at the prefix's last token
    let valueLoss: tf.Scalar = tf.scalar(0);
    if (valueCoef > 0 && out.values !== undefined) {
      const v = tf
        .matMul(tf.tensor2d(batch.valuePositions, [E, R * T]), out.values.reshape([R * T, 1]))
        .reshape([E]);
      valueLoss = tf.mean(tf.square(tf.sub(v, tf.tensor1d(batch.valueTargets)))) as tf.Scalar;
    }
    return { loss: tf.add(policyLoss, tf.mul(valueLoss, valueCoef)) as tf.Scalar, policyLoss, valueLoss };
  });
}
