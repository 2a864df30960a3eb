import { aggregateStepScores, createRng, type State, type Task } from '@o1lab/core';
import {
  contextOf,
  createCountdownSolverPolicy,
  createTablePolicy,
  createToyEnvironment,
  createValueRewardModel,
  createVerifierRewardModel,
  expectGolden,
  goldenOf,
  runSearcherConformance,
} from '@o1lab/search-testkit';
import { countdownTask } from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { bestOfN, bestOfNSearcher, splitSteps } from './best-of-n.js';
import { resolveBestOfNConfig } from './config.js';

runSearcherConformance(() => bestOfNSearcher, {
  config: { n: 8, maxTokens: 32 },
  optimal: { config: { n: 32 } },
});
runSearcherConformance(() => bestOfNSearcher, {
  name: 'weighted best-of-N by ORM conformance',
  config: { n: 8, maxTokens: 32, scoring: 'orm', selection: 'weighted' },
  reward: 'noisy',
  optimal: { config: { n: 32 }, reward: 'verifier' },
});

describe('aggregateStepScores', () => {
  it('reduces step scores by last, min, product and mean', () => {
    const s = [0.9, 0.5, 0.8];
    expect(aggregateStepScores(s, 'last')).toBe(0.8);
    expect(aggregateStepScores(s, 'min')).toBe(0.5);
    expect(aggregateStepScores(s, 'product')).toBeCloseTo(0.36, 12);
    expect(aggregateStepScores(s, 'mean')).toBeCloseTo(2.2 / 3, 12);
    expect(aggregateStepScores([], 'min', 0)).toBe(0);
  });
});

describe('resolveBestOfNConfig', () => {
  it('names the option that is wrong', () => {
    expect(() => resolveBestOfNConfig({ n: 0 })).toThrow('`n` must be >= 1, got 0');
    expect(() => resolveBestOfNConfig({ aggregation: 'max' as never })).toThrow(
      /`aggregation` must be one of/,
    );
    expect(() => resolveBestOfNConfig({ beamWidth: 2 } as never)).toThrow(/unknown option `beamWidth`/);
    expect(Object.isFrozen(resolveBestOfNConfig())).toBe(true);
  });
});

// Three ways to write answer 1 that a PRM scores 0.4, one way to write answer 2 that it scores 0.9.
const stepDelimiter = '\n';
const table = [
  { text: 'x = 1', p: 0.3, end: true },
  { text: 'y = 1', p: 0.3, end: true },
  { text: 'w = 1', p: 0.3, end: true },
  { text: 'z = 2', p: 0.1, end: true },
];
const task = {
  name: 'votes',
  stepDelimiter,
  generate: () => problem,
  prompt: () => 'q\n',
  parseAnswer: (text: string) => /=\s*(\d+)$/.exec(text)?.[1] ?? null,
  verify: (_: unknown, text: string) => ({ correct: text.endsWith('= 1'), answer: null }),
};
const problem = { id: 'votes', task: 'votes', question: 'q', data: null, answer: '1' };
const votingContext = () => ({
  policy: createTablePolicy({
    distribution: (s: State) => (s.steps.length === 0 ? table : []),
    stepDelimiter,
  }),
  task,
  reward: createValueRewardModel(task, (s: State) => (s.steps.at(-1)?.text.endsWith('2') ? 0.9 : 0.4)),
});

describe('bestOfN', () => {
  it('picks the single best-scored sample, or the answer with the largest summed score when weighted', async () => {
    const best = await bestOfN(problem, votingContext(), { config: { n: 40, seed: 1 } });
    expect(best.answer).toBe('2');
    expect(best.candidates).toHaveLength(40);
    const weighted = await bestOfN(problem, votingContext(), {
      config: { n: 40, seed: 1, selection: 'weighted' },
    });
    expect(weighted.answer).toBe('1');
    const w = weighted.tree!.answerWeights;
    const ones = weighted.candidates.filter((c) => c.answer === '1').length;
    expect(w.find((x) => x.answer === '1')!.weight).toBeCloseTo(0.4 * ones, 12);
    expect(w.find((x) => x.answer === '2')!.weight).toBeCloseTo(0.9 * (40 - ones), 12);
  });

  it('draws all N in one policy call and scores them in one reward call', async () => {
    const env = createToyEnvironment({ seed: 2 });
    const result = await bestOfN(env.problem, contextOf(env), { config: { n: 16, maxTokens: 32 } });
    expect(result.compute).toMatchObject({ policyCalls: 1, samples: 16, rewardCalls: 1 });
  });

  it('draws as many solutions as the token budget allows', async () => {
    const env = createToyEnvironment();
    const result = await bestOfN(env.problem, contextOf(env), {
      config: { n: 16, maxTokens: 32 },
      budget: { generatedTokens: 100 },
    });
    expect(result.compute.samples).toBe(3);
    expect(result.compute.generatedTokens).toBeLessThanOrEqual(100);
  });

  it('finds the toy optimum more often with N = 16 than with N = 1 under a noisy PRM', async () => {
    let wins16 = 0;
    let wins1 = 0;
    for (let seed = 0; seed < 20; seed++) {
      const run = async (n: number) => {
        const env = createToyEnvironment({ seed, pCorrect: 0.6, reward: 'noisy', noise: 0.1 });
        const r = await bestOfN(env.problem, contextOf(env), { config: { n, seed, maxTokens: 32 } });
        return r.answer === env.answer ? 1 : 0;
      };
      wins16 += await run(16);
      wins1 += await run(1);
    }
    expect(wins16).toBeGreaterThan(wins1 + 5);
  });

  it('needs a reward model', async () => {
    const env = createToyEnvironment({ reward: 'none' });
    await expect(bestOfN(env.problem, contextOf(env))).rejects.toThrow(/needs a reward model/);
  });

  it('splits completions into steps', () => {
    expect(splitSteps('a\nb\nc = 1', '\n')).toEqual(['a', 'b', 'c = 1']);
    expect(splitSteps('a\n', '\n')).toEqual(['a']);
    expect(splitSteps('', '\n')).toEqual([]);
  });

  it('matches its golden run on the toy MDP', async () => {
    const env = createToyEnvironment({ seed: 5, depth: 3, branching: 2, reward: 'noisy', noise: 0.2 });
    const result = await bestOfN(env.problem, contextOf(env), {
      config: { n: 6, maxTokens: 32, aggregation: 'min', seed: 3 },
    });
    expectGolden(new URL('./__golden__/best-of-n-toy.json', import.meta.url), goldenOf(result));
  });
});

describe('bestOfN on countdown with the noisy solver policy', () => {
  it('with the verifier as reward, N = 8 solves more of 50 problems than a single sample', async () => {
    const rng = createRng(2024);
    const problems = Array.from({ length: 50 }, () => countdownTask.generate(rng));
    const solved = async (n: number) => {
      let count = 0;
      for (const [i, p] of problems.entries()) {
        const context = {
          policy: createCountdownSolverPolicy({ noise: 0.5, seed: 1 }),
          task: countdownTask,
          reward: createVerifierRewardModel(countdownTask as unknown as Task),
        };
        const r = await bestOfN(p, context, { config: { n, scoring: 'orm', seed: i } });
        if (countdownTask.verify(p, r.steps.join('\n')).correct) count++;
      }
      return count;
    };
    const single = await solved(1);
    const best8 = await solved(8);
    // Measured at this seed: 13 of 50 with one sample, 46 of 50 with N = 8.
    expect(single).toBeLessThan(25);
    expect(best8).toBeGreaterThanOrEqual(single + 20);
  });
});
