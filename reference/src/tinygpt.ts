/**
 * Scalar float64 forward pass of TinyGPT (the network of `@o1lab/model`, written out in its
 * `src/config.ts`): the oracle that the tfjs model and the ONNX Runtime graph are both checked
 * against. One sequence at a time, no batching and no padding, every sum in float64, so that any
 * disagreement points at the fast path.
 *
 *   h = wte[x] + wpe[p]
 *   per layer: h += attn(LN(h; ln1)); h += W2 gelu(W1 LN(h; ln2))
 *   logits = LN(h; lnf) @ wte^T (tied) or @ lmHead;  values = LN(h; lnf) @ valueW + valueB
 */

/** The structural part of `TinyGptConfig` the forward pass needs. */
export interface TinyGptRefConfig {
  readonly vocabSize: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly dModel: number;
  readonly dFF: number;
  readonly context: number;
  readonly tiedEmbeddings: boolean;
  readonly valueHead: boolean;
  readonly layerNormEps: number;
}

/** Weights by the shared names (`wte`, `h.0.attn.wqkv`, ...), row-major, matrices [in, out]. */
export type TinyGptRefWeights = ReadonlyMap<string, ArrayLike<number>>;

/** Keys and values of one layer: `key[h][t]` is the Dh-vector of head h at position t. */
export interface TinyGptRefLayerKv {
  readonly key: number[][][];
  readonly value: number[][][];
}

/** Per layer keys and values of every position read so far. */
export type TinyGptRefKv = readonly TinyGptRefLayerKv[];

export interface TinyGptRefOptions {
  /** Keys and values of earlier positions (from a previous call's `present`). */
  readonly past?: TinyGptRefKv;
  /** Position ids of `tokens`. @default past length + index */
  readonly positionIds?: readonly number[];
}

export interface TinyGptRefOutput {
  /** [T][V] */
  readonly logits: number[][];
  /** [T], when the config has a value head. */
  readonly values?: number[];
  /** Past plus the keys and values of `tokens`. */
  readonly present: TinyGptRefKv;
}

/** The forward pass of `tokens` after `options.past`. */
export function tinyGptForwardRef(
  config: TinyGptRefConfig,
  weights: TinyGptRefWeights,
  tokens: readonly number[],
  options: TinyGptRefOptions = {},
): TinyGptRefOutput {
  const { dModel: D, nHead: H, dFF: F, vocabSize: V, nLayer: L } = config;
  const Dh = D / H;
  const w = (name: string): ArrayLike<number> => {
    const value = weights.get(name);
    if (value === undefined) throw new Error(`tinyGptForwardRef: missing weight '${name}'`);
    return value;
  };
  const pastLength = options.past?.[0]?.key[0]?.length ?? 0;
  const positions = options.positionIds ?? tokens.map((_, i) => pastLength + i);
  const wte = w('wte');
  const wpe = w('wpe');

  // Embeddings
  let h = tokens.map((tok, i) => {
    const p = positions[i]!;
    if (tok < 0 || tok >= V) throw new Error(`tinyGptForwardRef: token ${tok} outside [0, ${V})`);
    if (p < 0 || p >= config.context) throw new Error(`tinyGptForwardRef: position ${p} outside context`);
    return Array.from({ length: D }, (_, d) => wte[tok * D + d]! + wpe[p * D + d]!);
  });

  const present: TinyGptRefLayerKv[] = [];
  for (let l = 0; l < L; l++) {
    const prefix = `h.${l}.`;
    const past = options.past?.[l];
    const key = Array.from({ length: H }, (_, hd) => (past?.key[hd] ?? []).map((v) => [...v]));
    const value = Array.from({ length: H }, (_, hd) => (past?.value[hd] ?? []).map((v) => [...v]));

    // Attention
    const a = h.map((x) => layerNorm(x, w(`${prefix}ln1.g`), w(`${prefix}ln1.b`), config.layerNormEps));
    const qkv = a.map((x) => linear(x, w(`${prefix}attn.wqkv`), w(`${prefix}attn.bqkv`), 3 * D));
    const queries = qkv.map((row) => Array.from({ length: H }, (_, hd) => row.slice(hd * Dh, (hd + 1) * Dh)));
    for (const row of qkv) {
      for (let hd = 0; hd < H; hd++) {
        key[hd]!.push(row.slice(D + hd * Dh, D + (hd + 1) * Dh));
        value[hd]!.push(row.slice(2 * D + hd * Dh, 2 * D + (hd + 1) * Dh));
      }
    }
    const scale = 1 / Math.sqrt(Dh);
    const merged = queries.map((qHeads, i) => {
      const out = new Array<number>(D).fill(0);
      const last = pastLength + i; // causal: keys 0..last
      for (let hd = 0; hd < H; hd++) {
        const q = qHeads[hd]!;
        const scores: number[] = [];
        for (let j = 0; j <= last; j++) scores.push(dot(q, key[hd]![j]!) * scale);
        const p = softmax(scores);
        for (let j = 0; j <= last; j++) {
          const v = value[hd]![j]!;
          for (let d = 0; d < Dh; d++) out[hd * Dh + d]! += p[j]! * v[d]!;
        }
      }
      return out;
    });
    h = h.map((x, i) => add(x, linear(merged[i]!, w(`${prefix}attn.wo`), w(`${prefix}attn.bo`), D)));

    // MLP
    h = h.map((x) => {
      const m = layerNorm(x, w(`${prefix}ln2.g`), w(`${prefix}ln2.b`), config.layerNormEps);
      const u = linear(m, w(`${prefix}mlp.w1`), w(`${prefix}mlp.b1`), F).map(geluTanh);
      return add(x, linear(u, w(`${prefix}mlp.w2`), w(`${prefix}mlp.b2`), D));
    });
    present.push({ key, value });
  }

  // Heads
  const f = h.map((x) => layerNorm(x, w('lnf.g'), w('lnf.b'), config.layerNormEps));
  const logits = f.map((x) => {
    if (!config.tiedEmbeddings) return linear(x, w('lmHead'), undefined, V);
    return Array.from({ length: V }, (_, v) => {
      let s = 0;
      for (let d = 0; d < D; d++) s += x[d]! * wte[v * D + d]!;
      return s;
    });
  });
  const result: TinyGptRefOutput = { logits, present };
  if (!config.valueHead) return result;
  const values = f.map((x) => linear(x, w('valueW'), w('valueB'), 1)[0]!);
  return { ...result, values };
}

/** GELU, tanh approximation (Hendrycks & Gimpel 2016, eq. in section 2), as GPT-2 uses it. */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** log softmax of one row of logits, in float64. */
export function logSoftmaxRef(logits: readonly number[]): number[] {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return logits.map((x) => x - lse);
}

function layerNorm(x: readonly number[], g: ArrayLike<number>, b: ArrayLike<number>, eps: number): number[] {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) * (v - mean);
  variance /= x.length;
  const inv = 1 / Math.sqrt(variance + eps);
  return x.map((v, i) => (v - mean) * inv * g[i]! + b[i]!);
}

// x @ W + b with W stored [in, out].
function linear(x: readonly number[], wm: ArrayLike<number>, b: ArrayLike<number> | undefined, out: number) {
  const y = Array.from({ length: out }, (_, j) => (b === undefined ? 0 : b[j]!));
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const row = i * out;
    for (let j = 0; j < out; j++) y[j]! += xi * wm[row + j]!;
  }
  return y;
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function add(a: readonly number[], b: readonly number[]): number[] {
  return a.map((v, i) => v + b[i]!);
}

function softmax(x: readonly number[]): number[] {
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}
