import { appendStep, initialState, type State } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { createTinyOrtPolicy, tinyWalkProblems, tinyWalkTask } from './tiny-ort.js';

describe('createTinyOrtPolicy', () => {
  it('continues children from the prefix cache with the same tokens and log-probabilities as without it', async () => {
    const warm = await createTinyOrtPolicy();
    const cold = await createTinyOrtPolicy({ runtime: { prefixCacheBytes: 0 } });
    try {
      const root = initialState(tinyWalkTask, tinyWalkProblems(1)[0]!) as State;
      const options = { n: 4, maxTokens: 12, stepDelimiter: '\n', seed: 3 };
      const [first = []] = await warm.policy.sampleSteps([root], options);
      // Each child is its parent plus one generated step and the delimiter: cached up to its last
      // token or two, so its prefill reads the parent's keys and values from the cache.
      const children = first.map((s) => appendStep(root, { text: s.text }));
      const a = await warm.policy.sampleSteps(children, { ...options, seed: 4 });
      const b = await cold.policy.sampleSteps(children, { ...options, seed: 4 });
      expect(warm.policy.meter.snapshot().cachedPrefillTokens).toBeGreaterThan(0);
      expect(a.map((s) => s.map((x) => x.tokenIds))).toEqual(b.map((s) => s.map((x) => x.tokenIds)));
      const la = a.flat().flatMap((x) => x.tokenLogprobs);
      const lb = b.flat().flatMap((x) => x.tokenLogprobs);
      for (const [i, v] of la.entries()) expect(v).toBeCloseTo(lb[i]!, 4);
    } finally {
      await warm.runtime.dispose();
      await cold.runtime.dispose();
    }
  });
});
