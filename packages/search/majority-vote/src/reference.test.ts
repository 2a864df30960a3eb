import { readReferenceJson, referenceMajorityVote, type SearchSelectionCases } from '@o1lab/reference';
import { contextOf, createTablePolicy, createToyEnvironment } from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { majorityVote } from './majority-vote.js';

describe('majority vote against the scalar oracle in reference/', () => {
  it('returns the oracle winner of its own samples on toy MDPs', async () => {
    for (let seed = 0; seed < 20; seed++) {
      const env = createToyEnvironment({ seed, depth: 2, branching: 3, numAnswers: 2, reward: 'none' });
      const r = await majorityVote(env.problem, contextOf(env), { config: { n: 9, maxTokens: 32, seed } });
      expect(r.answer).toBe(referenceMajorityVote(r.candidates.map((c) => c.answer)));
    }
  });

  it('reproduces the hand-computed votes when the policy writes exactly those answers', async () => {
    const cases = readReferenceJson<SearchSelectionCases>('search-selection.json');
    for (const c of cases.majorityVote) {
      // A policy whose i-th sample is the i-th answer: one deterministic step per sample index.
      let i = 0;
      const task = {
        name: 'fixed',
        stepDelimiter: '\n',
        generate: () => problem,
        prompt: () => 'q\n',
        parseAnswer: (t: string) => (t === 'none' ? null : t),
        verify: () => ({ correct: false, answer: null }),
      };
      const problem = { id: 'fixed', task: 'fixed', question: 'q', data: null };
      const policy = createTablePolicy({
        distribution: (s) =>
          s.steps.length > 0 ? [] : [{ text: c.answers[i++ % c.answers.length] ?? 'none', p: 1, end: true }],
        stepDelimiter: '\n',
      });
      const r = await majorityVote(problem, { policy, task }, { config: { n: c.answers.length } });
      expect(r.answer).toBe(c.winner);
    }
  });
});
