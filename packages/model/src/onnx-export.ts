import { endianness } from 'node:os';
import { writeFileAtomic } from '@o1lab/core';
import { headDim, type TinyGptConfig, weightShapes } from './config.js';
import { encodeOnnxModel, OnnxAttributeType, OnnxDataType } from './onnx-proto.js';
import { type TinyGptWeights, validateTinyGptWeights } from './weights.js';

/** ONNX opset of the exported graph (ai.onnx 17: the first with LayerNormalization). */
export const TINYGPT_ONNX_OPSET = 17;
/** IR version that goes with opset 17. */
export const TINYGPT_ONNX_IR_VERSION = 8;
/** Metadata key under which the exporter stores the TinyGPT config as JSON. */
export const TINYGPT_CONFIG_METADATA_KEY = 'o1lab.tinygpt.config';

// Symbolic dimensions, named as Hugging Face Optimum names them.
const BATCH = 'batch_size';
const SEQ = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'past_sequence_length + sequence_length';
// Finite so that a fully masked row (a padding query) softmaxes to uniform instead of NaN.
const MASK_VALUE = -1e9;

/**
 * Exports TinyGPT as an ONNX model in the Hugging Face/Optimum decoder-with-past layout, so one
 * graph serves prefill (past length 0) and decode:
 *
 *   inputs   input_ids [B, T] int64, attention_mask [B, Tpast + T] int64, position_ids [B, T] int64,
 *            past_key_values.{i}.key|value [B, H, Tpast, Dh] float32
 *   outputs  logits [B, T, V], present.{i}.key|value [B, H, Tpast + T, Dh], values [B, T] (value head)
 *
 * Standard ai.onnx opset 17 only. The causal mask is built from the input shapes (query i may read
 * key j when j <= Tpast + i) and combined with the padding mask from `attention_mask`; GELU is the
 * tanh formula written out from primitives. Weights are initializers with little-endian raw_data.
 */
