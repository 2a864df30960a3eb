import { appendStep, createRng, type Problem, renderState, type State } from '@o1lab/core';
import { afterAll, describe, expect, it } from 'vitest';
import { flopsPerToken, resolveTinyGptConfig } from './config.js';
import { OrtPolicy } from './ort-policy.js';
import { OrtRuntime } from './ort-runtime.js';
import { CharTokenizer } from './tokenizer.js';
import { initTinyGptWeights } from './weights.js';

const tokenizer = new CharTokenizer('0123456789+-*=;\n abc');
const config = resolveTinyGptConfig({ vocabSize: tokenizer.vocabSize, seed: 2 });
// Larger-than-init weights give peaked, varied next-token distributions.
const rng = createRng(9);
const weights = new Map(
  [...initTinyGptWeights(config)].map(([name, w]) => [
    name,
    w.map((v) => v + rng.normal(0, name.endsWith('.g') ? 0.2 : 0.3)),
  ]),
);
const runtime = await OrtRuntime.fromWeights(config, weights);
afterAll(() => runtime.dispose());

const problem: Problem = { id: 'p1', task: 'toy', question: '12+7', data: null };
const root: State = { problem, prompt: '12+7=', steps: [] };

describe('OrtPolicy', () => {
  it('samples n steps per state, each ending at the step delimiter, and meters the call', async () => {
    const policy = new OrtPolicy(runtime, tokenizer);
    const states = [root, appendStep(root, { text: '1+2=3' })];
    const samples = await policy.sampleSteps(states, { n: 3, maxTokens: 12, stepDelimiter: ';', seed: 5 });
    expect(samples.map((s) => s.length)).toEqual([3, 3]);
    const all = samples.flat();
    for (const s of all) {
      expect(s.text.includes(';')).toBe(false);
      expect(s.tokenLogprobs.length).toBe(s.tokenIds.length);
      if (s.finishReason === 'stop') expect(s.stop).toBe(';');
      if (s.finishReason === 'length') expect(s.tokenIds.length).toBe(12);
    }
    const m = policy.meter.snapshot();
    expect(m.policyCalls).toBe(1);
    expect(m.samples).toBe(6);
    expect(m.generatedTokens).toBe(all.reduce((n, s) => n + s.tokenIds.length, 0));
    // Two distinct prompts: BOS + '12+7=' and BOS + '12+7=1+2=3;', the second sharing the first's 6 tokens.
    expect(m.prefillTokens + m.cachedPrefillTokens).toBe(6 + 12);
    expect(m.flops).toBeGreaterThan(m.prefillTokens * flopsPerToken(config, 1));
    expect(policy.flopsPerToken).toBe(flopsPerToken(config));
  });

  it('is deterministic for a seed and independent of the other states in the call', async () => {
    const a = new OrtPolicy(runtime, tokenizer);
    const b = new OrtPolicy(runtime, tokenizer);
    const other = appendStep(root, { text: '3' });
    const options = { n: 4, maxTokens: 10, stepDelimiter: ';', seed: 77 };
    const first = await a.sampleSteps([root, other], options);
    const second = await b.sampleSteps([root, other], options);
    expect(second.map((s) => s.map((x) => x.tokenIds))).toEqual(first.map((s) => s.map((x) => x.tokenIds)));
    const different = await a.sampleSteps([root, other], { ...options, seed: 78 });
    expect(different.map((s) => s.map((x) => x.text))).not.toEqual(first.map((s) => s.map((x) => x.text)));
  });

  it('logprobs of a sampled step equal the log-probabilities reported while sampling', async () => {
    const policy = new OrtPolicy(runtime, tokenizer, { stepDelimiter: ';' });
    const sample = (await policy.sampleCompletions([root], { maxTokens: 15, seed: 3, stop: [';'] }))[0]![0]!;
    // An end-of-sequence token has no text; the continuation is the text of the other tokens.
    const continuation = tokenizer.decode(sample.tokenIds);
    const logprobs = await policy.logprobs(root, continuation);
    const textTokens = sample.finishReason === 'eos' ? sample.tokenIds.length - 1 : sample.tokenIds.length;
    expect(logprobs.length).toBe(textTokens);
    logprobs.forEach((lp, i) => {
      expect(Math.abs(lp - sample.tokenLogprobs[i]!)).toBeLessThan(1e-4);
    });
    expect(policy.meter.snapshot().policyCalls).toBe(2);
  });

  it('serves 16 children of one 48-token parent from the parent prefill', async () => {
    const fresh = await OrtRuntime.fromWeights(config, weights);
    const policy = new OrtPolicy(fresh, tokenizer);
    const parent: State = { problem, prompt: '12+7=19;3*4=12;5+5=10;9-2=7;8*8=64;1+1=2;6-3=3;', steps: [] };
    const parentPrompt = 1 + renderState(parent, ';').length;
    expect(parentPrompt).toBe(48);
    const [steps] = await policy.sampleSteps([parent], { n: 16, maxTokens: 6, stepDelimiter: ';', seed: 1 });
    const before = policy.meter.snapshot();
    expect(before.prefillTokens).toBe(48);
    const children = steps!.map((s, i) => appendStep(parent, { text: `${i % 10}${s.text}` }));
    await policy.sampleSteps(children, { maxTokens: 4, stepDelimiter: ';', seed: 2 });
    const after = policy.meter.snapshot();
    expect(after.cachedPrefillTokens - before.cachedPrefillTokens).toBeGreaterThanOrEqual(16 * 48);
    await fresh.dispose();
  });

  it('gives a state that already fills the context empty length-limited samples, and samples the others as if it were any other state', async () => {
    const policy = new OrtPolicy(runtime, tokenizer);
    const long = appendStep(root, { text: '1'.repeat(runtime.positionLimit()) });
    // The same call shape with a short first state: the second state's samples depend only on its place.
    const [, second] = await policy.sampleSteps([appendStep(root, { text: '1' }), root], {
      n: 2,
      maxTokens: 6,
      stepDelimiter: ';',
      seed: 3,
    });
    const [full, mixed] = await policy.sampleSteps([long, root], {
      n: 2,
      maxTokens: 6,
      stepDelimiter: ';',
      seed: 3,
    });
    expect(full!.map((s) => [s.text, s.finishReason, s.tokenIds.length])).toEqual([
      ['', 'length', 0],
      ['', 'length', 0],
    ]);
    expect(mixed!.map((s) => s.text)).toEqual(second!.map((s) => s.text));
    const [onlyFull] = await policy.sampleSteps([long], { n: 1, maxTokens: 6, stepDelimiter: ';', seed: 3 });
    expect(onlyFull![0]!.finishReason).toBe('length');
  });

  it('names the option at fault', async () => {
    const policy = new OrtPolicy(runtime, tokenizer);
    await expect(policy.sampleCompletions([root], { maxTokens: 0 })).rejects.toThrow(/maxTokens/);
    await expect(policy.sampleCompletions([root], { maxTokens: 3, n: 0 })).rejects.toThrow(/`n`/);
    expect(() => new OrtPolicy(runtime, tokenizer, { stepDelimiter: '' })).toThrow(/stepDelimiter/);
  });
});
