import { createRng } from '@o1lab/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTinyGptConfig, weightShapes } from './config.js';
import { initTfBackend } from './tf-backend.js';
import { greedyDecode, sampleDecode } from './tf-decode.js';
import { createTinyGptModel, type TinyGptModel } from './tf-model.js';
import { initTinyGptWeights } from './weights.js';

const config = resolveTinyGptConfig({ vocabSize: 9, nLayer: 2, nHead: 2, dModel: 8, context: 10, seed: 4 });

/** Greedy decoding by recomputing the whole sequence for every token (no cache, no padding). */
function naiveGreedy(
  model: TinyGptModel,
  prompt: readonly number[],
  maxNewTokens: number,
  eos: number,
): number[] {
  const seq = [...prompt];
  const out: number[] = [];
  for (let s = 0; s < maxNewTokens && seq.length <= config.context; s++) {
    const { logits } = model.forward([seq]);
    const last = logits.subarray((seq.length - 1) * config.vocabSize, seq.length * config.vocabSize);
    let best = 0;
    for (let v = 1; v < last.length; v++) if (last[v]! > last[best]!) best = v;
    if (best === eos) break;
    out.push(best);
    seq.push(best);
  }
  return out;
}

describe('greedyDecode', () => {
  let model: TinyGptModel;
  beforeAll(async () => {
    await initTfBackend({ log: () => {} });
    // Larger-than-init weights so that greedy paths differ between prompts.
    const rng = createRng(2);
    const w = initTinyGptWeights(config);
    const scaled = new Map(
      weightShapes(config).map(([n]) => [n, w.get(n)!.map((x) => x * 20 + rng.normal(0, 0.3))]),
    );
    model = createTinyGptModel(config, scaled);
  });
  afterAll(() => model.dispose());

  it('equals decoding without a cache, prompt by prompt, in a left-padded batch', () => {
    const prompts = [[1, 5], [1, 3, 4, 7, 8], [1], [6, 6, 6]];
    const eos = 2;
    const batched = greedyDecode(model, prompts, { maxNewTokens: 12, eosId: eos });
    const single = prompts.map((p) => naiveGreedy(model, p, 12, eos));
    expect(batched).toEqual(single);
    expect(new Set(batched.map((g) => g.join(','))).size).toBeGreaterThan(1);
  });

  it('stops each row when its positions fill the context', () => {
    const prompts = [
      [1, 5],
      [1, 3, 4, 7, 8],
    ];
    const out = greedyDecode(model, prompts, { maxNewTokens: 20, eosId: -1 });
    // The last token is predicted from a full context of 10 positions.
    expect(out.map((g) => g.length)).toEqual([9, 6]);
    expect(out).toEqual(prompts.map((p) => naiveGreedy(model, p, 20, -1)));
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    greedyDecode(model, [[1, 2, 3]], { maxNewTokens: 5 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('sampleDecode', () => {
  let model: TinyGptModel;
  beforeAll(async () => {
    await initTfBackend({ log: () => {} });
    model = createTinyGptModel(config);
  });
  afterAll(() => model.dispose());

  it('is greedy at temperature 0 and reproducible from the Rng', () => {
    const prompts = [
      [1, 4],
      [1, 2, 3],
    ];
    expect(sampleDecode(model, prompts, { rng: createRng(0), temperature: 0, maxNewTokens: 4 })).toEqual(
      greedyDecode(model, prompts, { maxNewTokens: 4 }),
    );
    const a = sampleDecode(model, prompts, { rng: createRng(7), maxNewTokens: 6, eosId: -1 });
    const b = sampleDecode(model, prompts, { rng: createRng(7), maxNewTokens: 6, eosId: -1 });
    expect(a).toEqual(b);
    expect(a.map((r) => r.length)).toEqual([6, 6]);
  });

  it('draws only among the top k tokens', () => {
    const prompt = [1, 4];
    const { logits } = model.forward([prompt]);
    const last = Array.from(logits.subarray(config.vocabSize, 2 * config.vocabSize));
    const top2 = last
      .map((x, i) => [x, i] as const)
      .sort((p, q) => q[0] - p[0])
      .slice(0, 2)
      .map(([, i]) => i);
    const rng = createRng(3);
    for (let r = 0; r < 30; r++) {
      const [first] = sampleDecode(model, [prompt], {
        rng,
        topK: 2,
        temperature: 5,
        maxNewTokens: 1,
        eosId: -1,
      });
      expect(top2).toContain(first![0]);
    }
  });
});