export function exportTinyGptOnnx(config: TinyGptConfig, weights: TinyGptWeights): Uint8Array {
  validateTinyGptWeights(config, weights, 'exportTinyGptOnnx');
  const g = new GraphBuilder();
  const { dModel: D, nHead: H, nLayer: L, vocabSize: V } = config;
  const Dh = headDim(config);

  for (const [name, shape] of weightShapes(config)) g.initializer(name, shape, weights.get(name)!);

  g.input('input_ids', OnnxDataType.INT64, [BATCH, SEQ]);
  g.input('attention_mask', OnnxDataType.INT64, [BATCH, TOTAL]);
  g.input('position_ids', OnnxDataType.INT64, [BATCH, SEQ]);
  for (let l = 0; l < L; l++) {
    g.input(`past_key_values.${l}.key`, OnnxDataType.FLOAT, [BATCH, H, PAST, Dh]);
    g.input(`past_key_values.${l}.value`, OnnxDataType.FLOAT, [BATCH, H, PAST, Dh]);
  }

  // Embeddings: [B, T, D]
  const tok = g.op('Gather', ['wte', 'input_ids'], { axis: 0 });
  const pos = g.op('Gather', ['wpe', 'position_ids'], { axis: 0 });
  // The residual stream is kept 2D, [B*T, D], so that every linear layer is one Gemm with its bias
  // fused; attention reshapes to heads and back.
  let h = g.op('Reshape', [g.op('Add', [tok, pos]), g.constInt64('rows_shape', [2], [-1, D])]);

  // Mask bias [B, 1, T, Tpast + T]: 0 where query i may attend key j, MASK_VALUE elsewhere.
  const one = g.constInt64('one', [], [1]);
  const zero = g.constInt64('zero', [], [0]);
  const idsShape = g.op('Shape', ['input_ids']); // [B, T]
  const seqLen = g.op('Gather', [idsShape, one], { axis: 0 });
  const totalLen = g.op('Gather', [g.op('Shape', ['attention_mask']), one], { axis: 0 });
  const pastLen = g.op('Sub', [totalLen, seqLen]);
  const queryPos = g.op('Range', [pastLen, totalLen, one]); // [T]
  const keyPos = g.op('Range', [zero, totalLen, one]); // [Tpast + T]
  const causal = g.op('LessOrEqual', [
    g.op('Unsqueeze', [keyPos, g.constInt64('axes_0', [1], [0])]),
    g.op('Unsqueeze', [queryPos, g.constInt64('axes_1', [1], [1])]),
  ]); // [T, Tpast + T]
  const padding = g.op('Unsqueeze', [
    g.op('Cast', ['attention_mask'], { to: OnnxDataType.BOOL }),
    g.constInt64('axes_1_2', [2], [1, 2]),
  ]); // [B, 1, 1, Tpast + T]
  const maskBias = g.op('Where', [
    g.op('And', [padding, causal]),
    g.constFloat('mask_keep', [], [0]),
    g.constFloat('mask_drop', [], [MASK_VALUE]),
  ]);

  const headsShape = g.op('Concat', [idsShape, g.constInt64('heads', [2], [H, Dh])], { axis: 0 }); // [B, T, H, Dh]
  const rowsShape = 'rows_shape';
  const qkvSplit = g.constInt64('qkv_split', [3], [D, D, D]);
  const scale = g.constFloat('attn_scale', [], [1 / Math.sqrt(Dh)]);
  const eps = config.layerNormEps;

  for (let l = 0; l < L; l++) {
    const p = `h.${l}.`;
    // Attention
    const a = g.op('LayerNormalization', [h, `${p}ln1.g`, `${p}ln1.b`], { axis: -1, epsilon: eps });
    const qkv = g.op('Gemm', [a, `${p}attn.wqkv`, `${p}attn.bqkv`]); // [B*T, 3D]
    const [q, k, v] = g.opN('Split', [qkv, qkvSplit], 3, { axis: 1 });
    const toHeads = (x: string) =>
      g.op('Transpose', [g.op('Reshape', [x, headsShape])], { perm: [0, 2, 1, 3] }); // [B, H, T, Dh]
    const presentKey = `present.${l}.key`;
    const presentValue = `present.${l}.value`;
    g.opTo('Concat', [`past_key_values.${l}.key`, toHeads(k!)], presentKey, { axis: 2 });
    g.opTo('Concat', [`past_key_values.${l}.value`, toHeads(v!)], presentValue, { axis: 2 });
    // Scores as (K q^T)^T: transposing q and the [Tk, T] result is cheaper than transposing the
    // whole key cache when T is 1 (decode).
    const qT = g.op('Transpose', [g.op('Reshape', [g.op('Mul', [q!, scale]), headsShape])], {
      perm: [0, 2, 3, 1],
    }); // [B, H, Dh, T]
    const scores = g.op('Add', [
      g.op('Transpose', [g.op('MatMul', [presentKey, qT])], { perm: [0, 1, 3, 2] }),
      maskBias,
    ]); // [B, H, T, Tpast + T]
    const attended = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), presentValue]); // [B, H, T, Dh]
    const merged = g.op('Reshape', [g.op('Transpose', [attended], { perm: [0, 2, 1, 3] }), rowsShape]); // [B*T, D]
    h = g.op('Add', [h, g.op('Gemm', [merged, `${p}attn.wo`, `${p}attn.bo`])]);

    // MLP
    const m = g.op('LayerNormalization', [h, `${p}ln2.g`, `${p}ln2.b`], { axis: -1, epsilon: eps });
    const u = g.op('Gemm', [m, `${p}mlp.w1`, `${p}mlp.b1`]); // [B*T, F]
    h = g.op('Add', [h, g.op('Gemm', [geluTanh(g, u), `${p}mlp.w2`, `${p}mlp.b2`])]);
  }

  // Heads
  const f = g.op('LayerNormalization', [h, 'lnf.g', 'lnf.b'], { axis: -1, epsilon: eps });
  const logits = config.tiedEmbeddings
    ? g.op('Gemm', [f, 'wte'], { transB: 1 })
    : g.op('Gemm', [f, 'lmHead']); // [B*T, V]
  const logitsShape = g.op('Concat', [idsShape, g.constInt64('vocab', [1], [V])], { axis: 0 });
  g.opTo('Reshape', [logits, logitsShape], 'logits');
  g.output('logits', OnnxDataType.FLOAT, [BATCH, SEQ, V]);
  for (let l = 0; l < L; l++) {
    g.output(`present.${l}.key`, OnnxDataType.FLOAT, [BATCH, H, TOTAL, Dh]);
    g.output(`present.${l}.value`, OnnxDataType.FLOAT, [BATCH, H, TOTAL, Dh]);
  }
  if (config.valueHead) {
    g.opTo('Reshape', [g.op('Gemm', [f, 'valueW', 'valueB']), idsShape], 'values'); // [B*T, 1] -> [B, T]
    g.output('values', OnnxDataType.FLOAT, [BATCH, SEQ]);
  }

  const model = {
    ir_version: TINYGPT_ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: TINYGPT_ONNX_OPSET }],
    producer_name: 'o1lab',
    producer_version: '0.1.0',
    doc_string: 'TinyGPT decoder with past (Hugging Face/Optimum layout), exported by @o1lab/model',
    graph: {
      name: 'tinygpt',
      node: g.nodes,
      initializer: g.initializers,
      input: g.inputs,
      output: g.outputs,
    },
    metadata_props: [{ key: TINYGPT_CONFIG_METADATA_KEY, value: JSON.stringify(config) }],
  };
  return encodeOnnxModel(model);
}

