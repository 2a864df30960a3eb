import { O1labError } from '@o1lab/core';
import * as tf from '@tensorflow/tfjs';
import { headDim, resolveTinyGptConfig, type TinyGptConfig, weightShapes } from './config.js';
import { initTinyGptWeights, type TinyGptWeights, validateTinyGptWeights } from './weights.js';

/**
 * Additive attention bias of masked-out keys. Finite (not -Infinity) so that a query row whose keys
 * are all masked (a left-padding position) gets a uniform softmax instead of NaN.
 */
export const MASK_BIAS = -1e9;

/** Token ids and masks of one {@link TinyGptModel.forward} call; `[B, T]` arrays are row-major. */
export interface ForwardOptions {
  /** B when `inputIds` is a flat `Int32Array` of B x T ids. @default 1 */
  readonly batchSize?: number;
  /** `[B, T]`: 1 for a real token, 0 for padding (left or right). @default all ones */
  readonly attentionMask?: ArrayLike<number> | readonly (readonly number[])[];
  /**
   * `[B, T]` position ids. @default from `attentionMask` as Hugging Face decoders do:
   * cumsum(mask) - 1 on real tokens, 1 on padding
   */
  readonly positionIds?: ArrayLike<number> | readonly (readonly number[])[];
}

/** Output of {@link TinyGptModel.forward}. */
export interface ForwardResult {
  readonly batchSize: number;
  readonly length: number;
  /** `[B, T, V]` next-token logits. */
  readonly logits: Float32Array;
  /** `[B, T]` value-head outputs (models with `valueHead` only). */
  readonly values?: Float32Array;
}

/** Cached keys and values of one layer, `[B, H, Tpast, Dh]` each. */
export interface LayerKv {
  readonly key: tf.Tensor4D;
  readonly value: tf.Tensor4D;
}

/** Tensor inputs of {@link TinyGptModel.apply}. */
export interface TfForwardInputs {
  /** `[B, T]` int32. */
  readonly inputIds: tf.Tensor2D;
  /** `[B, T]` int32, each < context. */
  readonly positionIds: tf.Tensor2D;
  /** `[B, 1, T, Tpast + T]` float32: 0 where a query may attend a key, {@link MASK_BIAS} where not. */
  readonly maskBias: tf.Tensor4D;
  /** Keys and values of earlier tokens, one entry per layer. */
  readonly past?: readonly LayerKv[];
  /** Return every layer's keys and values including this call's tokens. @default false */
  readonly returnPresents?: boolean;
}

/** Tensor outputs of {@link TinyGptModel.apply}. */
export interface TfForwardOutputs {
  /** `[B, T, V]` */
  readonly logits: tf.Tensor3D;
  /** `[B, T]` */
  readonly values?: tf.Tensor2D;
  readonly presents?: readonly LayerKv[];
}

/** TinyGPT as tfjs variables: the forward pass of `config.ts`, trainable by {@link createTrainer}. */
export interface TinyGptModel {
  readonly config: TinyGptConfig;
  /** Trainable variables by the shared weight name (see `weightShapes`). */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Runs the network on token ids and reads the results back. */
  forward(inputIds: Int32Array | readonly (readonly number[])[], options?: ForwardOptions): ForwardResult;
  /** The forward pass on tensors (no validation; the caller owns the returned tensors). */
  apply(inputs: TfForwardInputs): TfForwardOutputs;
  /** A copy of the current weights under the shared naming. */
  getWeights(): TinyGptWeights;
  /** Overwrites every weight; names and sizes are validated. */
  setWeights(weights: TinyGptWeights): void;
  dispose(): void;
}

let modelCounter = 0;

/**
 * Builds TinyGPT on the active tfjs backend (call `initTfBackend()` first) from `weights`, or from
 * the deterministic initialisation of `config.seed`.
 *
 * The token and position embeddings are one-hot matmuls rather than gathers: the gradient of
 * gather needs UnsortedSegmentSum, which tfjs-backend-wasm does not register, and a one-hot
 * [B*T, V] x [V, D] product costs little at TinyGPT's vocabulary sizes.
 */
