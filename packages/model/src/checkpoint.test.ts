import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isO1labError } from '@o1lab/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSftBatch } from './batch.js';
import { CHECKPOINT_FILES, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { resolveTinyGptConfig, weightShapes } from './config.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js';
import { initTfBackend } from './tf-backend.js';
import { createTinyGptModel, type TinyGptModel } from './tf-model.js';
import { CharTokenizer } from './tokenizer.js';
import { createTrainer, type Trainer } from './trainer.js';

const config = resolveTinyGptConfig({
  vocabSize: 15,
  nLayer: 1,
  nHead: 2,
  dModel: 8,
  context: 8,
  valueHead: true,
});
const tokenizer = new CharTokenizer('0123456789+=');
const batch = () =>
  buildSftBatch(tokenizer, [
    { prompt: '1+2=', completion: '3' },
    { prompt: '3+3=', completion: '6' },
  ]);

async function expectCorrupt(dir: string, file: string, message: RegExp): Promise<void> {
  const error = await loadCheckpoint(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isO1labError(error, 'CORRUPT_FILE'), String(error)).toBe(true);
  expect((error as Error).message).toContain(join(dir, file));
  expect((error as Error).message).toMatch(message);
}

describe('safetensors', () => {
  it('writes the documented layout: u64 LE header length, JSON header, 8-byte alignment, LE data', () => {
    const tensors = new Map<string, SafetensorsTensor>([
      ['a', { dtype: 'F32', shape: [2], data: Float32Array.from([1, -2]) }],
      ['b', { dtype: 'F32', shape: [1, 1], data: Float32Array.from([0.5]) }],
    ]);
    const bytes = encodeSafetensors(tensors, { format: 'pt' });
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [1, 1], data_offsets: [8, 12] },
    });
    expect(bytes.length).toBe(8 + n + 12);
    expect(view.getFloat32(8 + n + 4, true)).toBe(-2);
    const back = decodeSafetensors(bytes, 'x.safetensors');
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(Array.from(back.tensors.get('a')!.data)).toEqual([1, -2]);
    expect(back.tensors.get('b')!.shape).toEqual([1, 1]);
  });

  it('rejects a header length past the end, a non-F32 dtype and overlapping data', () => {
    const good = encodeSafetensors(
      new Map([['a', { dtype: 'F32' as const, shape: [1], data: Float32Array.from([1]) }]]),
    );
    const long = good.slice();
    new DataView(long.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(long, 'f')).toThrow(/header length 1099511627776 exceeds/);
    const header = (h: object) => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + json.length + 8);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    expect(() =>
      decodeSafetensors(header({ a: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }), 'f'),
    ).toThrow(/dtype "F16"/);
    expect(() =>
      decodeSafetensors(
        header({
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        }),
        'f',
      ),
    ).toThrow(/starts at byte 4, expected 8/);
  });
});

