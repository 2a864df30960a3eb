import { type MctsConfig, mctsSearch } from '@o1lab/search-mcts';
import type { BenchSuite } from '../harness.js';
import { SEARCH_BUDGET, treeSearchWorkloads } from '../search-workload.js';

/**
 * PUCT MCTS (PRM leaf values, batches of 8 under virtual loss) at a budget of 2^12 generated tokens
 * per problem, on two workloads:
 *
 * - `mcts/toy`: 16 seeded toy-MDP problems with the table policy and noisy PRM of
 *   `@o1lab/search-testkit`; with these nearly free models the bookkeeping share is an upper bound.
 * - `mcts/ort-countdown`: 2 countdown problems with the ONNX Runtime policy of `@o1lab/model` over a
 *   randomly initialised TinyGPT (so it measures compute, not accuracy: steps often end at the token
 *   limit or end of sequence, and trees stay shallow) and the verifier as reward model. The runtime,
 *   and so its prefix cache, is shared by the iterations.
 *
 * Reports problems/s, simulations/s and samples/s; the config carries the bookkeeping share (wall
 * time outside policy and reward calls over wall time) of untimed passes after warm-up
 * (`treeSearchWorkloads` in `src/search-workload.ts`).
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping share',
  run: (ctx) =>
    treeSearchWorkloads<Partial<MctsConfig>, Awaited<ReturnType<typeof mctsSearch>>>(
      {
        search: (config) => (problem, context) =>
          mctsSearch(problem, context, { budget: SEARCH_BUDGET, config }),
        toy: [{ name: 'mcts/toy', config: { numSimulations: 128, batchSize: 8, maxStepTokens: 16 } }],
        ort: {
          name: 'mcts/ort-countdown',
          config: { numSimulations: 256, batchSize: 8, maxStepTokens: 32, maxDepth: 6 },
        },
        ortModel: { dModel: 128, nHead: 4, nLayer: 2, context: 256 },
        simulationsOf: (result) => result.tree?.numSimulations ?? 0,
      },
      ctx,
    ),
};