export function createTinyGptModel(config: Partial<TinyGptConfig>, weights?: TinyGptWeights): TinyGptModel {
  const c = resolveTinyGptConfig(config);
  assertBackendReady('createTinyGptModel');
  const init = weights ?? initTinyGptWeights(c);
  validateTinyGptWeights(c, init, 'createTinyGptModel');
  const prefix = `tinygpt${modelCounter++}/`;
  const variables = new Map<string, tf.Variable>();
  for (const [name, shape] of weightShapes(c)) {
    variables.set(name, tf.variable(tf.tensor(init.get(name)!, [...shape], 'float32'), true, prefix + name));
  }
  const w = (name: string): tf.Variable => variables.get(name)!;
  let disposed = false;

  const apply = (inputs: TfForwardInputs): TfForwardOutputs => {
    const { vocabSize: V, dModel: D, nHead: H, context: C } = c;
    const Dh = headDim(c);
    const [B, T] = inputs.inputIds.shape;
    const presents: LayerKv[] = [];
    const out = tf.tidy(() => {
      const ids = oneHot(inputs.inputIds, B * T, V);
      const pos = oneHot(inputs.positionIds, B * T, C);
      let h: tf.Tensor2D = tf.add(matMul(ids, w('wte')), matMul(pos, w('wpe'))); // [B*T, D]
      const scale = 1 / Math.sqrt(Dh);
      for (let l = 0; l < c.nLayer; l++) {
        const p = `h.${l}.`;
        // Attention
        const a = layerNorm(h, w(`${p}ln1.g`), w(`${p}ln1.b`), c.layerNormEps);
        const qkv = tf.add(matMul(a, w(`${p}attn.wqkv`)), w(`${p}attn.bqkv`)); // [B*T, 3D]
        const [q, k, v] = tf.split(qkv, 3, 1).map((x) => splitHeads(x, B, T, H, Dh)) as [
          tf.Tensor4D,
          tf.Tensor4D,
          tf.Tensor4D,
        ];
        const past = inputs.past?.[l];
        const keys = past === undefined ? k : tf.concat([past.key, k], 2); // [B, H, Tpast + T, Dh]
        const vals = past === undefined ? v : tf.concat([past.value, v], 2);
        if (inputs.returnPresents === true) presents.push({ key: tf.keep(keys), value: tf.keep(vals) });
        const scores = tf.add(matMul(tf.mul(q, scale), swapLastAxes(keys)), inputs.maskBias); // [B, H, T, Tk]
        const mixed = matMul(tf.softmax(scores), vals); // [B, H, T, Dh]
        const merged = mixed.transpose([0, 2, 1, 3]).reshape([B * T, D]);
        h = tf.add(h, tf.add(matMul(merged, w(`${p}attn.wo`)), w(`${p}attn.bo`)));
        // MLP
        const m = layerNorm(h, w(`${p}ln2.g`), w(`${p}ln2.b`), c.layerNormEps);
        const hidden = gelu(tf.add(matMul(m, w(`${p}mlp.w1`)), w(`${p}mlp.b1`)));
        h = tf.add(h, tf.add(matMul(hidden, w(`${p}mlp.w2`)), w(`${p}mlp.b2`)));
      }
      const f = layerNorm(h, w('lnf.g'), w('lnf.b'), c.layerNormEps);
      const logits = c.tiedEmbeddings ? matMul(f, swapLastAxes(w('wte'))) : matMul(f, w('lmHead'));
      const result: { logits: tf.Tensor3D; values?: tf.Tensor2D } = { logits: logits.reshape([B, T, V]) };
      if (c.valueHead)
        result.values = tf.add(matMul(f, w('valueW')), w('valueB')).reshape([B, T]) as tf.Tensor2D;
      return result;
    });
    return inputs.returnPresents === true ? { ...out, presents } : out;
  };

  const model: TinyGptModel = {
    config: c,
    variables,
    apply,
    forward(inputIds, options = {}) {
      if (disposed) throw disposedError();
      const batch = prepareForward(c, inputIds, options);
      const { B, T } = batch;
      const outputs = tf.tidy(() => {
        const out = apply({
          inputIds: tf.tensor2d(batch.ids, [B, T], 'int32'),
          positionIds: tf.tensor2d(batch.positions, [B, T], 'int32'),
          maskBias: tf.tensor4d(attentionBias(batch.mask, B, T, 0), [B, 1, T, T]),
        });
        return out.values === undefined ? [out.logits] : [out.logits, out.values];
      });
      const logits = outputs[0]!.dataSync() as Float32Array;
      const values = outputs[1]?.dataSync() as Float32Array | undefined;
      tf.dispose(outputs);
      return {
        batchSize: B,
        length: T,
        logits: Float32Array.from(logits),
        ...(values === undefined ? {} : { values: Float32Array.from(values) }),
      };
    },
    getWeights() {
      if (disposed) throw disposedError();
      const out = new Map<string, Float32Array>();
      for (const [name, v] of variables) out.set(name, Float32Array.from(v.dataSync() as Float32Array));
      return out;
    },
    setWeights(next) {
      if (disposed) throw disposedError();
      validateTinyGptWeights(c, next, 'TinyGptModel.setWeights');
      tf.tidy(() => {
        for (const [name, v] of variables) v.assign(tf.tensor(next.get(name)!, v.shape, 'float32'));
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const v of variables.values()) v.dispose();
    },
  };
  return model;
}

/**
 * Additive attention bias `[B, 1, T, Tpast + T]` for queries at absolute indices Tpast..Tpast+T-1:
 * a query attends key j when j is not after it (causal) and `keyMask[b, j]` is 1 (padding).
 * `keyMask` is `[B, Tpast + T]`, covering the cached keys too, as Hugging Face's `attention_mask`.
 */
export function attentionBias(
  keyMask: ArrayLike<number>,
  B: number,
  T: number,
  pastLength: number,
): Float32Array {
  const Tk = pastLength + T;
  const bias = new Float32Array(B * T * Tk);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T; i++) {
      const row = (b * T + i) * Tk;
      for (let j = 0; j < Tk; j++) {
        if (j > pastLength + i || keyMask[b * Tk + j] === 0) bias[row + j] = MASK_BIAS;
      }
    }
  }
  return bias;
}

