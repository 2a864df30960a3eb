import {
  appendStep,
  type Budget,
  budgetAllows,
  diffCompute,
  initialState,
  mergeCompute,
  type Searcher,
  type State,
  ZERO_COMPUTE,
} from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import {
  expectAnswerAmongCandidates,
  expectComputeFromMeters,
  expectWithinBudget,
  runSearcherConformance,
} from './conformance.js';
import { createToyEnvironment } from './environment.js';

interface GreedyConfig {
  readonly n: number;
  readonly seed: number;
}

// A minimal correct searcher: per step, n proposals in one call, one PRM call, keep the best.
const greedyPrmSearcher: Searcher<GreedyConfig, { readonly depth: number }> = {
  name: 'greedy-prm',
  async search(problem, context, options = {}) {
    const config: GreedyConfig = { n: 4, seed: 0, ...options.config };
    const budget: Budget = options.budget ?? {};
    const { policy, task, reward } = context;
    const start = performance.now();
    const p0 = policy.meter.snapshot();
    const r0 = reward?.meter.snapshot() ?? ZERO_COMPUTE;
    const spent = () =>
      mergeCompute(
        diffCompute(policy.meter.snapshot(), p0),
        reward ? diffCompute(reward.meter.snapshot(), r0) : ZERO_COMPUTE,
      );
    let state = initialState(task, problem) as unknown as State;
    let done = false;
    for (let round = 0; !done && round < 10; round++) {
      const n = Math.min(config.n, 1000);
      if (!budgetAllows(budget, spent(), n, 16)) break;
      const [samples] = await policy.sampleSteps([state], {
        n,
        maxTokens: 16,
        stepDelimiter: task.stepDelimiter,
        seed: config.seed * 1000 + round,
      });
      const children = samples!.map((s) => appendStep(state, { text: s.text }));
      const scores = reward ? await reward.scoreSteps(children) : children.map(() => [0]);
      let best = 0;
      for (let i = 1; i < children.length; i++) if (scores[i]!.at(-1)! > scores[best]!.at(-1)!) best = i;
      state = children[best]!;
      done = samples![best]!.finishReason !== 'stop';
    }
    const steps = state.steps.map((s) => s.text);
    const answer = steps.length === 0 ? null : task.parseAnswer(steps.join(task.stepDelimiter));
    return {
      answer,
      steps: answer === null ? [] : steps,
      candidates: answer === null ? [] : [{ steps, answer, score: 1 }],
      tree: { depth: steps.length },
      compute: { ...spent(), wallTimeMs: performance.now() - start },
      config,
    };
  },
};

runSearcherConformance(() => greedyPrmSearcher, { config: { n: 4 } });
runSearcherConformance(() => greedyPrmSearcher, {
  name: 'greedy-prm conformance under a noisy PRM, without the optimum check',
  reward: 'noisy',
  mdp: { depth: 4, branching: 2 },
  optimal: false,
});

describe('the conformance checks fail on broken results', () => {
  const base = {
    answer: '3',
    steps: ['a', 'b = 3'],
    candidates: [{ steps: ['a', 'b = 3'], answer: '3', score: 1 }],
    compute: { ...ZERO_COMPUTE, policyCalls: 2, samples: 6, generatedTokens: 30 },
    config: {},
  };

  it('a result over its budget, or answering on an empty budget', () => {
    expect(() => expectWithinBudget(base, { samples: 5 })).toThrow(/`samples` within budget/);
    expect(() => expectWithinBudget(base, { generatedTokens: 29 })).toThrow(
      /`generatedTokens` within budget/,
    );
    expect(() => expectWithinBudget(base, { policyCalls: 1 })).toThrow(/`policyCalls` within budget/);
    expect(() => expectWithinBudget({ ...base, compute: ZERO_COMPUTE }, { samples: 0 })).toThrow(/no answer/);
    expect(() => expectWithinBudget(base, { samples: 6, generatedTokens: 30, policyCalls: 2 })).not.toThrow();
  });

  it('an answer or steps that no candidate has', () => {
    expect(() => expectAnswerAmongCandidates({ ...base, answer: '4' })).toThrow(/among candidates/);
    expect(() => expectAnswerAmongCandidates({ ...base, steps: ['b = 3'] })).toThrow(/among candidates/);
    expect(() => expectAnswerAmongCandidates(base)).not.toThrow();
  });

  it('compute that differs from the meters', async () => {
    const env = createToyEnvironment();
    const root = { problem: env.problem, prompt: env.task.prompt(env.problem), steps: [] };
    await env.policy.sampleSteps([root], { n: 2, maxTokens: 8, stepDelimiter: '\n', seed: 1 });
    const spent = env.policy.meter.snapshot();
    expect(() =>
      expectComputeFromMeters({ ...base, compute: spent }, env, ZERO_COMPUTE, ZERO_COMPUTE),
    ).not.toThrow();
    const doubled = { ...spent, samples: spent.samples * 2 };
    expect(() =>
      expectComputeFromMeters({ ...base, compute: doubled }, env, ZERO_COMPUTE, ZERO_COMPUTE),
    ).toThrow(/compute equals the meter deltas/);
  });
});
