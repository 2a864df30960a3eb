import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headDim, resolveTinyGptConfig, weightShapes } from './config.js';
import {
  exportTinyGptDecodeOnnx,
  exportTinyGptOnnx,
  TINYGPT_CONFIG_METADATA_KEY,
  TINYGPT_ONNX_OPSET,
  writeTinyGptOnnx,
} from './onnx-export.js';
import { decodeOnnxModel, OnnxDataType, type OnnxValueInfoJson } from './onnx-proto.js';
import { initTinyGptWeights } from './weights.js';

const config = resolveTinyGptConfig({ vocabSize: 32, valueHead: true, seed: 4 });
const weights = initTinyGptWeights(config);
const dir = mkdtempSync(join(tmpdir(), 'o1lab-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dims(info: OnnxValueInfoJson): (number | string)[] {
  return info.type!.tensor_type!.shape!.dim.map((d) => d.dim_value ?? d.dim_param ?? '?');
}

describe('exportTinyGptOnnx', () => {
  const bytes = exportTinyGptOnnx(config, weights);
  const model = decodeOnnxModel(bytes);
  const graph = model.graph!;

  it('declares IR 8 and ai.onnx opset 17 only', () => {
    expect(model.ir_version).toBe(8);
    expect(model.opset_import).toEqual([{ domain: '', version: TINYGPT_ONNX_OPSET }]);
    for (const node of graph.node) expect(node.domain ?? '').toBe('');
  });

  it('has the Optimum decoder-with-past inputs and outputs', () => {
    const H = config.nHead;
    const Dh = headDim(config);
    const inputs = graph.input.map((i) => [i.name, i.type!.tensor_type!.elem_type, dims(i)]);
    expect(inputs).toEqual([
      ['input_ids', OnnxDataType.INT64, ['batch_size', 'sequence_length']],
      ['attention_mask', OnnxDataType.INT64, ['batch_size', 'past_sequence_length + sequence_length']],
      ['position_ids', OnnxDataType.INT64, ['batch_size', 'sequence_length']],
      ['past_key_values.0.key', OnnxDataType.FLOAT, ['batch_size', H, 'past_sequence_length', Dh]],
      ['past_key_values.0.value', OnnxDataType.FLOAT, ['batch_size', H, 'past_sequence_length', Dh]],
      ['past_key_values.1.key', OnnxDataType.FLOAT, ['batch_size', H, 'past_sequence_length', Dh]],
      ['past_key_values.1.value', OnnxDataType.FLOAT, ['batch_size', H, 'past_sequence_length', Dh]],
    ]);
    const total = 'past_sequence_length + sequence_length';
    expect(graph.output.map((o) => [o.name, dims(o)])).toEqual([
      ['logits', ['batch_size', 'sequence_length', config.vocabSize]],
      ['present.0.key', ['batch_size', H, total, Dh]],
      ['present.0.value', ['batch_size', H, total, Dh]],
      ['present.1.key', ['batch_size', H, total, Dh]],
      ['present.1.value', ['batch_size', H, total, Dh]],
      ['values', ['batch_size', 'sequence_length']],
    ]);
  });

  it('stores every weight as a little-endian float32 initializer of its shape', () => {
    const byName = new Map(graph.initializer.map((t) => [t.name, t]));
    for (const [name, shape] of weightShapes(config)) {
      const t = byName.get(name)!;
      expect(t.dims, name).toEqual(shape);
      expect(t.data_type).toBe(OnnxDataType.FLOAT);
      const raw = t.raw_data!;
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const w = weights.get(name)!;
      expect(raw.byteLength).toBe(w.length * 4);
      for (const i of [0, w.length >> 1, w.length - 1]) expect(view.getFloat32(i * 4, true)).toBe(w[i]);
    }
  });

  it('builds attention from standard ops: LayerNormalization, Softmax, a written-out tanh GELU', () => {
    const ops = new Map<string, number>();
    for (const n of graph.node) ops.set(n.op_type!, (ops.get(n.op_type!) ?? 0) + 1);
    expect(ops.get('LayerNormalization')).toBe(2 * config.nLayer + 1);
    expect(ops.get('Softmax')).toBe(config.nLayer);
    expect(ops.get('Tanh')).toBe(config.nLayer);
    const kvConcats = graph.node.filter((n) => n.op_type === 'Concat' && n.output[0]!.startsWith('present.'));
    expect(kvConcats.length).toBe(2 * config.nLayer);
    expect(ops.has('Gelu')).toBe(false);
  });

  it('records the config in the metadata', () => {
    const entry = model.metadata_props.find((p) => p.key === TINYGPT_CONFIG_METADATA_KEY);
    expect(JSON.parse(entry!.value!)).toEqual(config);
  });

  it('rejects weights that do not match the config', () => {
    const broken = new Map(weights);
    broken.delete('lnf.b');
    expect(() => exportTinyGptOnnx(config, broken)).toThrow(/missing weight 'lnf.b'/);
  });

  it('writes the same bytes to a file', async () => {
    const path = join(dir, 'nested', 'tinygpt.onnx');
    await writeTinyGptOnnx(path, config, weights);
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
  });
});

describe('exportTinyGptDecodeOnnx', () => {
  it('takes a fixed-size cache and returns only the new keys and values, with the same weights', () => {
    const model = decodeOnnxModel(exportTinyGptDecodeOnnx(config, weights));
    const graph = model.graph!;
    const H = config.nHead;
    const Dh = headDim(config);
    expect(model.opset_import).toEqual([{ domain: '', version: TINYGPT_ONNX_OPSET }]);
    expect(graph.input.map((i) => [i.name, dims(i)])).toEqual([
      ['input_ids', ['batch_size', 1]],
      ['position_ids', ['batch_size', 1]],
      ['key_bias', ['batch_size', 1, 1, 'cache_length + 1']],
      ['prob_split', [2]],
      ['cache.0.key', ['batch_size', H, 'cache_length', Dh]],
      ['cache.0.value', ['batch_size', H, 'cache_length', Dh]],
      ['cache.1.key', ['batch_size', H, 'cache_length', Dh]],
      ['cache.1.value', ['batch_size', H, 'cache_length', Dh]],
    ]);
    expect(graph.output.map((o) => [o.name, dims(o)])).toEqual([
      ['logits', ['batch_size', config.vocabSize]],
      ['new.0.key', ['batch_size', H, 1, Dh]],
      ['new.0.value', ['batch_size', H, 1, Dh]],
      ['new.1.key', ['batch_size', H, 1, Dh]],
      ['new.1.value', ['batch_size', H, 1, Dh]],
      ['values', ['batch_size']],
    ]);
    expect(graph.node.some((n) => n.op_type === 'Concat' && n.output[0]!.startsWith('present.'))).toBe(false);
    // Keys and values keep the weights; query columns carry the attention scale 1/sqrt(Dh).
    const wqkv = graph.initializer.find((t) => t.name === 'h.1.attn.wqkv')!;
    const view = new DataView(wqkv.raw_data!.buffer, wqkv.raw_data!.byteOffset, wqkv.raw_data!.byteLength);
    const D = config.dModel;
    const original = weights.get('h.1.attn.wqkv')!;
    expect(view.getFloat32((D + 10) * 4, true)).toBe(original[D + 10]);
    expect(view.getFloat32((3 * D + 10) * 4, true)).toBe(
      Math.fround(original[3 * D + 10]! * (1 / Math.sqrt(Dh))),
    );
  });
});

// The official checker comes from Debian's python3-onnx (`apt-get install python3-onnx`); a pyenv
// python3 first on PATH usually lacks it, so the system interpreter is tried too.
function pythonWithOnnx(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import onnx'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

const python = pythonWithOnnx();
if (python === undefined) {
  console.warn(
    'onnx-export.test: skipping the ONNX checker test: no python3 with the onnx module (apt-get install python3-onnx)',
  );
}

describe.skipIf(python === undefined)('the official ONNX checker', () => {
  it.each([
    ['tied embeddings, value head', { vocabSize: 32, valueHead: true }, false],
    [
      'untied embeddings, 3 layers',
      { vocabSize: 20, nLayer: 3, nHead: 2, dModel: 16, tiedEmbeddings: false },
      false,
    ],
    ['the fast decode graph, value head', { vocabSize: 32, valueHead: true }, true],
  ])('accepts the export with full shape inference (%s)', async (_, options, decode) => {
    const c = resolveTinyGptConfig(options);
    const path = join(dir, `${c.nLayer}-${c.vocabSize}-${decode}.onnx`);
    const w = initTinyGptWeights(c);
    writeFileSync(path, decode ? exportTinyGptDecodeOnnx(c, w) : exportTinyGptOnnx(c, w));
    const script = [
      'import onnx, sys',
      'm = onnx.load(sys.argv[1])',
      'onnx.checker.check_model(m, full_check=True)',
      'print(len(m.graph.node))',
    ].join('\n');
    const run = spawnSync(python!, ['-c', script, path], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(Number(run.stdout.trim())).toBeGreaterThan(0);
  });
});
