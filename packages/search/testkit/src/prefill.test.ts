import { ComputeMeter, type Policy, type State } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { countUniqueTokens, recordPrompts } from './prefill.js';

describe('countUniqueTokens', () => {
  it('counts the nodes of the trie of the sequences', () => {
    expect(countUniqueTokens([])).toBe(0);
    expect(countUniqueTokens([[1, 2, 3]])).toBe(3);
    // [1, 2] is shared; 3, 4 and 5 hang off it; [2] starts a second branch.
    expect(countUniqueTokens([[1, 2, 3], [1, 2, 4], [1, 2, 3], [1, 2, 4, 5], [2]])).toBe(6);
  });
});

describe('recordPrompts', () => {
  it('records every state with the delimiter of its call and passes the call through', async () => {
    const problem = { id: 'p', task: 't', question: 'q', data: null };
    const a: State = { problem, prompt: 'a', steps: [] };
    const b: State = { problem, prompt: 'b', steps: [] };
    const meter = new ComputeMeter();
    const inner: Policy = {
      name: 'inner',
      meter,
      sampleSteps: async (states) => states.map(() => []),
      sampleCompletions: async (states) => states.map(() => []),
    };
    const { policy, prompts } = recordPrompts(inner);
    expect(policy.meter).toBe(meter);
    expect(await policy.sampleSteps([a, b], { maxTokens: 4, stepDelimiter: ';' })).toEqual([[], []]);
    await policy.sampleCompletions([b], { maxTokens: 4 });
    expect(prompts).toEqual([
      { state: a, stepDelimiter: ';' },
      { state: b, stepDelimiter: ';' },
      { state: b, stepDelimiter: undefined },
    ]);
  });
});
