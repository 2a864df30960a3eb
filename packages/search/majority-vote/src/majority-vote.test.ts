import type { State } from '@o1lab/core';
import {
  contextOf,
  createTablePolicy,
  createToyEnvironment,
  expectGolden,
  goldenOf,
  runSearcherConformance,
} from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { resolveMajorityVoteConfig } from './config.js';
import { majorityVote, majorityVoteSearcher } from './majority-vote.js';

runSearcherConformance(() => majorityVoteSearcher, {
  config: { n: 8, maxTokens: 32 },
  reward: 'none',
  // With pCorrect 0.8 the correct answer has probability 0.512, far above any wrong answer.
  optimal: { mdp: { pCorrect: 0.8 }, config: { n: 40 }, reward: 'none' },
});

const stepDelimiter = '\n';
const task = {
  name: 'votes',
  stepDelimiter,
  generate: () => problem,
  prompt: () => 'q\n',
  parseAnswer: (text: string) => {
    const m = /=\s*0*(\d+)$/.exec(text);
    return m ? m[1]! : null;
  },
  verify: () => ({ correct: false, answer: null }),
};
const problem = { id: 'votes', task: 'votes', question: 'q', data: null };
const contextFor = (table: { text: string; p: number; end: boolean }[]) => ({
  policy: createTablePolicy({
    distribution: (s: State) => (s.steps.length === 0 ? table : []),
    stepDelimiter,
  }),
  task,
});

describe('majorityVote', () => {
  it('counts answers after the task normalises them and returns the most frequent', async () => {
    // '= 07' and '= 7' are the same answer; together they outvote '= 3', the most likely single path.
    const ctx = contextFor([
      { text: 'a = 07', p: 0.3, end: true },
      { text: 'b = 7', p: 0.3, end: true },
      { text: 'c = 3', p: 0.4, end: true },
    ]);
    const result = await majorityVote(problem, ctx, { config: { n: 200, seed: 2, temperature: 1 } });
    expect(result.answer).toBe('7');
    const votes = result.tree!.votes;
    expect(votes.reduce((a, v) => a + v.count, 0)).toBe(200);
    const sevens = votes.find((v) => v.answer === '7')!.count;
    expect(sevens).toBeGreaterThan(votes.find((v) => v.answer === '3')!.count);
    expect(result.candidates.find((c) => c.answer === '7')!.score).toBeCloseTo(sevens / 200, 12);
    expect(result.steps).toEqual(result.candidates[result.tree!.chosen]!.steps);
  });

  it("votes with the task's voteKey where it has one: the most frequent solution wins even when every answer is the same", async () => {
    // Every path answers 7; the task keys a path by its first letter, so 'b' (0.4) outvotes 'a' and 'c'.
    const keyed = { ...task, voteKey: (text: string) => (task.parseAnswer(text) === null ? null : text[0]!) };
    const ctx = {
      ...contextFor([
        { text: 'a = 7', p: 0.3, end: true },
        { text: 'b = 7', p: 0.4, end: true },
        { text: 'c = 7', p: 0.3, end: true },
      ]),
      task: keyed,
    };
    const result = await majorityVote(problem, ctx, { config: { n: 200, seed: 3, temperature: 1 } });
    expect(result.answer).toBe('7');
    expect(result.steps).toEqual(['b = 7']);
    const votes = result.tree!.votes;
    expect(votes.map((v) => v.key).sort()).toEqual(['a', 'b', 'c']);
    expect(votes.every((v) => v.answer === '7')).toBe(true);
    const top = votes.find((v) => v.key === 'b')!.count;
    expect(top).toBeGreaterThan(Math.max(...votes.filter((v) => v.key !== 'b').map((v) => v.count)));
  });

  it('breaks ties in favour of the answer seen first, and ignores paths without an answer', async () => {
    const ctx = contextFor([
      { text: 'a = 1', p: 0.25, end: true },
      { text: 'b = 2', p: 0.25, end: true },
      { text: 'no answer', p: 0.5, end: true },
    ]);
    for (let seed = 0; seed < 30; seed++) {
      const result = await majorityVote(problem, ctx, { config: { n: 4, seed } });
      const votes = result.tree!.votes;
      const top = Math.max(...votes.map((v) => v.count));
      const first = votes.filter((v) => v.count === top).sort((a, b) => a.firstIndex - b.firstIndex)[0];
      expect(result.answer).toBe(first?.answer ?? null);
      expect(result.tree!.samples.filter((s) => s.answer !== null)).toHaveLength(
        votes.reduce((a, v) => a + v.count, 0),
      );
    }
  });

  it('draws all paths in one policy call and uses no reward model', async () => {
    const env = createToyEnvironment({ reward: 'value' });
    const result = await majorityVote(env.problem, contextOf(env), { config: { n: 12, maxTokens: 32 } });
    expect(result.compute).toMatchObject({ policyCalls: 1, samples: 12, rewardCalls: 0 });
    expect(env.reward!.meter.snapshot().rewardCalls).toBe(0);
  });

  it('is more often right than one sample when the policy favours the correct answer', async () => {
    let votes = 0;
    let single = 0;
    for (let seed = 0; seed < 20; seed++) {
      const run = async (n: number) => {
        const env = createToyEnvironment({ seed, pCorrect: 0.75, reward: 'none' });
        const r = await majorityVote(env.problem, contextOf(env), { config: { n, seed, maxTokens: 32 } });
        return r.answer === env.answer ? 1 : 0;
      };
      votes += await run(25);
      single += await run(1);
    }
    expect(votes).toBeGreaterThan(single + 5);
  });

  it('names the option that is wrong', () => {
    expect(() => resolveMajorityVoteConfig({ n: 0 })).toThrow('`n` must be >= 1, got 0');
    expect(() => resolveMajorityVoteConfig({ temperature: -1 })).toThrow(
      '`temperature` must be >= 0, got -1',
    );
  });

  it('matches its golden run on the toy MDP', async () => {
    const env = createToyEnvironment({ seed: 6, depth: 2, branching: 3, numAnswers: 2, reward: 'none' });
    const result = await majorityVote(env.problem, contextOf(env), {
      config: { n: 8, maxTokens: 32, seed: 4 },
    });
    expectGolden(new URL('./__golden__/majority-vote-toy.json', import.meta.url), goldenOf(result));
  });
});
