import { O1labError } from '@o1lab/core';
import { positionIdsFromMask } from '@o1lab/model';
import type { Rollout } from './rollout.js';

/**
 * Rollouts as one right-padded `[B, T]` batch. Row b is prompt ++ completion shifted by one: input
 * position t predicts `targets[t]`, and completion token j of row b sits at
 * `t = completionStart[b] + j` (`completionStart[b]` = prompt length - 1). Every per-token quantity
 * of the learners (log-probabilities, values, rewards, advantages) uses this layout.
 */
export interface RolloutBatch {
  readonly B: number;
  readonly T: number;
  /** `[B, T]` int32 token ids. */
  readonly inputIds: Int32Array;
  /** `[B, T]` int32 next-token ids. */
  readonly targets: Int32Array;
  /** `[B, T]` 1 for real tokens, 0 for padding. */
  readonly attentionMask: Int32Array;
  /** `[B, T]` Hugging Face positions from `attentionMask`. */
  readonly positionIds: Int32Array;
  /** `[B, T]` 1 where the target is a completion token (the positions a policy loss is taken over). */
  readonly completionMask: Float32Array;
  /** `[B, T]` log-probability of each completion token under the sampling policy, 0 elsewhere. */
  readonly oldLogprobs: Float32Array;
  /** Per row, the position of the first completion target. */
  readonly completionStart: Int32Array;
  /** Per row, the number of completion tokens. */
  readonly completionLength: Int32Array;
}

/** Options of {@link buildRolloutBatch}. */
export interface RolloutBatchOptions {
  /** Token id at padded positions. @default 0 */
  readonly padId?: number;
  /** Longest row allowed (the model's context). @default Infinity */
  readonly context?: number;
}

/** Packs rollouts into a {@link RolloutBatch}; a row longer than `context` is an error naming it. */
export function buildRolloutBatch(
  rollouts: readonly Rollout[],
  options: RolloutBatchOptions = {},
): RolloutBatch {
  const where = 'buildRolloutBatch';
  if (rollouts.length === 0) throw new O1labError('INVALID_INPUT', 'no rollouts to batch', { where });
  const context = options.context ?? Number.POSITIVE_INFINITY;
  const padId = options.padId ?? 0;
  let T = 0;
  rollouts.forEach((r, i) => {
    if (r.promptIds.length === 0 || r.completionIds.length === 0) {
      throw new O1labError('INVALID_INPUT', `rollout ${i} has an empty prompt or completion`, { where });
    }
    const n = r.promptIds.length + r.completionIds.length - 1;
    if (n > context) {
      throw new O1labError(
        'INVALID_INPUT',
        `rollout ${i} needs ${n} positions, more than context ${context}`,
        {
          where,
          hint: 'lower maxCompletionTokens or use shorter prompts',
        },
      );
    }
    T = Math.max(T, n);
  });
  const B = rollouts.length;
  const inputIds = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(padId);
  const attentionMask = new Int32Array(B * T);
  const completionMask = new Float32Array(B * T);
  const oldLogprobs = new Float32Array(B * T);
  const completionStart = new Int32Array(B);
  const completionLength = new Int32Array(B);
  rollouts.forEach((r, b) => {
    const seq = [...r.promptIds, ...r.completionIds];
    const start = r.promptIds.length - 1;
    completionStart[b] = start;
    completionLength[b] = r.completionIds.length;
    for (let t = 0; t < seq.length - 1; t++) {
      const i = b * T + t;
      inputIds[i] = seq[t]!;
      targets[i] = seq[t + 1]!;
      attentionMask[i] = 1;
      if (t >= start) {
        completionMask[i] = 1;
        oldLogprobs[i] = r.completionLogprobs[t - start]!;
      }
    }
  });
  return {
    B,
    T,
    inputIds,
    targets,
    attentionMask,
    positionIds: positionIdsFromMask(attentionMask, B, T),
    completionMask,
    oldLogprobs,
    completionStart,
    completionLength,
  };
}

/** Broadcasts one number per row (a sequence advantage or reward) to its completion tokens, `[B, T]`. */
export function sequenceToTokens(batch: RolloutBatch, perRow: ArrayLike<number>): Float32Array {
  if (perRow.length !== batch.B) {
    throw new O1labError('INVALID_INPUT', `${perRow.length} row values for a batch of ${batch.B} rows`, {
      where: 'sequenceToTokens',
    });
  }
  const out = new Float32Array(batch.B * batch.T);
  for (let b = 0; b < batch.B; b++) {
    const s = b * batch.T + batch.completionStart[b]!;
    out.fill(perRow[b]!, s, s + batch.completionLength[b]!);
  }
  return out;
}

/** Row b's completion tokens of a `[B, T]` array, as a plain array in token order. */
export function completionRow(batch: RolloutBatch, values: ArrayLike<number>, b: number): number[] {
  const s = b * batch.T + batch.completionStart[b]!;
  return Array.from({ length: batch.completionLength[b]! }, (_, j) => values[s + j]!);
}

/** Writes per-row token lists into a `[B, T]` array at the completion positions (inverse of {@link completionRow}). */
export function rowsToTokens(batch: RolloutBatch, rows: readonly (readonly number[])[]): Float32Array {
  const out = new Float32Array(batch.B * batch.T);
  rows.forEach((row, b) => {
    if (row.length !== batch.completionLength[b]) {
      throw new O1labError(
        'INVALID_INPUT',
        `row ${b} has ${row.length} values for ${batch.completionLength[b]} completion tokens`,
        { where: 'rowsToTokens' },
      );
    }
    const s = b * batch.T + batch.completionStart[b]!;
    for (let j = 0; j < row.length; j++) out[s + j] = row[j]!;
  });
  return out;
}

/** The given rows of a batch, in that order (minibatches). */
export function sliceRolloutBatch(batch: RolloutBatch, rows: readonly number[]): RolloutBatch {
  const { T } = batch;
  const B = rows.length;
  const pick = <A extends Int32Array | Float32Array>(a: A, make: (n: number) => A): A => {
    const out = make(B * T);
    rows.forEach((r, i) => {
      out.set(a.subarray(r * T, (r + 1) * T), i * T);
    });
    return out;
  };
  const i32 = (n: number) => new Int32Array(n);
  const f32 = (n: number) => new Float32Array(n);
  return {
    B,
    T,
    inputIds: pick(batch.inputIds, i32),
    targets: pick(batch.targets, i32),
    attentionMask: pick(batch.attentionMask, i32),
    positionIds: pick(batch.positionIds, i32),
    completionMask: pick(batch.completionMask, f32),
    oldLogprobs: pick(batch.oldLogprobs, f32),
    completionStart: Int32Array.from(rows, (r) => batch.completionStart[r]!),
    completionLength: Int32Array.from(rows, (r) => batch.completionLength[r]!),
  };
}

/** Picks rows of any `[B, T]` array, in the order of `rows` (pairs with {@link sliceRolloutBatch}). */
export function pickRows(values: Float32Array, T: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * T);
  rows.forEach((r, i) => {
    out.set(values.subarray(r * T, (r + 1) * T), i * T);
  });
  return out;
}
