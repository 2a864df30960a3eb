import {
  contextOf,
  createToyEnvironment,
  expectGolden,
  goldenOf,
  runSearcherConformance,
} from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { resolveDvtsConfig } from './config.js';
import { dvts, dvtsSearcher } from './dvts.js';

runSearcherConformance(() => dvtsSearcher, {
  config: { n: 8, beamWidth: 2, maxStepTokens: 16 },
  optimal: { config: { n: 16, beamWidth: 4 } },
});
runSearcherConformance(() => dvtsSearcher, {
  name: 'dvts with lookahead conformance',
  config: { n: 4, beamWidth: 2, lookahead: 1, maxStepTokens: 16 },
  reward: 'noisy',
  optimal: { config: { n: 16, beamWidth: 4, lookahead: 1 } },
});

describe('dvts', () => {
  it('runs N/M independent subtrees that each keep their best of M proposals, one policy and PRM call per round', async () => {
    const env = createToyEnvironment({ seed: 3, depth: 4, branching: 3, reward: 'noisy', noise: 0.2 });
    const result = await dvts(env.problem, contextOf(env), {
      config: { n: 12, beamWidth: 3, maxStepTokens: 16 },
    });
    const tree = result.tree!;
    expect(tree.rounds).toBe(4);
    expect(result.compute).toMatchObject({ policyCalls: 4, rewardCalls: 4, samples: 48 });
    // The four subtrees share the root prompt, computed once; later prompts come from the prefix cache.
    expect(result.compute.prefillTokens).toBe(env.task.prompt(env.problem).length);
    expect(result.compute.cachedPrefillTokens).toBeGreaterThan(3 * env.task.prompt(env.problem).length);
    expect(tree.paths).toHaveLength(4);
    for (const [i, path] of tree.paths.entries()) {
      expect(path).toHaveLength(4);
      let parent = 0;
      for (const id of path) {
        const node = tree.nodes[id]!;
        expect(node).toMatchObject({ subtree: i, parent, status: 'chosen' });
        const siblings = tree.nodes.filter((n) => n.parent === parent && n.subtree === i);
        expect(siblings).toHaveLength(3);
        expect(node.score).toBe(Math.max(...siblings.map((s) => s.score)));
        parent = id;
      }
    }
    expect(result.candidates).toHaveLength(4);
    expect(result.candidates[tree.chosen]!.score).toBe(Math.max(...result.candidates.map((c) => c.score)));
  });

  it('finds the answer a single sample rarely finds, under a PRM with little noise', async () => {
    let found = 0;
    for (let seed = 0; seed < 10; seed++) {
      const env = createToyEnvironment({ seed, depth: 4, pCorrect: 0.3, reward: 'noisy', noise: 0.002 });
      const r = await dvts(env.problem, contextOf(env), {
        config: { n: 16, beamWidth: 4, maxStepTokens: 16, seed },
      });
      if (r.answer === env.answer) found++;
    }
    expect(found).toBeGreaterThanOrEqual(7);
  });

  it('needs a reward model and names wrong options', async () => {
    const env = createToyEnvironment({ reward: 'none' });
    await expect(dvts(env.problem, contextOf(env))).rejects.toThrow(/needs a process reward model/);
    expect(() => resolveDvtsConfig({ n: 6, beamWidth: 4 })).toThrow(
      '`n` (6) must be a multiple of `beamWidth` (4)',
    );
    expect(() => resolveDvtsConfig({ numIterations: 0 })).toThrow('`numIterations` must be >= 1, got 0');
  });

  it('matches its golden forest on the toy MDP', async () => {
    const env = createToyEnvironment({ seed: 5, depth: 3, branching: 2, reward: 'noisy', noise: 0.2 });
    const result = await dvts(env.problem, contextOf(env), {
      config: { n: 4, beamWidth: 2, lookahead: 1, maxStepTokens: 16, aggregation: 'product', seed: 2 },
    });
    expectGolden(new URL('./__golden__/dvts-toy.json', import.meta.url), goldenOf(result));
  });
});
