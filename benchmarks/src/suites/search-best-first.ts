import { type BestFirstConfig, bestFirstSearch } from '@o1lab/search-best-first';
import type { BenchSuite } from '../harness.js';
import { SEARCH_BUDGET, treeSearchWorkloads } from '../search-workload.js';

/**
 * Value-guided best-first search: REBASE (N = 16, T_b = 0.1) and the priority queue (4 states x 4
 * children per call).
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
    treeSearchWorkloads<Partial<BestFirstConfig>, Awaited<ReturnType<typeof bestFirstSearch>>>(
      {
        search: (config) => (problem, context) =>
          bestFirstSearch(problem, context, { budget: SEARCH_BUDGET, config }),
        toy: [
          { name: 'best-first/rebase-toy', config: { strategy: 'rebase', width: 16, maxStepTokens: 16 } },
          {
            name: 'best-first/queue-toy',
            config: { strategy: 'bestFirst', expansionBatch: 4, numChildren: 4, maxStepTokens: 16 },
          },
        ],
        ort: {
          name: 'best-first/rebase-ort-countdown',
          config: { strategy: 'rebase', width: 16, maxStepTokens: 32, maxDepth: 6 },
        },
        ortModel: { dModel: 128, nHead: 4, nLayer: 2, context: 512 },
        // The searcher writes prompts of its own: their letters and punctuation join the alphabet.
        extraAlphabet: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:',
      },
      ctx,
    ),
};
