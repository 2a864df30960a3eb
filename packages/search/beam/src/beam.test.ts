import { ZERO_COMPUTE } from '@o1lab/core';
import {
  contextOf,
  createToyEnvironment,
  expectGolden,
  goldenOf,
  runSearcherConformance,
} from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { beamSearch, beamSearcher, planCall } from './beam.js';
import { resolveBeamConfig } from './config.js';

runSearcherConformance(() => beamSearcher, {
  config: { n: 8, beamWidth: 2, maxStepTokens: 16 },
  optimal: { config: { n: 16, beamWidth: 4 } },
});
runSearcherConformance(() => beamSearcher, {
  name: 'beam search with lookahead conformance',
  config: { n: 4, beamWidth: 2, lookahead: 1, maxStepTokens: 16 },
  reward: 'noisy',
  optimal: { config: { n: 16, beamWidth: 4, lookahead: 1 } },
});

describe('beamSearch', () => {
  it('expands the root N times, then each of the N/M kept beams M times, one policy and one PRM call per round', async () => {
    const env = createToyEnvironment({ seed: 3, depth: 4, branching: 3, reward: 'noisy', noise: 0.2 });
    const result = await beamSearch(env.problem, contextOf(env), {
      config: { n: 12, beamWidth: 3, maxStepTokens: 16 },
    });
    const tree = result.tree!;
    expect(tree.rounds).toBe(4);
    expect(result.compute.policyCalls).toBe(4);
    expect(result.compute.rewardCalls).toBe(4);
    expect(result.compute.samples).toBe(48);
    // Every prompt after the root's is a prefix the policy wrote itself: served from its prefix cache.
    expect(result.compute.prefillTokens).toBe(env.task.prompt(env.problem).length);
    expect(result.compute.cachedPrefillTokens).toBeGreaterThan(0);
    expect(tree.nodes.filter((n) => n.round === 0 && n.parent === 0)).toHaveLength(12);
    for (let round = 0; round < 3; round++) {
      const kept = tree.nodes.filter((n) => n.round === round && n.status === 'kept');
      expect(kept).toHaveLength(4);
      for (const k of kept) expect(tree.nodes.filter((n) => n.parent === k.id)).toHaveLength(3);
      // The kept beams are the best-scored unfinished nodes of their round.
      const others = tree.nodes.filter((n) => n.round === round && n.status === 'pruned');
      const worstKept = Math.min(...kept.map((k) => k.score));
      for (const o of others) expect(o.score).toBeLessThanOrEqual(worstKept);
    }
    expect(tree.nodes.filter((n) => n.status === 'completed')).toHaveLength(12);
    const chosen = tree.nodes[tree.chosen]!;
    expect(chosen.status).toBe('completed');
    expect(Math.max(...result.candidates.map((c) => c.score))).toBe(chosen.score);
  });

  it('scores a step at the end of its greedy lookahead rollout', async () => {
    const env = createToyEnvironment({ seed: 1, depth: 4, branching: 2 });
    const result = await beamSearch(env.problem, contextOf(env), {
      config: { n: 4, beamWidth: 2, lookahead: 2, maxStepTokens: 16 },
    });
    const first = result.tree!.nodes.filter((n) => n.round === 0);
    for (const n of first) {
      expect(n.lookahead).toHaveLength(2);
      expect(n.stepScores).toHaveLength(3);
    }
    // Round calls: 1 expansion + 2 lookahead steps while rollouts are unfinished.
    expect(result.compute.policyCalls).toBeGreaterThan(result.tree!.rounds);
    expect(result.compute.rewardCalls).toBe(result.tree!.rounds);
  });

  it('finds the answer a single sample rarely finds, under a PRM with little noise', async () => {
    let found = 0;
    for (let seed = 0; seed < 10; seed++) {
      const env = createToyEnvironment({ seed, depth: 4, pCorrect: 0.3, reward: 'noisy', noise: 0.002 });
      const r = await beamSearch(env.problem, contextOf(env), {
        config: { n: 16, beamWidth: 4, maxStepTokens: 16, seed },
      });
      if (r.answer === env.answer) found++;
    }
    // One policy sample is right with probability 0.3^4 < 1%.
    expect(found).toBeGreaterThanOrEqual(8);
  });

  it('sizes each call to the budget: fewer expansions per beam, then fewer beams', () => {
    expect(planCall({}, ZERO_COMPUTE, 4, 4, 10)).toEqual({ numStates: 4, perState: 4 });
    expect(planCall({ samples: 9 }, ZERO_COMPUTE, 4, 4, 10)).toEqual({ numStates: 4, perState: 2 });
    expect(planCall({ generatedTokens: 25 }, ZERO_COMPUTE, 4, 4, 10)).toEqual({ numStates: 2, perState: 1 });
    expect(planCall({ policyCalls: 0 }, ZERO_COMPUTE, 4, 4, 10)).toBeNull();
    expect(planCall({ samples: 0 }, ZERO_COMPUTE, 4, 4, 10)).toBeNull();
  });

  it('needs a reward model and names wrong options', async () => {
    const env = createToyEnvironment({ reward: 'none' });
    await expect(beamSearch(env.problem, contextOf(env))).rejects.toThrow(/needs a process reward model/);
    expect(() => resolveBeamConfig({ n: 10, beamWidth: 4 })).toThrow(
      '`n` (10) must be a multiple of `beamWidth` (4)',
    );
    expect(() => resolveBeamConfig({ beamWidth: 0 })).toThrow('`beamWidth` must be >= 1, got 0');
    expect(() => resolveBeamConfig({ lookahead: -1 })).toThrow('`lookahead` must be >= 0, got -1');
  });

  it('matches its golden tree on the toy MDP', async () => {
    const env = createToyEnvironment({ seed: 5, depth: 3, branching: 2, reward: 'noisy', noise: 0.2 });
    const result = await beamSearch(env.problem, contextOf(env), {
      config: { n: 4, beamWidth: 2, lookahead: 1, maxStepTokens: 16, aggregation: 'min', seed: 2 },
    });
    expectGolden(new URL('./__golden__/beam-toy.json', import.meta.url), goldenOf(result));
  });
});
