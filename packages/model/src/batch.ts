import { O1labError } from '@o1lab/core';
import type { Tokenizer } from './tokenizer.js';

/**
 * One training batch, row-major `[B, T]` arrays. Position t predicts `targets[t]` from tokens
 * 0..t; the losses average over the positions whose mask is 1 across the whole batch.
 */
export interface TrainBatch {
  readonly B: number;
  readonly T: number;
  /** `[B, T]` token ids. */
  readonly inputIds: Int32Array;
  /** `[B, T]` next-token ids (needed when `lmLossCoef` > 0). */
  readonly targets?: Int32Array;
  /** `[B, T]` 1 where the next-token loss is taken. @default 1 where `attentionMask` is 1 */
  readonly lossMask?: Float32Array;
  /** `[B, T]` 1 for real tokens, 0 for padding. @default all ones */
  readonly attentionMask?: Int32Array;
  /** `[B, T]` positions. @default from `attentionMask`, see `positionIdsFromMask` */
  readonly positionIds?: Int32Array;
  /** `[B, T]` value-head targets (real numbers for `mse`, 0/1 labels for `bce`). */
  readonly valueTargets?: Float32Array;
  /** `[B, T]` 1 where the value loss is taken. @default 1 where `attentionMask` is 1 */
  readonly valueMask?: Float32Array;
}

/** A supervised example: the model learns `completion` given `prompt`. */
export interface PromptCompletion {
  readonly prompt: string;
  readonly completion: string;
}

/** Options of {@link buildSftBatch}. */
export interface SftBatchOptions {
  /** Rows are padded to this length. @default the longest row */
  readonly length?: number;
  /** Longest row allowed (the model's context). @default Infinity */
  readonly context?: number;
}

/**
 * A supervised fine-tuning batch: each row is BOS + prompt + completion + EOS, shifted by one into
 * inputs and targets, right-padded with the tokenizer's pad id. The loss mask covers the targets
 * that are completion tokens or the final EOS, so the model is not trained to produce prompts.
 */
export function buildSftBatch(
  tokenizer: Tokenizer,
  pairs: readonly PromptCompletion[],
  options: SftBatchOptions = {},
): TrainBatch {
  const where = 'buildSftBatch';
  if (pairs.length === 0) throw new O1labError('INVALID_INPUT', 'no prompt/completion pairs', { where });
  const rows = pairs.map(({ prompt, completion }) => {
    const p = tokenizer.encode(prompt);
    return {
      seq: [tokenizer.bosId, ...p, ...tokenizer.encode(completion), tokenizer.eosId],
      promptLength: p.length,
    };
  });
  const longest = Math.max(...rows.map((r) => r.seq.length - 1));
  const T = options.length ?? longest;
  const context = options.context ?? Number.POSITIVE_INFINITY;
  rows.forEach((r, i) => {
    const n = r.seq.length - 1;
    if (n > T || n > context) {
      throw new O1labError(
        'INVALID_INPUT',
        `pair ${i} needs ${n} positions, more than ${n > T ? `length ${T}` : `context ${context}`}`,
        { where, hint: 'shorten the pair or raise the limit' },
      );
    }
  });
  const B = rows.length;
  const inputIds = new Int32Array(B * T).fill(tokenizer.padId);
  const targets = new Int32Array(B * T).fill(tokenizer.padId);
  const lossMask = new Float32Array(B * T);
  const attentionMask = new Int32Array(B * T);
  rows.forEach(({ seq, promptLength }, b) => {
    for (let t = 0; t < seq.length - 1; t++) {
      const i = b * T + t;
      inputIds[i] = seq[t]!;
      targets[i] = seq[t + 1]!;
      attentionMask[i] = 1;
      // seq[t + 1] is a completion token or EOS once t + 1 > promptLength (seq[0] is BOS).
      if (t >= promptLength) lossMask[i] = 1;
    }
  });
  return { B, T, inputIds, targets, lossMask, attentionMask };
}
