import { isO1labError } from '@o1lab/core';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { selectBackend, WASM_THREADS_ENV, wasmThreads } from './tf-backend.js';
import { createTinyGptModel } from './tf-model.js';
import { createTrainer } from './trainer.js';

// Its own file: the threaded build replaces the `wasm` backend for the rest of the process.
describe('wasm backend on threads', () => {
  it('runs the threaded build with the threads asked for, and TinyGPT matches the cpu backend', async () => {
    process.env[WASM_THREADS_ENV] = '2';
    try {
      const config = { vocabSize: 12, nLayer: 2, nHead: 2, dModel: 64, dFF: 256, context: 32 };
      const ids = [Array.from({ length: 32 }, (_, t) => 1 + ((t * 7) % 11))];
      await selectBackend('cpu', { log: () => {} });
      const cpuModel = createTinyGptModel(config);
      const want = cpuModel.forward(ids).logits;
      const weights = cpuModel.getWeights();
      cpuModel.dispose();

      const lines: string[] = [];
      const info = await selectBackend('wasm', { log: (line) => lines.push(line) });
      expect(info.name).toBe('wasm');
      expect(info.reason).toContain(`2 threads (${WASM_THREADS_ENV}=2)`);
      expect(getThreadsCount()).toBe(2);
      const model = createTinyGptModel(config, weights);
      const got = model.forward(ids).logits;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);

      // A training step runs on it and lowers the loss of the batch it saw.
      const B = 4;
      const T = 32;
      const inputIds = Int32Array.from({ length: B * T }, (_, i) => 1 + (i % 11));
      const targets = Int32Array.from({ length: B * T }, (_, i) => 1 + ((i + 1) % 11));
      const trainer = createTrainer(model, { learningRate: 1e-2, warmupSteps: 0 });
      const first = trainer.step({ B, T, inputIds, targets }).loss;
      let last = first;
      for (let i = 0; i < 20; i++) last = trainer.step({ B, T, inputIds, targets }).loss;
      expect(last).toBeLessThan(0.5 * first);
      trainer.dispose();
      model.dispose();
      expect(tf.getBackend()).toBe('wasm');
    } finally {
      delete process.env[WASM_THREADS_ENV];
    }
  });

  it('reads the thread count from the environment and rejects what is not a positive integer', () => {
    process.env[WASM_THREADS_ENV] = '3';
    expect(wasmThreads()).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'many']) {
      process.env[WASM_THREADS_ENV] = bad;
      let error: unknown;
      try {
        wasmThreads();
      } catch (e) {
        error = e;
      }
      expect(isO1labError(error, 'INVALID_CONFIG')).toBe(true);
      expect((error as Error).message).toMatch(/`O1LAB_WASM_THREADS` must be a positive integer/);
    }
    delete process.env[WASM_THREADS_ENV];
    expect(wasmThreads()).toBeGreaterThanOrEqual(1);
  });
});
