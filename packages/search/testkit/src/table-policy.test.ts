import { appendStep, type State } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { createTablePolicy, EOS_TOKEN_ID, type TableStep } from './table-policy.js';

const problem = { id: 'p', task: 't', question: 'q', data: null };
const root: State = { problem, prompt: 'Q:', steps: [] };
// Two steps share the first character, so per-token log-probabilities must be marginalised.
const table: TableStep[] = [
  { text: 'ab', p: 0.5 },
  { text: 'ac', p: 0.3 },
  { text: 'd = 1', p: 0.2, end: true },
];
const distribution = (state: State): TableStep[] => (state.steps.length < 2 ? table : []);
const policy = () => createTablePolicy({ distribution, stepDelimiter: '\n' });
const stepOptions = { n: 200, maxTokens: 16, stepDelimiter: '\n', seed: 3 };

describe('createTablePolicy', () => {
  it('samples steps with frequencies close to the table and stops at the delimiter', async () => {
    const [samples] = await policy().sampleSteps([root], stepOptions);
    const counts = new Map<string, number>();
    for (const s of samples!) counts.set(s.text, (counts.get(s.text) ?? 0) + 1);
    expect((counts.get('ab') ?? 0) / 200).toBeCloseTo(0.5, 1);
    expect((counts.get('d = 1') ?? 0) / 200).toBeCloseTo(0.2, 1);
    const ab = samples!.find((s) => s.text === 'ab')!;
    expect(ab.finishReason).toBe('stop');
    expect(ab.stop).toBe('\n');
    expect(ab.tokenIds).toEqual([97, 98, 10]);
    const end = samples!.find((s) => s.text === 'd = 1')!;
    expect(end.finishReason).toBe('eos');
    expect(end.tokenIds.at(-1)).toBe(EOS_TOKEN_ID);
  });

  it('reports per-token log-probabilities that sum to the log-probability of the step', async () => {
    const [samples] = await policy().sampleSteps([root], stepOptions);
    for (const s of samples!) {
      const sum = s.tokenLogprobs.reduce((a, b) => a + b, 0);
      const p = table.find((t) => t.text === s.text)!.p;
      expect(sum).toBeCloseTo(Math.log(p), 12);
      expect(s.tokenLogprobs).toHaveLength(s.tokenIds.length);
    }
    const ab = samples!.find((s) => s.text === 'ab')!;
    expect(ab.tokenLogprobs[0]).toBeCloseTo(Math.log(0.8), 12);
    expect(ab.tokenLogprobs[1]).toBeCloseTo(Math.log(0.5 / 0.8), 12);
  });

  it('is deterministic given the call seed, and differs across seeds', async () => {
    const a = await policy().sampleSteps([root, root], stepOptions);
    const b = await policy().sampleSteps([root, root], stepOptions);
    const c = await policy().sampleSteps([root, root], { ...stepOptions, seed: 4 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('picks the most probable step at temperature 0 and truncates at maxTokens', async () => {
    const [greedy] = await policy().sampleSteps([root], { ...stepOptions, n: 5, temperature: 0 });
    expect(greedy!.map((s) => s.text)).toEqual(['ab', 'ab', 'ab', 'ab', 'ab']);
    const [short] = await policy().sampleSteps([root], {
      ...stepOptions,
      n: 1,
      temperature: 0,
      maxTokens: 1,
    });
    expect(short![0]).toMatchObject({ text: 'a', finishReason: 'length', tokenIds: [97] });
  });

  it('counts calls, samples, generated tokens, flops and prefix-cached prefill in its meter', async () => {
    const p = policy();
    const [samples] = await p.sampleSteps([root], { ...stepOptions, n: 3 });
    const generated = samples!.reduce((s, x) => s + x.tokenIds.length, 0);
    expect(p.meter.snapshot()).toMatchObject({
      policyCalls: 1,
      samples: 3,
      prefillTokens: 2, // 'Q:' once for the 3 samples
      cachedPrefillTokens: 0,
      generatedTokens: generated,
      flops: 2000 * (2 + generated),
    });
    // A child of a sampled step was written by the policy itself: its whole prompt is cached.
    const first = samples!.find((s) => s.finishReason === 'stop')!;
    const child = appendStep(root, { text: first.text });
    await p.sampleSteps([child], { ...stepOptions, n: 1 });
    const after = p.meter.snapshot();
    expect(after.policyCalls).toBe(2);
    expect(after.prefillTokens).toBe(2);
    expect(after.cachedPrefillTokens).toBe(2 + first.text.length + 1);
    const cold = createTablePolicy({ distribution, stepDelimiter: '\n', prefixCache: false });
    await cold.sampleSteps([child, child], { ...stepOptions, n: 1 });
    expect(cold.meter.snapshot()).toMatchObject({
      prefillTokens: 2 * (3 + first.text.length),
      cachedPrefillTokens: 0,
    });
  });

  it('samples whole completions step by step until end of sequence', async () => {
    const p = policy();
    const [samples] = await p.sampleCompletions([root], { n: 50, maxTokens: 64, seed: 1 });
    for (const s of samples!) {
      const steps = s.text.split('\n');
      expect(steps.length).toBeLessThanOrEqual(3);
      expect(s.finishReason).toBe('eos');
      const sum = s.tokenLogprobs.reduce((a, b) => a + b, 0);
      const expected = steps.reduce(
        (acc, t, i) => acc + (i < 2 ? Math.log(table.find((x) => x.text === t)?.p ?? 1) : 0),
        0,
      );
      expect(sum).toBeCloseTo(expected, 10);
    }
    expect(p.meter.snapshot().samples).toBe(50);
    const [cut] = await p.sampleCompletions([root], { n: 1, maxTokens: 2, seed: 1, temperature: 0 });
    expect(cut![0]).toMatchObject({ text: 'ab', finishReason: 'length' });
  });
});
