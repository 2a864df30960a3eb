import { type TotConfig, treeOfThoughts } from '@o1lab/search-tot';
import type { BenchSuite } from '../harness.js';
import { SEARCH_BUDGET, treeSearchWorkloads } from '../search-workload.js';

/**
 * Tree of Thoughts, BFS (b = 5, k = 5) and DFS (pruning at 0.1).
 *
 * Toy workloads: 16 seeded toy-MDP problems with the table policy and noisy PRM of
 * `@o1lab/search-testkit` (nearly free models: the bookkeeping share is an upper bound). ORT workload:
 * 2 countdown problems with the ONNX Runtime policy of `@o1lab/model` over a randomly initialised
 * TinyGPT (it measures compute, not accuracy) and the verifier as reward model; the runtime, and so
 * its prefix cache, is shared by the iterations. Budget 2^12 generated tokens per problem. Reports
 * problems/s and samples/s; the config carries the bookkeeping share (wall time outside policy and
 * reward calls over wall time) of untimed passes after warm-up (`treeSearchWorkloads` in
 * `src/search-workload.ts`).
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping share',
  run: (ctx) =>
    treeSearchWorkloads<Partial<TotConfig>, Awaited<ReturnType<typeof treeOfThoughts>>>(
      {
        search: (config) => (problem, context) =>
          treeOfThoughts(problem, context, { budget: SEARCH_BUDGET, config }),
        toy: [
          { name: 'tot/bfs-toy', config: { algorithm: 'bfs', maxSteps: 4, maxStepTokens: 16 } },
          { name: 'tot/dfs-toy', config: { algorithm: 'dfs', maxSteps: 4, maxStepTokens: 16 } },
        ],
        ort: { name: 'tot/bfs-ort-countdown', config: { algorithm: 'bfs', maxSteps: 4, maxStepTokens: 32 } },
        ortModel: { dModel: 128, nHead: 4, nLayer: 2, context: 512 },
        // The searcher writes prompts of its own: their letters and punctuation join the alphabet.
        extraAlphabet: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:',
      },
      ctx,
    ),
};
