import type { Policy, State } from '@o1lab/core';
import {
  contextOf,
  createToyEnvironment,
  createValueRewardModel,
  expectGolden,
  goldenOf,
  toyTask,
  toyValue,
} from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { defaultTotConfig, resolveTotConfig } from './config.js';
import { createPolicyJudge, TOT_VALUE_MAP } from './judge.js';
import { treeOfThoughts } from './tot.js';

describe('resolveTotConfig', () => {
  it("has ToT's Game of 24 defaults and is frozen", () => {
    expect(defaultTotConfig.breadth).toBe(5);
    expect(defaultTotConfig.maxSteps).toBe(3);
    expect(defaultTotConfig.numThoughts).toBe(5);
    expect(defaultTotConfig.algorithm).toBe('bfs');
    expect(Object.isFrozen(defaultTotConfig)).toBe(true);
  });

  it('names the bad option', () => {
    expect(() => resolveTotConfig({ breadth: 0 })).toThrow('`breadth` must be >= 1, got 0');
    expect(() => resolveTotConfig({ algorithm: 'astar' as never })).toThrow('`algorithm` must be one of');
    expect(() => resolveTotConfig({ completeBest: 1 as never })).toThrow(
      '`completeBest` must be true or false',
    );
  });
});

describe('BFS', () => {
  it('finds the optimal path with one policy call and one reward call per level', async () => {
    const env = createToyEnvironment({ pCorrect: 0.5, seed: 4 });
    const result = await treeOfThoughts(env.problem, contextOf(env), { config: { seed: 1 } });
    expect(result.answer).toBe(env.answer);
    expect(result.steps).toEqual(env.optimalSteps);
    expect(result.compute.policyCalls).toBe(3);
    expect(result.compute.rewardCalls).toBe(3);
    const tree = result.tree!;
    expect(tree.order).toHaveLength(3);
    for (const level of tree.order) expect(level.length).toBeLessThanOrEqual(5);
    expect(tree.numExpanded).toBe(1 + tree.order[0]!.length + tree.order[1]!.length);
    // Samples per level: k for each kept state of the level above.
    expect(result.compute.samples).toBe(5 * tree.numExpanded);
    // Each level's states extend text the policy generated a level before: their prefill is cached.
    expect(result.compute.cachedPrefillTokens).toBeGreaterThan(result.compute.prefillTokens);
  });

  it('keeps the b best-valued thoughts of each level', async () => {
    const env = createToyEnvironment({ pCorrect: 0.4, seed: 9, branching: 4 });
    const result = await treeOfThoughts(env.problem, contextOf(env), { config: { breadth: 2, seed: 3 } });
    const tree = result.tree!;
    tree.order.forEach((kept, level) => {
      const generated = tree.nodes.filter((n) => n.depth === level + 1 && n.status !== 'open');
      const values = generated.map((n) => n.value!).sort((a, b) => b - a);
      expect(kept.length).toBe(Math.min(2, generated.length));
      const keptValues = kept.map((id) => tree.nodes[id]!.value!);
      expect(keptValues).toEqual(values.slice(0, kept.length));
    });
    expect(result.answer).toBe(env.answer);
  });

  it('stops at the budget: one policy call gives one level of thoughts and no answer', async () => {
    const env = createToyEnvironment({ seed: 2 });
    const result = await treeOfThoughts(env.problem, contextOf(env), { budget: { policyCalls: 1 } });
    expect(result.compute.policyCalls).toBe(1);
    expect(result.tree!.order).toHaveLength(1);
    expect(result.answer).toBeNull();
  });

  it('completes the best state when no thought stated an answer within T steps', async () => {
    const env = createToyEnvironment({ seed: 5, depth: 4, pCorrect: 0.6 });
    const result = await treeOfThoughts(env.problem, contextOf(env), { config: { maxSteps: 3, seed: 2 } });
    const tree = result.tree!;
    expect(tree.completion).not.toBeNull();
    expect(result.compute.policyCalls).toBe(4);
    const from = tree.nodes[tree.completion!.from]!;
    expect(from.depth).toBe(3);
    expect(result.steps).toHaveLength(4);
    expect(result.answer).toBe(toyTask.parseAnswer(result.steps.join('\n')));
  });

  it('matches its golden run', async () => {
    const env = createToyEnvironment({ seed: 1 });
    const result = await treeOfThoughts(env.problem, contextOf(env), {
      config: { breadth: 2, numThoughts: 3 },
    });
    expectGolden(new URL('./__golden__/tot-bfs-toy.json', import.meta.url), goldenOf(result));
  });
});

