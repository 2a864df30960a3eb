import { O1labError, type Rng } from '@o1lab/core';
import * as tf from '@tensorflow/tfjs';
import { attentionBias, type LayerKv, type TinyGptModel } from './tf-model.js';
import { EOS_ID } from './tokenizer.js';

/** Options of {@link greedyDecode} and {@link sampleDecode}. */
export interface TfDecodeOptions {
  /** Tokens generated per prompt at most (fewer when the context fills). @default 32 */
  readonly maxNewTokens?: number;
  /** A row stops after producing this id (which is not returned). @default EOS_ID */
  readonly eosId?: number;
}

/** Options of {@link sampleDecode}. */
export interface TfSampleOptions extends TfDecodeOptions {
  /** Source of the draws. */
  readonly rng: Rng;
  /** Softmax temperature; 0 is greedy. @default 1 */
  readonly temperature?: number;
  /** Sample among the k most likely tokens only; 0 keeps all. @default 0 */
  readonly topK?: number;
}

/**
 * Greedy decoding through tfjs with a key/value cache: the prompts are left-padded into one batch
 * and prefilled, then each step feeds one token per row. Returns the generated ids per prompt,
 * without the EOS. For tests and benchmarks; the fast path is the ONNX Runtime decoder.
 */
export function greedyDecode(
  model: TinyGptModel,
  prompts: readonly (readonly number[])[],
  options: TfDecodeOptions = {},
): number[][] {
  return decode(model, prompts, options, (logits) => argmax(logits));
}

/** Like {@link greedyDecode}, drawing each token from the tempered (optionally top-k) softmax. */
export function sampleDecode(
  model: TinyGptModel,
  prompts: readonly (readonly number[])[],
  options: TfSampleOptions,
): number[][] {
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new O1labError('INVALID_CONFIG', `\`temperature\` must be >= 0, got ${temperature}`, {
      where: 'sampleDecode',
    });
  }
  if (!Number.isInteger(topK) || topK < 0) {
    throw new O1labError('INVALID_CONFIG', `\`topK\` must be an integer >= 0, got ${topK}`, {
      where: 'sampleDecode',
    });
  }
  return decode(model, prompts, options, (logits) => {
    if (temperature === 0) return argmax(logits);
    let allowed: number[] = Array.from(logits.keys());
    if (topK > 0 && topK < logits.length)
      allowed = allowed.sort((a, b) => logits[b]! - logits[a]!).slice(0, topK);
    let max = Number.NEGATIVE_INFINITY;
    for (const i of allowed) max = Math.max(max, logits[i]!);
    const weights = allowed.map((i) => Math.exp((logits[i]! - max) / temperature));
    return allowed[options.rng.categorical(weights)]!;
  });
}

function decode(
  model: TinyGptModel,
  prompts: readonly (readonly number[])[],
  options: TfDecodeOptions,
  pick: (logits: Float32Array) => number,
): number[][] {
  const where = 'greedyDecode';
  const c = model.config;
  const maxNewTokens = options.maxNewTokens ?? 32;
  const eosId = options.eosId ?? EOS_ID;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new O1labError('INVALID_CONFIG', `\`maxNewTokens\` must be an integer >= 0, got ${maxNewTokens}`, {
      where,
    });
  }
  const B = prompts.length;
  if (B === 0) return [];
  const P = Math.max(...prompts.map((p) => p.length));
  if (prompts.some((p) => p.length === 0)) {
    throw new O1labError('INVALID_INPUT', 'every prompt needs at least one token (e.g. BOS)', { where });
  }
  if (P > c.context) {
    throw new O1labError('INVALID_INPUT', `a prompt of ${P} tokens exceeds the context ${c.context}`, {
      where,
    });
  }
  for (const p of prompts) {
    for (const id of p) {
      if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) {
        throw new O1labError('INVALID_INPUT', `token id ${id} is outside 0..${c.vocabSize - 1}`, { where });
      }
    }
  }
  const out: number[][] = prompts.map(() => []);
  const done = new Array<boolean>(B).fill(false);
  const lengths = prompts.map((p) => p.length);
  // Prefill, left-padded: [B, P]
  const ids = new Int32Array(B * P);
  const keyMask: number[] = [];
  const positions = new Int32Array(B * P);
  prompts.forEach((p, b) => {
    const pad = P - p.length;
    for (let t = 0; t < P; t++) {
      ids[b * P + t] = t < pad ? 0 : p[t - pad]!;
      positions[b * P + t] = t < pad ? 1 : t - pad;
    }
  });
  for (let b = 0; b < B; b++) {
    const pad = P - prompts[b]!.length;
    for (let t = 0; t < P; t++) keyMask.push(t < pad ? 0 : 1);
  }
  let past: readonly LayerKv[] = [];
  let pastLength = 0;
  let last = forwardLast(model, ids, positions, keyMask, B, P, past, pastLength);
  past = last.presents;
  pastLength = P;
  let rowMask = keyMask;
  for (let s = 0; s < maxNewTokens; s++) {
    const next = new Int32Array(B);
    const nextPos = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      const id = pick(last.logits.subarray(b * c.vocabSize, (b + 1) * c.vocabSize));
      if (id === eosId) done[b] = true;
      else out[b]!.push(id);
      next[b] = id;
    }
    // Row b's next token sits at position lengths[b]; a row whose context is full stops.
    for (let b = 0; b < B; b++) {
      if (!done[b] && lengths[b]! >= c.context) done[b] = true;
      nextPos[b] = Math.min(lengths[b]!, c.context - 1);
      if (!done[b]) lengths[b]!++;
    }
    if (done.every(Boolean) || s === maxNewTokens - 1) break;
    const Tk = pastLength + 1;
    const grown: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < pastLength; j++) grown.push(rowMask[b * pastLength + j]!);
      grown.push(1);
    }
    rowMask = grown;
    const step = forwardLast(model, next, nextPos, rowMask, B, 1, past, pastLength);
    tf.dispose(past.flatMap((kv) => [kv.key, kv.value]));
    past = step.presents;
    pastLength = Tk;
    last = step;
  }
  tf.dispose(past.flatMap((kv) => [kv.key, kv.value]));
  return out;
}

/** Runs [B, T] new tokens after `past` and returns the last position's logits [B, V] and the grown cache. */
function forwardLast(
  model: TinyGptModel,
  ids: Int32Array,
  positions: Int32Array,
  keyMask: readonly number[],
  B: number,
  T: number,
  past: readonly LayerKv[],
  pastLength: number,
): { logits: Float32Array; presents: readonly LayerKv[] } {
  const V = model.config.vocabSize;
  let presents: readonly LayerKv[] = [];
  const lastLogits = tf.tidy(() => {
    const out = model.apply({
      inputIds: tf.tensor2d(ids, [B, T], 'int32'),
      positionIds: tf.tensor2d(positions, [B, T], 'int32'),
      maskBias: tf.tensor4d(attentionBias(keyMask, B, T, pastLength), [B, 1, T, pastLength + T]),
      ...(past.length > 0 ? { past } : {}),
      returnPresents: true,
    });
    presents = out.presents ?? [];
    return out.logits.slice([0, T - 1, 0], [B, 1, V]).reshape([B, V]);
  });
  const logits = Float32Array.from(lastLogits.dataSync() as Float32Array);
  lastLogits.dispose();
  return { logits, presents };
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}
