import { createRng } from '@o1lab/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSftBatch } from './batch.js';
import { resolveTinyGptConfig } from './config.js';
import { type ForwardRow, OrtRuntime } from './ort-runtime.js';
import { tokenLogprob } from './sampling.js';
import { initTfBackend } from './tf-backend.js';
import { createTinyGptModel } from './tf-model.js';
import { CharTokenizer } from './tokenizer.js';
import { createTrainer } from './trainer.js';
import { initTinyGptWeights, type TinyGptWeights } from './weights.js';

// The contract between trainer and runtime: for the same weights, tfjs and ONNX Runtime logits
// agree to 1e-4 (max abs) at every real position, whatever the caching and batching.
const TOLERANCE = 1e-4;
const TRAIN_STEPS = 200;
const tokenizer = new CharTokenizer('0123456789+=');
const config = resolveTinyGptConfig({
  vocabSize: tokenizer.vocabSize,
  dModel: 64,
  nHead: 4,
  nLayer: 2,
  context: 32,
  valueHead: true,
  seed: 3,
});

const weightSets: [string, TinyGptWeights][] = [];
let trainedLoss: { first: number; last: number } = { first: 0, last: 0 };

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
  const random = initTinyGptWeights(config);
  const model = createTinyGptModel(config, random);
  const trainer = createTrainer(model, {
    learningRate: 3e-3,
    warmupSteps: 20,
    totalSteps: TRAIN_STEPS,
    batchSize: 32,
    seed: 1,
  });
  const rng = createRng(5);
  const losses: number[] = [];
  for (let step = 0; step < TRAIN_STEPS; step++) {
    const pairs = Array.from({ length: 32 }, () => {
      const a = rng.int(50);
      const b = rng.int(50);
      return { prompt: `${a}+${b}=`, completion: String(a + b) };
    });
    losses.push(trainer.step(buildSftBatch(tokenizer, pairs, { context: config.context })).loss);
  }
  trainedLoss = { first: losses[0]!, last: losses.slice(-10).reduce((s, x) => s + x, 0) / 10 };
  weightSets.push(['random', random], ['trained', model.getWeights()]);
  trainer.dispose();
  model.dispose();
}, 180_000);

function sequences(seed: number): number[][] {
  const rng = createRng(seed);
  return [3, 17, 32, 9, 1, 24].map((length) =>
    Array.from({ length }, (_, i) => (i === 0 ? tokenizer.bosId : 3 + rng.int(config.vocabSize - 3))),
  );
}

/** tfjs logits of each sequence, in one left-padded batch or one by one: [T, V] each. */
function tfLogits(weights: TinyGptWeights, seqs: readonly number[][], batched: boolean): Float32Array[] {
  const model = createTinyGptModel(config, weights);
  const V = config.vocabSize;
  try {
    if (!batched) return seqs.map((s) => model.forward([s]).logits);
    const T = Math.max(...seqs.map((s) => s.length));
    const ids = seqs.map((s) => [...new Array<number>(T - s.length).fill(tokenizer.padId), ...s]);
    const mask = seqs.map((s) => [...new Array<number>(T - s.length).fill(0), ...s.map(() => 1)]);
    const { logits } = model.forward(ids, { attentionMask: mask });
    return seqs.map((s, b) => logits.slice((b * T + T - s.length) * V, (b + 1) * T * V));
  } finally {
    model.dispose();
  }
}

function maxDiff(a: Float32Array, aFrom: number, b: Float32Array, bFrom: number, n: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(a[aFrom + i]! - b[bFrom + i]!));
  return max;
}

describe('tfjs and ONNX Runtime logits', () => {
  it('the trained weights did train (so they are not just the initialisation)', () => {
    expect(trainedLoss.last).toBeLessThan(0.6 * trainedLoss.first);
  });

  it.each([0, 1])('agree without caches, batched left-padded and one by one (weights %i)', async (w) => {
    const [, weights] = weightSets[w]!;
    const seqs = sequences(10 + w);
    const V = config.vocabSize;
    const runtime = await OrtRuntime.fromWeights(config, weights, { prefixCacheBytes: 0 });
    const ortBatched = (await runtime.forward(seqs)).rows;
    const ortSingle: ForwardRow[] = [];
    for (const s of seqs) ortSingle.push((await runtime.forward([s])).rows[0]!);
    let worst = 0;
    for (const tf of [tfLogits(weights, seqs, true), tfLogits(weights, seqs, false)]) {
      seqs.forEach((s, i) => {
        const n = s.length * V;
        worst = Math.max(worst, maxDiff(tf[i]!, 0, ortBatched[i]!.logits, 0, n));
        worst = Math.max(worst, maxDiff(tf[i]!, 0, ortSingle[i]!.logits, 0, n));
      });
    }
    expect(worst).toBeLessThan(TOLERANCE);
    await runtime.dispose();
  });

  it.each([0, 1])('agree with prefix-cache hits and KV-cache decoding (weights %i)', async (w) => {
    const [, weights] = weightSets[w]!;
    const seqs = sequences(20 + w);
    const V = config.vocabSize;
    const tf = tfLogits(weights, seqs, false);
    const runtime = await OrtRuntime.fromWeights(config, weights);
    // Cache a prefix of each sequence, then read the whole batch: cached lengths differ per row.
    await runtime.forward(seqs.map((s) => s.slice(0, Math.max(1, s.length >> 1))));
    const { rows, stats } = await runtime.forward(seqs);
    expect(stats.cachedPrefillTokens).toBeGreaterThan(0);
    let worst = 0;
    seqs.forEach((s, i) => {
      const c = rows[i]!.cachedLength;
      worst = Math.max(worst, maxDiff(tf[i]!, c * V, rows[i]!.logits, 0, (s.length - c) * V));
    });
    // Decode: greedy continuation of each sequence, one token per step from the KV cache; the
    // reported log-probabilities must match tfjs on the full text.
    const prompts = seqs.filter((s) => s.length <= 24);
    const { sequences: out } = await runtime.generate(prompts, {
      maxTokens: 8,
      temperature: 0,
      rngs: prompts.map(() => createRng(0)),
    });
    const full = prompts.map((p, i) => [...p, ...out[i]!.tokenIds]);
    const tfFull = tfLogits(weights, full, true);
    prompts.forEach((p, i) => {
      out[i]!.tokenIds.forEach((token, j) => {
        const expected = tokenLogprob(tfFull[i]!, (p.length - 1 + j) * V, V, token);
        worst = Math.max(worst, Math.abs(out[i]!.tokenLogprobs[j]! - expected));
      });
    });
    expect(worst).toBeLessThan(TOLERANCE);
    await runtime.dispose();
  });
});