describe('DFS', () => {
  it('walks the best child first, prunes thoughts valued at or below the threshold, and stops at an answer', async () => {
    const env = createToyEnvironment({ pCorrect: 0.5, seed: 6 });
    const result = await treeOfThoughts(env.problem, contextOf(env), {
      config: { algorithm: 'dfs', seed: 1 },
    });
    expect(result.answer).toBe(env.answer);
    expect(result.steps).toEqual(env.optimalSteps);
    const tree = result.tree!;
    // The value PRM is 0 off the correct path, so DFS never walks off it: 3 expansions.
    expect(tree.numExpanded).toBe(3);
    expect(result.compute.policyCalls).toBe(3);
    expect(result.compute.rewardCalls).toBe(3);
    const pruned = tree.nodes.filter((n) => n.status === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    for (const n of pruned) expect(n.value).toBeLessThanOrEqual(0.1);
  });

  it('backtracks out of a branch a misleading value sent it into', async () => {
    const env = createToyEnvironment({ pCorrect: 0.5, seed: 6 });
    const wrong = env.optimalSteps[0] === 'a' ? 'b' : 'a';
    // The value says the wrong first step is promising (0.9) but everything below it is worthless.
    const misleading = (state: State) =>
      state.steps.length === 1 && state.steps[0]!.text === wrong ? 0.9 : toyValue(state);
    const reward = createValueRewardModel(toyTask, misleading);
    const result = await treeOfThoughts(
      env.problem,
      { policy: env.policy, task: env.task, reward },
      { config: { algorithm: 'dfs', numThoughts: 8, seed: 1 } },
    );
    const tree = result.tree!;
    const walked = tree.order[0]!.map((id) => tree.nodes[id]!.step);
    expect(walked.indexOf(wrong)).toBeGreaterThan(0);
    expect(walked.indexOf(env.optimalSteps[0]!)).toBeGreaterThan(walked.indexOf(wrong));
    expect(result.answer).toBe(env.answer);
  });

  it('gives up after maxExpansions', async () => {
    const env = createToyEnvironment({ pCorrect: 0.5, seed: 6 });
    const result = await treeOfThoughts(env.problem, contextOf(env), {
      config: { algorithm: 'dfs', maxExpansions: 2, seed: 1 },
    });
    expect(result.tree!.numExpanded).toBe(2);
    expect(result.answer).toBeNull();
  });
});

describe('policy as judge', () => {
  // A policy whose completions answer ToT's value prompt: 'sure' on the correct path, else 'impossible'.
  function judgingPolicy(base: Policy): Policy {
    return {
      name: 'judging',
      meter: base.meter,
      sampleSteps: (states, options) => base.sampleSteps(states, options),
      async sampleCompletions(states, options) {
        const n = options.n ?? 1;
        base.meter.add({ policyCalls: 1, samples: states.length * n, generatedTokens: states.length * n });
        return states.map((s) => {
          const { steps, problem } = JSON.parse(s.prompt) as { steps: string[]; problem: State['problem'] };
          const state: State = { problem, prompt: '', steps: steps.map((text) => ({ text })) };
          const text = toyValue(state) > 0 ? 'likely... sure' : 'impossible';
          return Array.from({ length: n }, () => ({
            text,
            tokenIds: [1],
            tokenLogprobs: [0],
            finishReason: 'eos',
          }));
        });
      },
    };
  }

  it('values states by the sum of sampled verdicts and finds the answer with no reward model', async () => {
    const env = createToyEnvironment({ seed: 3, reward: 'none' });
    const policy = judgingPolicy(env.policy);
    const judge = createPolicyJudge(policy, {
      stepDelimiter: '\n',
      valuePrompt: (s) => JSON.stringify({ steps: s.steps.map((x) => x.text), problem: s.problem }),
    });
    const result = await treeOfThoughts(
      env.problem,
      { policy, task: env.task },
      { config: { evaluator: 'judge', seed: 1 }, judge },
    );
    expect(result.answer).toBe(env.answer);
    const values = new Set(result.tree!.nodes.filter((n) => n.value !== null).map((n) => n.value));
    expect(values).toEqual(new Set([3 * TOT_VALUE_MAP.sure!, 3 * TOT_VALUE_MAP.impossible!]));
    // 3 levels: one proposal call and one judge call each, all on the policy's meter.
    expect(result.compute.policyCalls).toBe(6);
    expect(result.compute.rewardCalls).toBe(0);
  });

  it("needs a judge for evaluator 'judge' and a reward model otherwise", async () => {
    const env = createToyEnvironment({ reward: 'none' });
    await expect(
      treeOfThoughts(env.problem, contextOf(env), { config: { evaluator: 'judge' } }),
    ).rejects.toThrow("`evaluator` 'judge' needs a `judge`");
    await expect(treeOfThoughts(env.problem, contextOf(env))).rejects.toThrow(
      "`evaluator` 'prm' needs a reward model",
    );
  });
});
