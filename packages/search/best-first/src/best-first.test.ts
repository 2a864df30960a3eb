import { contextOf, createToyEnvironment, expectGolden, goldenOf } from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { allocateWidths, bestFirstSearch } from './best-first.js';
import { defaultBestFirstConfig, resolveBestFirstConfig } from './config.js';

describe('resolveBestFirstConfig', () => {
  it('has frozen defaults', () => {
    expect(defaultBestFirstConfig.strategy).toBe('rebase');
    expect(defaultBestFirstConfig.finalSelection).toBe('weightedVote');
    expect(Object.isFrozen(defaultBestFirstConfig)).toBe(true);
  });

  it('names the bad option', () => {
    expect(() => resolveBestFirstConfig({ width: 0 })).toThrow('`width` must be >= 1, got 0');
    expect(() => resolveBestFirstConfig({ balanceTemperature: 0 })).toThrow(
      '`balanceTemperature` must be > 0',
    );
    expect(() => resolveBestFirstConfig({ strategy: 'astar' as never })).toThrow('`strategy` must be one of');
  });
});

describe('allocateWidths', () => {
  it('splits the width by softmax(reward / T_b) and the shares sum to it exactly', () => {
    expect(allocateWidths([Math.log(3), 0], 4, 1)).toEqual([3, 1]);
    expect(allocateWidths([0.5, 0.5, 0.5], 7, 0.1)).toEqual([3, 2, 2]);
    expect(allocateWidths([0.9, 0.1], 16, 0.01)).toEqual([16, 0]);
    expect(allocateWidths([], 5, 1)).toEqual([]);
    for (let total = 1; total < 40; total += 3) {
      const w = allocateWidths([0.1, 0.7, 0.3, 0.65], total, 0.2);
      expect(w.reduce((a, b) => a + b, 0)).toBe(total);
      expect(w[1]).toBeGreaterThanOrEqual(w[3]!);
      expect(w[3]).toBeGreaterThanOrEqual(w[2]!);
      expect(w[2]).toBeGreaterThanOrEqual(w[0]!);
    }
  });

  it('spreads evenly at a high temperature', () => {
    expect(allocateWidths([0, 1, 0.5, 0.2], 8, 1000)).toEqual([2, 2, 2, 2]);
  });
});

describe('REBASE', () => {
  it('finishes `width` solutions with one policy and one reward call per depth', async () => {
    const env = createToyEnvironment({ pCorrect: 0.5, seed: 3 });
    const result = await bestFirstSearch(env.problem, contextOf(env), { config: { width: 8, seed: 1 } });
    const tree = result.tree!;
    expect(result.compute.policyCalls).toBe(3);
    expect(result.compute.rewardCalls).toBe(3);
    expect(tree.rounds.map((r) => r.widths.reduce((a, b) => a + b, 0))).toEqual([8, 8, 8]);
    const finishedSamples = tree.nodes.filter((n) => n.terminal).reduce((a, n) => a + n.sampleCount, 0);
    expect(finishedSamples).toBe(8);
    expect(result.compute.samples).toBe(24);
    expect(result.compute.cachedPrefillTokens).toBeGreaterThan(result.compute.prefillTokens);
    expect(result.answer).toBe(env.answer);
    expect(result.steps).toEqual(env.optimalSteps);
  });

  it('gives each frontier state the softmax share of its reward', async () => {
    const env = createToyEnvironment({ pCorrect: 0.4, seed: 8, branching: 4, depth: 4 });
    const config = resolveBestFirstConfig({ width: 12, balanceTemperature: 0.2, seed: 2 });
    const result = await bestFirstSearch(env.problem, contextOf(env), { config });
    const tree = result.tree!;
    expect(tree.rounds[0]).toEqual({ expanded: [0], widths: [12] });
    for (const round of tree.rounds.slice(1)) {
      const frontierDepth = tree.nodes[round.expanded[0]!]!.depth;
      const frontier = tree.nodes.filter((n) => n.depth === frontierDepth && !n.terminal);
      const widths = allocateWidths(
        frontier.map((n) => n.value!),
        round.widths.reduce((a, b) => a + b, 0),
        0.2,
      );
      expect(round.expanded).toEqual(frontier.filter((_, i) => widths[i]! > 0).map((n) => n.id));
      expect(round.widths).toEqual(widths.filter((w) => w > 0));
    }
    // States on the correct path (value > 0) get more of the width than those off it (value 0).
    const second = tree.rounds[1]!;
    const onPath = second.expanded.findIndex((id) => tree.nodes[id]!.value! > 0);
    if (onPath >= 0) expect(second.widths[onPath]).toBe(Math.max(...second.widths));
  });

  it('narrows the width to what the budget allows', async () => {
    const env = createToyEnvironment({ seed: 3 });
    const result = await bestFirstSearch(env.problem, contextOf(env), {
      budget: { samples: 20 },
      config: { width: 8, seed: 1 },
    });
    expect(result.compute.samples).toBe(20);
    expect(result.tree!.rounds.map((r) => r.widths.reduce((a, b) => a + b, 0))).toEqual([8, 8, 4]);
  });

  it('matches its golden run', async () => {
    const env = createToyEnvironment({ seed: 11, pCorrect: 0.4 });
    const result = await bestFirstSearch(env.problem, contextOf(env), {
      config: { width: 6, balanceTemperature: 0.5, finalSelection: 'bestValue' },
    });
    expectGolden(new URL('./__golden__/rebase-toy.json', import.meta.url), goldenOf(result));
  });
});