/**
 * Hugging Face decoder position ids from an attention mask `[B, T]`: cumsum(mask) - 1 on real
 * tokens, 1 on padding (`position_ids.masked_fill_(attention_mask == 0, 1)`), so a left-padded
 * prompt's first real token sits at position 0.
 */
export function positionIdsFromMask(mask: ArrayLike<number>, B: number, T: number): Int32Array {
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let seen = 0;
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (mask[i] === 0) out[i] = 1;
      else out[i] = seen++;
    }
  }
  return out;
}

/**
 * `a @ b` whose gradient transposes explicitly: tfjs-backend-wasm 4.22 runs BatchMatMul with a
 * transpose flag about 10x slower than a Transpose followed by a plain BatchMatMul (measured on
 * [448, 64] x [64, 256]: 17 ms vs 2 ms), and the stock gradient of matMul uses those flags.
 */
const matMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [x, y] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      return [tf.matMul(g, swapLastAxes(y)), tf.matMul(swapLastAxes(x), g)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as <R extends tf.Rank>(
  a: tf.Tensor<R>,
  b: tf.Tensor,
) => tf.Tensor<R>;

/** Swaps the last two axes ([.., M, N] -> [.., N, M]). */
function swapLastAxes<T extends tf.Tensor>(x: T): T {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm) as T;
}

/**
 * [B, T] int32 -> [B*T, depth] float32. tfjs-backend-wasm 4.22 writes int32 bits into a float32
 * OneHot output, so the one-hot is made in int32 and cast.
 */
function oneHot(indices: tf.Tensor2D, n: number, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(indices.reshape([n]), depth), 'float32') as tf.Tensor2D;
}

/** LayerNorm over the last axis (Ba et al. 2016), biased variance as in PyTorch. */
function layerNorm(x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), gain), bias);
}

const GELU_2C = 2 * Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation (Hendrycks & Gimpel 2016, section 2):
 * 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))), computed through the identity
 * 0.5(1 + tanh(u)) = sigmoid(2u) because tfjs-backend-wasm's Sigmoid runs about 3x faster than its
 * Tanh (3.4 ms vs 9.0 ms on [576, 256]).
 */
