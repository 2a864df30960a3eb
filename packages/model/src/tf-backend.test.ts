import { isO1labError } from '@o1lab/core';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { selectBackend, TF_BACKEND_ENV, TF_BACKEND_ORDER } from './tf-backend.js';
import { createTinyGptModel } from './tf-model.js';

describe('selectBackend', () => {
  afterEach(() => {
    delete process.env[TF_BACKEND_ENV];
  });

  it('picks the best backend present, logs one line and names why better ones are absent', async () => {
    const lines: string[] = [];
    const info = await selectBackend('auto', { log: (line) => lines.push(line) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`tfjs backend ${info.name}`);
    expect(tf.getBackend()).toBe(info.name === 'tensorflow-gpu' ? 'tensorflow' : info.name);
    const rank = TF_BACKEND_ORDER.indexOf(info.name);
    for (const better of TF_BACKEND_ORDER.slice(0, rank)) expect(info.reason).toContain(`${better}: `);
    if (info.name === 'wasm')
      expect(info.reason).toMatch(/SIMD (on|off), (1 thread|\d+ threads) \(O1LAB_WASM_THREADS/);
  });

  it('runs TinyGPT identically on cpu and wasm', async () => {
    const config = { vocabSize: 10, nLayer: 1, nHead: 2, dModel: 8, context: 6 };
    const logits: Float32Array[] = [];
    for (const name of ['cpu', 'wasm'] as const) {
      const info = await selectBackend(name, { log: () => {} });
      expect(info.name).toBe(name);
      const model = createTinyGptModel(config);
      logits.push(model.forward([[1, 4, 5, 9]]).logits);
      model.dispose();
    }
    for (let i = 0; i < logits[0]!.length; i++) expect(logits[1]![i]).toBeCloseTo(logits[0]![i]!, 5);
  });

  it('fails with BACKEND_ERROR when an explicitly named backend cannot run', async () => {
    const info = await selectBackend('auto', { log: () => {} });
    if (info.name !== 'wasm') return; // a native backend is installed here: nothing is missing
    const error = await selectBackend('tensorflow', { log: () => {} }).catch((e: unknown) => e);
    expect(isO1labError(error, 'BACKEND_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/@tensorflow\/tfjs-node not installed/);
  });

  it('takes the backend from O1LAB_TF_BACKEND and rejects unknown names', async () => {
    process.env[TF_BACKEND_ENV] = 'cpu';
    expect((await selectBackend('auto', { log: () => {} })).name).toBe('cpu');
    process.env[TF_BACKEND_ENV] = 'webgpu';
    await expect(selectBackend('auto', { log: () => {} })).rejects.toThrow(
      /`O1LAB_TF_BACKEND` must be one of/,
    );
  });
});