describe('best-first over a priority queue', () => {
  it('expands the best-valued states first and stops when a finished state tops the queue', async () => {
    const env = createToyEnvironment({ pCorrect: 0.5, seed: 5 });
    const result = await bestFirstSearch(env.problem, contextOf(env), {
      config: { strategy: 'bestFirst', expansionBatch: 1, numChildren: 3, seed: 1 },
    });
    const tree = result.tree!;
    expect(result.answer).toBe(env.answer);
    expect(result.steps).toEqual(env.optimalSteps);
    // With a noiseless value the walk goes straight down the correct path: root, then one state per depth.
    expect(tree.rounds.map((r) => r.expanded.length)).toEqual([1, 1, 1]);
    for (const round of tree.rounds.slice(1)) {
      const id = round.expanded[0]!;
      const siblings = tree.nodes[tree.nodes[id]!.parent]!.children.map((c) => tree.nodes[c]!.value!);
      expect(tree.nodes[id]!.value).toBe(Math.max(...siblings));
    }
    expect(tree.chosen).toBeGreaterThan(0);
    expect(tree.nodes[tree.chosen]!.terminal).toBe(true);
  });

  it('expands a batch of states per policy call', async () => {
    const env = createToyEnvironment({ pCorrect: 0.3, seed: 2, branching: 4 });
    const result = await bestFirstSearch(env.problem, contextOf(env), {
      config: { strategy: 'bestFirst', expansionBatch: 3, numChildren: 2, maxExpansions: 7, seed: 4 },
    });
    const tree = result.tree!;
    expect(result.compute.policyCalls).toBe(tree.rounds.length);
    expect(result.compute.rewardCalls).toBe(tree.rounds.length);
    expect(tree.rounds.reduce((a, r) => a + r.expanded.length, 0)).toBeLessThanOrEqual(7);
    expect(Math.max(...tree.rounds.map((r) => r.expanded.length))).toBeGreaterThan(1);
  });

  it('sets aside finished states valued below acceptThreshold and searches on', async () => {
    const toy = { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.2 } as const;
    const correct = { plain: 0, guarded: 0 };
    for (let seed = 7; seed < 39; seed++) {
      const config = { strategy: 'bestFirst', maxStepTokens: 16 } as const;
      const budget = { generatedTokens: 4096 };
      const env = createToyEnvironment({ ...toy, seed });
      const plain = await bestFirstSearch(env.problem, contextOf(env), {
        budget,
        config: { ...config, acceptThreshold: 0 },
      });
      const guardedEnv = createToyEnvironment({ ...toy, seed });
      const guarded = await bestFirstSearch(guardedEnv.problem, contextOf(guardedEnv), { budget, config });
      if (plain.answer === env.answer) correct.plain++;
      if (guarded.answer === env.answer) correct.guarded++;
      // The plain goal test stops at the first finished state that tops the queue.
      expect(plain.tree!.nodes[plain.tree!.chosen]!.terminal).toBe(true);
      expect(guarded.compute.samples).toBeGreaterThanOrEqual(plain.compute.samples);
    }
    // 32 problems: the plain goal test accepts noisy wrong leaves more often.
    expect(correct.plain).toBeLessThanOrEqual(26);
    expect(correct.guarded).toBeGreaterThanOrEqual(29);
  });

  it('needs a reward model', async () => {
    const env = createToyEnvironment({ reward: 'none' });
    await expect(bestFirstSearch(env.problem, contextOf(env))).rejects.toThrow(
      "`evaluator` 'prm' needs a reward model",
    );
  });
});