function gelu(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_2C);
  return tf.mul(x, tf.sigmoid(inner));
}

/** [B*T, D] -> [B, H, T, Dh] */
function splitHeads(x: tf.Tensor, B: number, T: number, H: number, Dh: number): tf.Tensor4D {
  return x.reshape([B, T, H, Dh]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
}

interface PreparedForward {
  readonly B: number;
  readonly T: number;
  readonly ids: Int32Array;
  readonly mask: Int32Array;
  readonly positions: Int32Array;
}

function prepareForward(
  c: TinyGptConfig,
  inputIds: Int32Array | readonly (readonly number[])[],
  options: ForwardOptions,
): PreparedForward {
  const where = 'TinyGptModel.forward';
  let B: number;
  let ids: Int32Array;
  if (inputIds instanceof Int32Array) {
    B = options.batchSize ?? 1;
    if (!Number.isInteger(B) || B < 1 || inputIds.length % B !== 0 || inputIds.length === 0) {
      throw new O1labError(
        'INVALID_INPUT',
        `\`batchSize\` ${B} does not divide ${inputIds.length} input ids into rows`,
        { where },
      );
    }
    ids = inputIds;
  } else {
    B = inputIds.length;
    ids = flattenRows(inputIds, 'inputIds', where);
  }
  const T = ids.length / B;
  if (T < 1 || T > c.context) {
    throw new O1labError('INVALID_INPUT', `sequence length ${T} is outside 1..context (${c.context})`, {
      where,
    });
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) {
      throw new O1labError(
        'INVALID_INPUT',
        `token id ${id} at flat index ${i} is outside 0..${c.vocabSize - 1}`,
        {
          where,
        },
      );
    }
  }
  const mask =
    options.attentionMask === undefined
      ? new Int32Array(B * T).fill(1)
      : toFlat(options.attentionMask, 'attentionMask', B * T, where);
  const positions =
    options.positionIds === undefined
      ? positionIdsFromMask(mask, B, T)
      : toFlat(options.positionIds, 'positionIds', B * T, where);
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= c.context) {
      throw new O1labError(
        'INVALID_INPUT',
        `position id ${p} at flat index ${i} is outside 0..${c.context - 1}`,
        {
          where,
        },
      );
    }
  }
  return { B, T, ids, mask, positions };
}

function toFlat(
  value: ArrayLike<number> | readonly (readonly number[])[],
  name: string,
  size: number,
  where: string,
): Int32Array {
  const flat =
    Array.isArray(value) && Array.isArray(value[0])
      ? flattenRows(value as readonly (readonly number[])[], name, where)
      : Int32Array.from(value as ArrayLike<number>);
  if (flat.length !== size) {
    throw new O1labError(
      'INVALID_INPUT',
      `\`${name}\` has ${flat.length} entries, expected B x T = ${size}`,
      {
        where,
      },
    );
  }
  return flat;
}

function flattenRows(rows: readonly (readonly number[])[], name: string, where: string): Int32Array {
  const T = rows[0]?.length ?? 0;
  if (rows.length === 0 || T === 0) throw new O1labError('INVALID_INPUT', `\`${name}\` is empty`, { where });
  const out = new Int32Array(rows.length * T);
  rows.forEach((row, b) => {
    if (row.length !== T) {
      throw new O1labError(
        'INVALID_INPUT',
        `\`${name}\` row ${b} has ${row.length} entries, row 0 has ${T}`,
        { where, hint: 'pad rows to one length and pass an attentionMask' },
      );
    }
    out.set(row, b * T);
  });
  return out;
}

/** Throws a clear error when no tfjs backend has finished initialising. */
export function assertBackendReady(where: string): void {
  try {
    tf.backend();
  } catch (error) {
    throw new O1labError('BACKEND_ERROR', 'no tfjs backend is initialised', {
      where,
      hint: 'await initTfBackend() (or selectBackend()) before creating models',
      cause: error,
    });
  }
}

function disposedError(): O1labError {
  return new O1labError('INVALID_INPUT', 'the model was disposed', { where: 'TinyGptModel' });
}