/**
 * A second, decode-only graph for {@link OrtRuntime}'s fast path on TinyGPT models (not a Hugging
 * Face layout; the exported file format stays {@link exportTinyGptOnnx}). The Optimum layout makes
 * every step copy the whole cache into `present`; here the cache is a fixed-size input the runtime
 * owns, and the graph returns only the new token's keys and values, which the runtime writes into
 * the cache's next slot:
 *
 *   inputs   input_ids [B, 1], position_ids [B, 1] int64; key_bias [B, 1, 1, C + 1] float32 (0 for
 *            a readable cache slot, -1e9 for an empty or padded one; the last column is the new
 *            token); prob_split [2] int64 = [C, 1]; cache.{i}.key|value [B, H, C, Dh] float32
 *   outputs  logits [B, V]; new.{i}.key|value [B, H, 1, Dh]; values [B] (value head)
 *
 * The masks and the split sizes come from the runtime, so the graph has no mask or shape subgraph,
 * and the attention scale is folded into the query columns of `attn.wqkv` and `attn.bqkv`: 54
 * kernels per step after ONNX Runtime's fusions at the reference config instead of 61. Shapes
 * change only when the runtime grows C.
 */
export function exportTinyGptDecodeOnnx(config: TinyGptConfig, weights: TinyGptWeights): Uint8Array {
  validateTinyGptWeights(config, weights, 'exportTinyGptDecodeOnnx');
  const g = new GraphBuilder();
  const { dModel: D, nHead: H, nLayer: L, vocabSize: V } = config;
  const Dh = headDim(config);
  const CACHE = 'cache_length';
  // The attention scale 1/sqrt(Dh) is folded into the query columns of wqkv and bqkv.
  const scale = 1 / Math.sqrt(Dh);
  for (const [name, shape] of weightShapes(config)) {
    let w = weights.get(name)!;
    if (name.endsWith('attn.wqkv') || name.endsWith('attn.bqkv')) {
      w = w.slice();
      const cols = 3 * D;
      for (let i = 0; i < w.length; i++) if (i % cols < D) w[i] = w[i]! * scale;
    }
    g.initializer(name, shape, w);
  }
  g.input('input_ids', OnnxDataType.INT64, [BATCH, 1]);
  g.input('position_ids', OnnxDataType.INT64, [BATCH, 1]);
  g.input('key_bias', OnnxDataType.FLOAT, [BATCH, 1, 1, `${CACHE} + 1`]);
  g.input('prob_split', OnnxDataType.INT64, [2]);
  for (let l = 0; l < L; l++) {
    g.input(`cache.${l}.key`, OnnxDataType.FLOAT, [BATCH, H, CACHE, Dh]);
    g.input(`cache.${l}.value`, OnnxDataType.FLOAT, [BATCH, H, CACHE, Dh]);
  }

  const rows = g.constInt64('rows_shape', [2], [-1, D]);
  const tok = g.op('Gather', ['wte', 'input_ids'], { axis: 0 });
  const pos = g.op('Gather', ['wpe', 'position_ids'], { axis: 0 });
  let h = g.op('Reshape', [g.op('Add', [tok, pos]), rows]); // [B, D]
  const qkvSplit = g.constInt64('qkv_split', [3], [D, D, D]);
  const qShape = g.constInt64('q_shape', [4], [-1, H, Dh, 1]);
  const kvShape = g.constInt64('kv_shape', [4], [-1, H, 1, Dh]);
  const rowShape = g.constInt64('score_shape', [4], [0, 0, 1, -1]);
  const eps = config.layerNormEps;
  for (let l = 0; l < L; l++) {
    const p = `h.${l}.`;
    // Attention of one new token over the cache slots and itself
    const a = g.op('LayerNormalization', [h, `${p}ln1.g`, `${p}ln1.b`], { axis: -1, epsilon: eps });
    const [q, k, v] = g.opN('Split', [g.op('Gemm', [a, `${p}attn.wqkv`, `${p}attn.bqkv`]), qkvSplit], 3, {
      axis: 1,
    });
    const q4 = g.op('Reshape', [q!, qShape]); // [B, H, Dh, 1]
    const k4 = g.opTo('Reshape', [k!, kvShape], `new.${l}.key`); // [B, H, 1, Dh]
    const v4 = g.opTo('Reshape', [v!, kvShape], `new.${l}.value`);
    const scores = g.op('Reshape', [
      g.op('Concat', [g.op('MatMul', [`cache.${l}.key`, q4]), g.op('MatMul', [k4, q4])], { axis: 2 }),
      rowShape,
    ]); // [B, H, 1, C + 1]
    const probs = g.op('Softmax', [g.op('Add', [scores, 'key_bias'])], { axis: -1 });
    const [pCache, pNew] = g.opN('Split', [probs, 'prob_split'], 2, { axis: 3 });
    const attended = g.op('Add', [g.op('MatMul', [pCache!, `cache.${l}.value`]), g.op('Mul', [pNew!, v4])]); // [B, H, 1, Dh]
    h = g.op('Add', [h, g.op('Gemm', [g.op('Reshape', [attended, rows]), `${p}attn.wo`, `${p}attn.bo`])]);
    // MLP
    const m = g.op('LayerNormalization', [h, `${p}ln2.g`, `${p}ln2.b`], { axis: -1, epsilon: eps });
    const u = g.op('Gemm', [m, `${p}mlp.w1`, `${p}mlp.b1`]);
    h = g.op('Add', [h, g.op('Gemm', [geluTanh(g, u), `${p}mlp.w2`, `${p}mlp.b2`])]);
  }

  const f = g.op('LayerNormalization', [h, 'lnf.g', 'lnf.b'], { axis: -1, epsilon: eps });
  if (config.tiedEmbeddings) g.opTo('Gemm', [f, 'wte'], 'logits', { transB: 1 });
  else g.opTo('Gemm', [f, 'lmHead'], 'logits');
  g.output('logits', OnnxDataType.FLOAT, [BATCH, V]);
  for (let l = 0; l < L; l++) {
    g.output(`new.${l}.key`, OnnxDataType.FLOAT, [BATCH, H, 1, Dh]);
    g.output(`new.${l}.value`, OnnxDataType.FLOAT, [BATCH, H, 1, Dh]);
  }
  if (config.valueHead) {
    g.opTo('Reshape', [g.op('Gemm', [f, 'valueW', 'valueB']), g.constInt64('flat', [1], [-1])], 'values');
    g.output('values', OnnxDataType.FLOAT, [BATCH]);
  }
  return encodeOnnxModel({
    ir_version: TINYGPT_ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: TINYGPT_ONNX_OPSET }],
    producer_name: 'o1lab',
    producer_version: '0.1.0',
    doc_string: 'TinyGPT decode step over a runtime-owned key/value cache, exported by @o1lab/model',
    graph: {
      name: 'tinygpt_decode',
      node: g.nodes,
      initializer: g.initializers,
      input: g.inputs,
      output: g.outputs,
    },
    metadata_props: [{ key: TINYGPT_CONFIG_METADATA_KEY, value: JSON.stringify(config) }],
  });
}

