import { assertBoolean, assertInteger, assertNumber, mergeConfig, O1labError } from '@o1lab/core';

/**
 * TinyGPT: a GPT-2 style decoder (pre-LayerNorm blocks, learned absolute positions, GELU MLP),
 * defined once here and shared by the tfjs trainer and the ONNX exporter/runtime.
 *
 * Forward pass (x: [B, T] token ids, p: [B, T] position ids):
 *   h = wte[x] + wpe[p]                                       // [B, T, D]
 *   for each layer l:
 *     a = LN(h; ln1)                                          // LayerNorm, eps = layerNormEps
 *     q, k, v = split(a @ wqkv + bqkv)                        // [B, T, 3D] -> 3 x [B, H, T, Dh]
 *     att = softmax(q k^T / sqrt(Dh) + causal/padding mask)   // [B, H, T, Tpast + T]
 *     h = h + merge(att v) @ wo + bo
 *     m = LN(h; ln2)
 *     h = h + gelu(m @ w1 + b1) @ w2 + b2                     // gelu: tanh approximation
 *   f = LN(h; lnf)
 *   logits = f @ wte^T (tied) or f @ lmHead                   // [B, T, V]
 *   values = f @ valueW + valueB                              // [B, T] (value head)
 */
export interface TinyGptConfig {
  /** Vocabulary size (tokenizer's). @default 64 */
  readonly vocabSize: number;
  /** Transformer blocks. @default 2 */
  readonly nLayer: number;
  /** Attention heads; must divide dModel. @default 4 */
  readonly nHead: number;
  /** Residual width D. @default 128 */
  readonly dModel: number;
  /** MLP hidden width F. @default 4 * dModel */
  readonly dFF: number;
  /** Maximum sequence length (positions). @default 64 */
  readonly context: number;
  /** Output projection shares the token embedding. @default true */
  readonly tiedEmbeddings: boolean;
  /** A scalar head on the final hidden state (critic, reward models). @default false */
  readonly valueHead: boolean;
  /** @default 1e-5 */
  readonly layerNormEps: number;
  /** Seed of the deterministic initialisation. @default 0 */
  readonly seed: number;
}

/** The reference config of the benchmarks (vocab 32, dModel 128, 4 heads, 2 layers, context 64). */
export const defaultTinyGptConfig: TinyGptConfig = Object.freeze({
  vocabSize: 64,
  nLayer: 2,
  nHead: 4,
  dModel: 128,
  dFF: 512,
  context: 64,
  tiedEmbeddings: true,
  valueHead: false,
  layerNormEps: 1e-5,
  seed: 0,
});

/** Validates a config; `dFF` defaults to 4 * dModel when not given. */
export function resolveTinyGptConfig(options: Partial<TinyGptConfig> = {}): TinyGptConfig {
  const withFf =
    options.dFF === undefined && options.dModel !== undefined
      ? { ...options, dFF: 4 * options.dModel }
      : options;
  const c = mergeConfig(defaultTinyGptConfig, withFf, 'TinyGptConfig');
  const where = 'TinyGptConfig';
  assertInteger('vocabSize', c.vocabSize, { min: 2 }, where);
  assertInteger('nLayer', c.nLayer, { min: 1 }, where);
  assertInteger('nHead', c.nHead, { min: 1 }, where);
  assertInteger('dModel', c.dModel, { min: 1 }, where);
  assertInteger('dFF', c.dFF, { min: 1 }, where);
  assertInteger('context', c.context, { min: 1 }, where);
  assertBoolean('tiedEmbeddings', c.tiedEmbeddings, where);
  assertBoolean('valueHead', c.valueHead, where);
  assertNumber('layerNormEps', c.layerNormEps, { gt: 0 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  if (c.dModel % c.nHead !== 0) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`dModel\` (${c.dModel}) must be divisible by \`nHead\` (${c.nHead})`,
      {
        where,
      },
    );
  }
  return c;
}

/** Per-head width Dh. */
export function headDim(config: TinyGptConfig): number {
  return config.dModel / config.nHead;
}

/**
 * Names and shapes of every weight, in a fixed order. This is the one naming shared by the tfjs
 * model, safetensors checkpoints and the ONNX exporter. Matrices are stored [in, out] (x @ W).
 */
export function weightShapes(config: TinyGptConfig): ReadonlyArray<readonly [string, readonly number[]]> {
  const { vocabSize: V, dModel: D, dFF: F, context: C } = config;
  const out: [string, number[]][] = [
    ['wte', [V, D]],
    ['wpe', [C, D]],
  ];
  for (let l = 0; l < config.nLayer; l++) {
    out.push(
      [`h.${l}.ln1.g`, [D]],
      [`h.${l}.ln1.b`, [D]],
      [`h.${l}.attn.wqkv`, [D, 3 * D]],
      [`h.${l}.attn.bqkv`, [3 * D]],
      [`h.${l}.attn.wo`, [D, D]],
      [`h.${l}.attn.bo`, [D]],
      [`h.${l}.ln2.g`, [D]],
      [`h.${l}.ln2.b`, [D]],
      [`h.${l}.mlp.w1`, [D, F]],
      [`h.${l}.mlp.b1`, [F]],
      [`h.${l}.mlp.w2`, [F, D]],
      [`h.${l}.mlp.b2`, [D]],
    );
  }
  out.push(['lnf.g', [D]], ['lnf.b', [D]]);
  if (!config.tiedEmbeddings) out.push(['lmHead', [D, V]]);
  if (config.valueHead) out.push(['valueW', [D, 1]], ['valueB', [1]]);
  return out;
}

/** Total parameter count. */
export function numParameters(config: TinyGptConfig): number {
  let n = 0;
  for (const [, shape] of weightShapes(config)) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/**
 * Forward FLOPs of one token at a given attended length (Kaplan et al. 2020, table 1): 2 x the
 * non-embedding matmul parameters, plus 2 x nLayer x ctx x D for attention scores and mixing, plus
 * the output projection 2 x D x V.
 */
export function flopsPerToken(config: TinyGptConfig, attendedLength: number = config.context): number {
  const { dModel: D, dFF: F, nLayer: L, vocabSize: V } = config;
  const perLayer = 2 * (D * 3 * D + D * D + 2 * D * F) + 2 * 2 * attendedLength * D;
  return L * perLayer + 2 * D * V + (config.valueHead ? 2 * D : 0);
}