describe('checkpoints', () => {
  let root: string;
  let model: TinyGptModel;
  let trainer: Trainer;
  beforeAll(async () => {
    await initTfBackend({ log: () => {} });
    root = await mkdtemp(join(tmpdir(), 'o1lab-ckpt-'));
    model = createTinyGptModel(config);
    trainer = createTrainer(model, { warmupSteps: 1, seed: 5 });
    trainer.step(batch());
    trainer.step(batch());
  });
  afterAll(async () => {
    model.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('round-trips weights, config, tokenizer and training state, and resumes identically', async () => {
    const dir = join(root, 'roundtrip');
    await saveCheckpoint(dir, { model, tokenizer, trainer, metadata: { task: 'addition' } });
    expect((await readdir(dir)).sort()).toEqual(Object.values(CHECKPOINT_FILES).sort());
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.config).toEqual(config);
    expect(ckpt.weights).toEqual(model.getWeights());
    expect(CharTokenizer.fromJSON(ckpt.tokenizer as never).encode('12+3=')).toEqual(
      tokenizer.encode('12+3='),
    );
    expect(ckpt.metadata.task).toBe('addition');
    expect(ckpt.trainConfig).toEqual(trainer.config);
    expect(ckpt.trainerState!.step).toBe(2);

    const resumedModel = createTinyGptModel(ckpt.config, ckpt.weights);
    const resumed = createTrainer(resumedModel, ckpt.trainConfig);
    resumed.setState(ckpt.trainerState!);
    const a = trainer.step(batch());
    const b = resumed.step(batch());
    expect(b).toEqual(a);
    expect(resumedModel.getWeights()).toEqual(model.getWeights());
    expect(resumed.rng.nextUint32()).toBe(trainer.rng.nextUint32());
    resumedModel.dispose();
  });

  it('replaces an existing checkpoint whole and leaves no temporary directories', async () => {
    const dir = join(root, 'replace');
    await saveCheckpoint(dir, { model, tokenizer, trainer });
    await saveCheckpoint(dir, { model });
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors']);
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
    expect((await loadCheckpoint(dir)).trainerState).toBeUndefined();
  });

  it('names a truncated weights file', async () => {
    const dir = join(root, 'truncated');
    await saveCheckpoint(dir, { model, trainer });
    const file = join(dir, CHECKPOINT_FILES.weights);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 10));
    await expectCorrupt(dir, CHECKPOINT_FILES.weights, /ends at byte \d+ of a \d+-byte data section/);
    await writeFile(file, bytes.subarray(0, 5));
    await expectCorrupt(dir, CHECKPOINT_FILES.weights, /5 bytes, shorter than the 8-byte header length/);
  });

  it('names a weights file whose header bytes were flipped', async () => {
    const dir = join(root, 'flipped');
    await saveCheckpoint(dir, { model });
    const file = join(dir, CHECKPOINT_FILES.weights);
    const bytes = await readFile(file);
    const damaged = Uint8Array.from(bytes);
    for (let i = 10; i < 14; i++) damaged[i] = damaged[i]! ^ 0xff;
    await writeFile(file, damaged);
    await expectCorrupt(dir, CHECKPOINT_FILES.weights, /header is not UTF-8 JSON/);
    const lengthFlipped = Uint8Array.from(bytes);
    lengthFlipped[6] = 0x7f;
    await writeFile(file, lengthFlipped);
    await expectCorrupt(dir, CHECKPOINT_FILES.weights, /header length \d+ exceeds/);
  });

  it('names a tensor whose shape does not match config.json', async () => {
    const dir = join(root, 'shape');
    await saveCheckpoint(dir, { model });
    const tensors = new Map<string, SafetensorsTensor>();
    for (const [name, shape] of weightShapes(config)) {
      const wrong = name === 'h.0.mlp.w1' ? [shape[1]!, shape[0]!] : shape;
      tensors.set(name, { dtype: 'F32', shape: wrong, data: model.getWeights().get(name)! });
    }
    await writeFile(join(dir, CHECKPOINT_FILES.weights), encodeSafetensors(tensors));
    await expectCorrupt(
      dir,
      CHECKPOINT_FILES.weights,
      /'h\.0\.mlp\.w1' has shape \[32, 8\], config\.json asks for \[8, 32\]/,
    );
  });

  it('catches a changed data byte through the manifest hash', async () => {
    const dir = join(root, 'bitflip');
    await saveCheckpoint(dir, { model, trainer });
    const file = join(dir, CHECKPOINT_FILES.optimizer);
    const bytes = Uint8Array.from(await readFile(file));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    await writeFile(file, bytes);
    await expectCorrupt(dir, CHECKPOINT_FILES.optimizer, /SHA-256 differs/);
  });

  it('names a missing file and a broken trainer state', async () => {
    const dir = join(root, 'missing');
    await saveCheckpoint(dir, { model, trainer });
    await writeFile(join(dir, CHECKPOINT_FILES.trainerState), '{"step": -1}');
    await expectCorrupt(dir, CHECKPOINT_FILES.trainerState, /step -1 is not a non-negative integer/);
    await rm(join(dir, CHECKPOINT_FILES.config));
    await expectCorrupt(dir, CHECKPOINT_FILES.config, /cannot read \(ENOENT\)/);
  });
});