/** Exports like {@link exportTinyGptOnnx} and writes the file atomically (temp file + rename). */
export async function writeTinyGptOnnx(
  path: string,
  config: TinyGptConfig,
  weights: TinyGptWeights,
): Promise<void> {
  await writeFileAtomic(path, exportTinyGptOnnx(config, weights));
}

// 0.5 u (1 + tanh(sqrt(2/pi) (u + 0.044715 u^3))), exactly the formula the trainer uses, with the
// nodes in the order ONNX Runtime's FastGeluFusion recognises (Pow, Mul, Add, Mul, Tanh, Add, Mul).
function geluTanh(g: GraphBuilder, u: string): string {
  const cube = g.op('Pow', [u, g.constFloat('gelu_three', [], [3], true)]);
  const inner = g.op('Add', [g.op('Mul', [cube, g.constFloat('gelu_c', [], [0.044715], true)]), u]);
  const t = g.op('Tanh', [g.op('Mul', [inner, g.constFloat('gelu_k', [], [Math.sqrt(2 / Math.PI)], true)])]);
  return g.op('Mul', [
    g.op('Mul', [u, g.constFloat('gelu_half', [], [0.5], true)]),
    g.op('Add', [t, g.constFloat('gelu_one', [], [1], true)]),
  ]);
}

