import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@o1lab/core';
import { logSoftmaxRef, tinyGptForwardRef } from '@o1lab/reference';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { resolveTinyGptConfig } from './config.js';
import { writeTinyGptOnnx } from './onnx-export.js';
import { type GeneratedSequence, OrtRuntime } from './ort-runtime.js';
import { initTinyGptWeights, type TinyGptWeights } from './weights.js';

const config = resolveTinyGptConfig({ vocabSize: 32, valueHead: true, seed: 1 });
const random = initTinyGptWeights(config);
// Trained weights are far from the N(0, 0.02) start; larger, uneven weights exercise the same
// numerics (large logits, peaked attention) until a trained checkpoint is used.
const perturbed = perturb(random, 11);
const dir = mkdtempSync(join(tmpdir(), 'o1lab-ort-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function perturb(weights: TinyGptWeights, seed: number): TinyGptWeights {
  const rng = createRng(seed);
  const out = new Map<string, Float32Array>();
  for (const [name, w] of weights) {
    const scale = name.endsWith('.g') ? 0.3 : name.includes('wte') || name.includes('wpe') ? 1 : 0.15;
    out.set(
      name,
      w.map((v) => v + rng.normal(0, scale)),
    );
  }
  return out;
}

function sequence(seed: number, length: number, vocab = config.vocabSize): number[] {
  const rng = createRng(seed);
  return Array.from({ length }, (_, i) => (i === 0 ? 1 : rng.int(vocab)));
}

function maxAbsDiff(actual: Float32Array, offset: number, expected: readonly number[]): number {
  let max = 0;
  expected.forEach((e, i) => {
    max = Math.max(max, Math.abs(actual[offset + i]! - e));
  });
  return max;
}

describe.each([
  ['random', random],
  ['perturbed', perturbed],
])('OrtRuntime logits vs the float64 oracle (%s weights)', (_, weights) => {
  const V = config.vocabSize;

  it('agree to 1e-4 at every position for batched, left-padded sequences of different lengths', async () => {
    const runtime = await OrtRuntime.fromWeights(config, weights, { prefixCacheBytes: 0 });
    const sequences = [sequence(1, 23), sequence(2, 5), sequence(3, 64), sequence(4, 1)];
    const { rows, stats } = await runtime.forward(sequences);
    expect(stats.executionProvider).toBe('cpu');
    expect(stats.prefillTokens).toBe(23 + 5 + 64 + 1);
    let worst = 0;
    sequences.forEach((s, i) => {
      const ref = tinyGptForwardRef(config, weights, s);
      expect(rows[i]!.cachedLength).toBe(0);
      ref.logits.forEach((row, t) => {
        worst = Math.max(worst, maxAbsDiff(rows[i]!.logits, t * V, row));
      });
      worst = Math.max(worst, maxAbsDiff(rows[i]!.values!, 0, ref.values!));
    });
    expect(worst).toBeLessThan(1e-4);
    await runtime.dispose();
    // A second dispose (a cleanup path after an error) is a no-op, not an ONNX Runtime error.
    await expect(runtime.dispose()).resolves.toBeUndefined();
  });

  it('agree to 1e-4 when decoding one token at a time from the KV cache', async () => {
    const runtime = await OrtRuntime.fromWeights(config, weights);
    const s = sequence(5, 40);
    const ref = tinyGptForwardRef(config, weights, s);
    await runtime.forward([s.slice(0, 8)]);
    let worst = 0;
    for (let t = 9; t <= s.length; t++) {
      const { rows, stats } = await runtime.forward([s.slice(0, t)]);
      expect(rows[0]!.cachedLength).toBe(t - 1);
      expect(stats.prefillTokens).toBe(1);
      expect(stats.cachedPrefillTokens).toBe(t - 1);
      worst = Math.max(worst, maxAbsDiff(rows[0]!.logits, 0, ref.logits[t - 1]!));
    }
    expect(worst).toBeLessThan(1e-4);
    await runtime.dispose();
  });

  it('agree to 1e-4 with prefix-cache hits of different lengths in one batch', async () => {
    const runtime = await OrtRuntime.fromWeights(config, weights);
    const a = sequence(6, 30);
    const b = sequence(7, 20);
    await runtime.forward([a.slice(0, 17), b.slice(0, 3)]);
    const c = sequence(8, 12);
    const { rows } = await runtime.forward([a, b, c]);
    // c shares only the BOS token with the cached sequences.
    expect(rows.map((r) => r.cachedLength)).toEqual([17, 3, 1]);
    let worst = 0;
    [a, b, c].forEach((s, i) => {
      const ref = tinyGptForwardRef(config, weights, s);
      const row = rows[i]!;
      for (let t = row.cachedLength; t < s.length; t++) {
        worst = Math.max(worst, maxAbsDiff(row.logits, (t - row.cachedLength) * V, ref.logits[t]!));
      }
    });
    expect(worst).toBeLessThan(1e-4);
    await runtime.dispose();
  });

  it('generate reports the model log-probabilities of the decoded tokens (batched vs one by one)', async () => {
    const runtime = await OrtRuntime.fromWeights(config, weights, { prefixCacheBytes: 0 });
    const prompts = [sequence(9, 7), sequence(10, 2), sequence(9, 7), sequence(11, 15)];
    const rngs = () => prompts.map((_, i) => createRng(100 + i));
    const batched = await runtime.generate(prompts, { maxTokens: 20, rngs: rngs(), stopTokenIds: [2] });
    const single: GeneratedSequence[] = [];
    for (let i = 0; i < prompts.length; i++) {
      const r = await runtime.generate([prompts[i]!], {
        maxTokens: 20,
        rngs: [rngs()[i]!],
        stopTokenIds: [2],
      });
      single.push(r.sequences[0]!);
    }
    let worst = 0;
    batched.sequences.forEach((seq, i) => {
      expect(seq.tokenIds).toEqual(single[i]!.tokenIds);
      const all = [...prompts[i]!, ...seq.tokenIds];
      const ref = tinyGptForwardRef(config, weights, all.slice(0, -1));
      seq.tokenIds.forEach((token, j) => {
        const expected = logSoftmaxRef(ref.logits[prompts[i]!.length - 1 + j]!)[token]!;
        worst = Math.max(worst, Math.abs(seq.tokenLogprobs[j]! - expected));
        worst = Math.max(worst, Math.abs(single[i]!.tokenLogprobs[j]! - expected));
      });
    });
    expect(worst).toBeLessThan(1e-4);
    await runtime.dispose();
  });
});

describe('OrtRuntime.generate', () => {
  const tokenText = (id: number) => (id < 3 ? '' : String.fromCharCode(94 + id));

  it('is deterministic per row generator, whatever the batch around it', async () => {
    const runtime = await OrtRuntime.fromWeights(config, perturbed, { maxBatchSize: 3 });
    const prompts = [sequence(1, 4), sequence(2, 9), sequence(3, 2), sequence(4, 6), sequence(5, 3)];
    const options = { maxTokens: 12, topK: 8, topP: 0.9, temperature: 0.8 };
    const forward = await runtime.generate(prompts, {
      ...options,
      rngs: prompts.map((_, i) => createRng(7, i)),
    });
    const order = [4, 2, 0, 3, 1];
    const shuffled = await runtime.generate(
      order.map((i) => prompts[i]!),
      { ...options, rngs: order.map((i) => createRng(7, i)) },
    );
    order.forEach((i, j) => {
      expect(shuffled.sequences[j]!.tokenIds).toEqual(forward.sequences[i]!.tokenIds);
    });
    const again = await runtime.generate(prompts, {
      ...options,
      rngs: prompts.map((_, i) => createRng(7, i)),
    });
    // The second call reads prefixes from the cache; tokens are the same, logprobs equal to float error.
    again.sequences.forEach((s, i) => {
      expect(s.tokenIds).toEqual(forward.sequences[i]!.tokenIds);
      for (const [j, lp] of s.tokenLogprobs.entries()) {
        expect(lp).toBeCloseTo(forward.sequences[i]!.tokenLogprobs[j]!, 4);
      }
    });
    await runtime.dispose();
  });

  it('stops at stop strings, end of sequence, maxTokens and the position limit', async () => {
    const runtime = await OrtRuntime.fromWeights(config, perturbed);
    const prompts = Array.from({ length: 24 }, (_, i) => sequence(i, 3 + (i % 5)));
    const rngs = prompts.map((_, i) => createRng(3, i));
    const { sequences, stats } = await runtime.generate(prompts, {
      maxTokens: 30,
      rngs,
      stopTokenIds: [2],
      stopStrings: ['c', 'fg'],
      tokenText,
    });
    const reasons = new Set(sequences.map((s) => s.finishReason));
    expect(reasons.has('stop')).toBe(true);
    for (const s of sequences) {
      const full = s.tokenIds.map(tokenText).join('');
      if (s.finishReason === 'stop') {
        expect(full.startsWith(s.text + s.stop!)).toBe(true);
        expect(full.endsWith(s.stop!)).toBe(true);
        expect(s.text.includes('c')).toBe(false);
      } else if (s.finishReason === 'eos') {
        expect(s.tokenIds.at(-1)).toBe(2);
      } else {
        expect(s.tokenIds.length).toBe(30);
      }
      expect(s.tokenLogprobs.length).toBe(s.tokenIds.length);
    }
    expect(stats.generatedTokens).toBe(sequences.reduce((n, s) => n + s.tokenIds.length, 0));
    const long = await runtime.generate([sequence(1, 60)], { maxTokens: 30, rngs: [createRng(1)] });
    expect(long.sequences[0]!.finishReason).toBe('length');
    expect(long.sequences[0]!.tokenIds.length).toBe(config.context - 60 + 1);
    await runtime.dispose();
  });

  it('is greedy at temperature 0', async () => {
    const runtime = await OrtRuntime.fromWeights(config, perturbed);
    const prompt = sequence(12, 5);
    const { sequences } = await runtime.generate([prompt], {
      maxTokens: 6,
      temperature: 0,
      rngs: [createRng(0)],
    });
    const all = [...prompt, ...sequences[0]!.tokenIds];
    const ref = tinyGptForwardRef(config, perturbed, all);
    sequences[0]!.tokenIds.forEach((token, j) => {
      const row = ref.logits[prompt.length - 1 + j]!;
      expect(token).toBe(row.indexOf(Math.max(...row)));
    });
    await runtime.dispose();
  });
});

describe('OrtRuntime fast decode graph', () => {
  it('samples the same tokens with the same log-probabilities as the Optimum graph', async () => {
    const fast = await OrtRuntime.fromWeights(config, perturbed, { maxBatchSize: 16 });
    const optimum = await OrtRuntime.fromWeights(config, perturbed, { maxBatchSize: 16, fastDecode: false });
    expect(fast.fastDecode).toBe(true);
    expect(optimum.fastDecode).toBe(false);
    const prompts = Array.from({ length: 20 }, (_, i) => sequence(60 + i, 2 + (i % 9)));
    const options = {
      maxTokens: 24,
      stopTokenIds: [2],
      stopStrings: ['c', 'h'],
      tokenText: (id: number) => (id < 3 ? '' : String.fromCharCode(94 + id)),
    };
    const a = await fast.generate(prompts, { ...options, rngs: prompts.map((_, i) => createRng(8, i)) });
    const b = await optimum.generate(prompts, { ...options, rngs: prompts.map((_, i) => createRng(8, i)) });
    // Rows end at different steps, so finished rows leave the batch mid-way (compaction).
    expect(new Set(a.sequences.map((s) => s.tokenIds.length)).size).toBeGreaterThan(3);
    a.sequences.forEach((s, i) => {
      const o = b.sequences[i]!;
      expect(s.tokenIds).toEqual(o.tokenIds);
      expect(s.finishReason).toBe(o.finishReason);
      s.tokenLogprobs.forEach((lp, j) => {
        expect(Math.abs(lp - o.tokenLogprobs[j]!)).toBeLessThan(1e-4);
      });
    });
    expect(a.stats.flops).toBe(b.stats.flops);
    // Both cached the generated keys and values: a child of each finds the same prefix.
    const child = [...prompts[3]!, ...a.sequences[3]!.tokenIds];
    const fromFast = await fast.forward([child]);
    const fromOptimum = await optimum.forward([child]);
    expect(fromFast.rows[0]!.cachedLength).toBe(fromOptimum.rows[0]!.cachedLength);
    expect(maxAbsDiff(fromFast.rows[0]!.logits, 0, Array.from(fromOptimum.rows[0]!.logits))).toBeLessThan(
      1e-4,
    );
    await fast.dispose();
    await optimum.dispose();
  });

  it('grows its cache slots in steps to the full context with the same tokens and log-probabilities', async () => {
    const fast = await OrtRuntime.fromWeights(config, perturbed);
    const optimum = await OrtRuntime.fromWeights(config, perturbed, { fastDecode: false });
    // Prompts of 1 to 12 tokens continued to the last position: the cache crosses every bucket.
    const prompts = Array.from({ length: 12 }, (_, i) => sequence(90 + i, 1 + i));
    const maxTokens = config.context;
    const a = await fast.generate(prompts, { maxTokens, rngs: prompts.map((_, i) => createRng(3, i)) });
    const b = await optimum.generate(prompts, { maxTokens, rngs: prompts.map((_, i) => createRng(3, i)) });
    a.sequences.forEach((s, i) => {
      const o = b.sequences[i]!;
      expect(s.tokenIds.length).toBe(config.context - prompts[i]!.length + 1);
      expect(s.tokenIds).toEqual(o.tokenIds);
      s.tokenLogprobs.forEach((lp, j) => {
        expect(Math.abs(lp - o.tokenLogprobs[j]!)).toBeLessThan(1e-4);
      });
    });
    // The keys and values cached from the widened cache are those of the Optimum graph.
    const child = [...prompts[11]!, ...a.sequences[11]!.tokenIds.slice(0, 40)];
    const fromFast = await fast.forward([child]);
    const fromOptimum = await optimum.forward([child], { usePrefixCache: false });
    const n = fromFast.rows[0]!.logits.length;
    expect(fromFast.rows[0]!.cachedLength).toBe(child.length - 1);
    expect(
      maxAbsDiff(fromFast.rows[0]!.logits, 0, Array.from(fromOptimum.rows[0]!.logits.subarray(-n))),
    ).toBeLessThan(1e-4);
    await fast.dispose();
    await optimum.dispose();
  });

  it('is used for an ONNX file when the TinyGPT config is given, and not otherwise', async () => {
    const path = join(dir, 'tinygpt.onnx');
    await writeTinyGptOnnx(path, config, perturbed);
    const withModel = await OrtRuntime.fromFile(path, { model: config });
    const without = await OrtRuntime.fromFile(path);
    expect(withModel.fastDecode).toBe(true);
    expect(without.fastDecode).toBe(false);
    const prompt = [sequence(70, 6)];
    const x = await withModel.generate(prompt, { maxTokens: 10, rngs: [createRng(1)] });
    const y = await without.generate(prompt, { maxTokens: 10, rngs: [createRng(1)] });
    expect(x.sequences[0]!.tokenIds).toEqual(y.sequences[0]!.tokenIds);
    await withModel.dispose();
    await without.dispose();
  });
});

describe('OrtRuntime prefix cache', () => {
  it('computes a 48-token parent once for 16 children continued from it', async () => {
    const runtime = await OrtRuntime.fromWeights(config, random);
    const parent = sequence(21, 48);
    const children = Array.from({ length: 16 }, (_, i) => [...parent, ...sequence(200 + i, 4).slice(1)]);
    await runtime.generate([parent], { maxTokens: 1, rngs: [createRng(0)] });
    const { stats } = await runtime.generate(children, {
      maxTokens: 4,
      rngs: children.map((_, i) => createRng(i)),
    });
    expect(stats.cachedPrefillTokens).toBe(16 * 48);
    expect(stats.prefillTokens).toBe(16 * 3);

    const cold = await OrtRuntime.fromWeights(config, random, { prefixCacheBytes: 0 });
    const coldRun = await cold.generate([parent], { maxTokens: 1, rngs: [createRng(0)] });
    const coldStats = (
      await cold.generate(children, { maxTokens: 4, rngs: children.map((_, i) => createRng(i)) })
    ).stats;
    expect(coldRun.stats.prefillTokens + coldStats.prefillTokens).toBe(48 + 16 * 51);
    expect(coldStats.cachedPrefillTokens).toBe(0);
    await runtime.dispose();
    await cold.dispose();
  });

  it('serves a child from its parent generation (generated keys are cached too)', async () => {
    const runtime = await OrtRuntime.fromWeights(config, random);
    const prompt = sequence(30, 10);
    const first = await runtime.generate([prompt], { maxTokens: 8, rngs: [createRng(4)], temperature: 0 });
    const child = [...prompt, ...first.sequences[0]!.tokenIds];
    const { rows, stats } = await runtime.forward([child]);
    expect(rows[0]!.cachedLength).toBe(child.length - 1);
    expect(stats.prefillTokens).toBe(1);
    const ref = tinyGptForwardRef(config, random, child);
    expect(maxAbsDiff(rows[0]!.logits, 0, ref.logits.at(-1)!)).toBeLessThan(1e-4);
    await runtime.dispose();
  });

  it('stays within its byte bound, evicting least recently used prefixes', async () => {
    const bytesPerToken = 2 * config.nLayer * config.dModel * 4;
    const runtime = await OrtRuntime.fromWeights(config, random, { prefixCacheBytes: 50 * bytesPerToken });
    await runtime.forward([sequence(40, 30)]);
    await runtime.forward([sequence(41, 30)]);
    const stats = runtime.prefixCacheStats();
    expect(stats.bytes).toBeLessThanOrEqual(50 * bytesPerToken);
    expect(stats.evictedTokens).toBeGreaterThan(0);
    const again = await runtime.forward([sequence(41, 30)]);
    expect(again.rows[0]!.cachedLength).toBe(29);
    const old = await runtime.forward([sequence(40, 30)]);
    // Only the BOS token, shared with the recent sequence, is left of the evicted one.
    expect(old.rows[0]!.cachedLength).toBe(1);
    await runtime.dispose();
  });
});

describe('OrtRuntime sessions', () => {
  it('reads layers, heads and head width from the session, not from a config', async () => {
    const other = resolveTinyGptConfig({
      vocabSize: 20,
      nLayer: 3,
      nHead: 2,
      dModel: 16,
      tiedEmbeddings: false,
    });
    const weights = initTinyGptWeights(other);
    const path = join(dir, 'other.onnx');
    await writeTinyGptOnnx(path, other, weights);
    const runtime = await OrtRuntime.fromFile(path);
    expect(runtime.info).toMatchObject({
      numLayers: 3,
      numHeads: 2,
      headDim: 8,
      vocabSize: 20,
      hasValues: false,
    });
    const s = sequence(3, 9, 20);
    const { rows, stats } = await runtime.forward([s]);
    expect(stats.flops).toBe(0);
    const ref = tinyGptForwardRef(other, weights, s);
    expect(maxAbsDiff(rows[0]!.logits, 8 * 20, ref.logits[8]!)).toBeLessThan(1e-4);
    await runtime.dispose();
  });

  it('updateWeights swaps the model and clears the prefix cache', async () => {
    const runtime = await OrtRuntime.fromWeights(config, random);
    const s = sequence(50, 12);
    await runtime.forward([s]);
    expect(runtime.prefixCacheStats().numTokens).toBe(12);
    const cost = await runtime.updateWeights(perturbed);
    expect(cost.exportMs).toBeGreaterThan(0);
    expect(runtime.prefixCacheStats().numTokens).toBe(0);
    const { rows } = await runtime.forward([s]);
    const ref = tinyGptForwardRef(config, perturbed, s);
    expect(maxAbsDiff(rows[0]!.logits, 11 * config.vocabSize, ref.logits[11]!)).toBeLessThan(1e-4);
    await runtime.dispose();
  });

  it('falls back to CPU with a printed line when CUDA is asked for but absent', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const runtime = await OrtRuntime.fromWeights(config, random, { executionProvider: 'cuda' });
    if (runtime.executionProvider === 'cpu') {
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/CUDA execution provider not available.*running on CPU/),
      );
    }
    const { stats } = await runtime.forward([sequence(1, 3)]);
    expect(stats.executionProvider).toBe(runtime.executionProvider);
    warn.mockRestore();
    await runtime.dispose();
  });

  it('names the option at fault', async () => {
    await expect(OrtRuntime.fromWeights(config, random, { maxBatchSize: 0 })).rejects.toThrow(/maxBatchSize/);
  });
});