type AttributeValue = number | readonly number[];

interface ProtoNode {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  attribute: Record<string, unknown>[];
}

/** Collects nodes, initializers and graph inputs/outputs as plain objects for protobufjs. */
class GraphBuilder {
  readonly nodes: ProtoNode[] = [];
  readonly initializers: Record<string, unknown>[] = [];
  readonly inputs: Record<string, unknown>[] = [];
  readonly outputs: Record<string, unknown>[] = [];
  private readonly constants = new Set<string>();
  private count = 0;

  op(type: string, inputs: readonly string[], attrs: Record<string, AttributeValue> = {}): string {
    return this.opN(type, inputs, 1, attrs)[0]!;
  }

  opN(type: string, inputs: readonly string[], n: number, attrs: Record<string, AttributeValue> = {}) {
    const id = this.count++;
    const outputs = Array.from({ length: n }, (_, i) => `/${type.toLowerCase()}_${id}/out${i}`);
    this.push(type, inputs, outputs, attrs, `${type}_${id}`);
    return outputs;
  }

  opTo(type: string, inputs: readonly string[], output: string, attrs: Record<string, AttributeValue> = {}) {
    this.push(type, inputs, [output], attrs, `${type}_${this.count++}`);
    return output;
  }

  initializer(name: string, dims: readonly number[], data: Float32Array): void {
    this.initializers.push({ name, dims, data_type: OnnxDataType.FLOAT, raw_data: littleEndianBytes(data) });
  }

  /** A constant initializer; `shared` ones are created once and reused by name. */
  constFloat(name: string, dims: readonly number[], values: readonly number[], shared = false): string {
    if (shared && this.constants.has(name)) return name;
    this.constants.add(name);
    this.initializer(name, dims, Float32Array.from(values));
    return name;
  }

  constInt64(name: string, dims: readonly number[], values: readonly number[]): string {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]!), true);
    this.initializers.push({ name, dims, data_type: OnnxDataType.INT64, raw_data: bytes });
    return name;
  }

  input(name: string, elemType: number, dims: readonly (number | string)[]): void {
    this.inputs.push(valueInfo(name, elemType, dims));
  }

  output(name: string, elemType: number, dims: readonly (number | string)[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  private push(
    type: string,
    inputs: readonly string[],
    outputs: string[],
    attrs: Record<string, AttributeValue>,
    name: string,
  ): void {
    const attribute = Object.entries(attrs).map(([key, value]) => {
      if (typeof value !== 'number') return { name: key, type: OnnxAttributeType.INTS, ints: value };
      // `epsilon` is the one float attribute used; every other scalar attribute is an integer.
      if (key === 'epsilon') return { name: key, type: OnnxAttributeType.FLOAT, f: value };
      return { name: key, type: OnnxAttributeType.INT, i: value };
    });
    this.nodes.push({ input: [...inputs], output: outputs, name, op_type: type, attribute });
  }
}

function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

const IS_LITTLE_ENDIAN = endianness() === 'LE';

function littleEndianBytes(data: Float32Array): Uint8Array {
  if (IS_LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return bytes;
}
