import { type RevisionConfig, sequentialRevision } from '@o1lab/search-revision';
import type { BenchSuite } from '../harness.js';
import { SEARCH_BUDGET, treeSearchWorkloads } from '../search-workload.js';

/**
 * Sequential revisions at N = 16 attempts: 4 chains of 4 (ratio 1) and one chain of 16 (ratio 16),
 * ORM-scored with hierarchical selection. The table policy and the random-init model have no
 * correction behaviour, so revisions act as fresh samples: the workloads measure the searcher's cost
 * with growing revision prompts.
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
    treeSearchWorkloads<Partial<RevisionConfig>, Awaited<ReturnType<typeof sequentialRevision>>>(
      {
        search: (config) => (problem, context) =>
          sequentialRevision(problem, context, { budget: SEARCH_BUDGET, config }),
        toy: [
          { name: 'revision/mixed-toy', config: { numSamples: 16, sequentialRatio: 1, maxTokens: 64 } },
          { name: 'revision/sequential-toy', config: { numSamples: 16, sequentialRatio: 16, maxTokens: 64 } },
        ],
        ort: {
          name: 'revision/mixed-ort-countdown',
          config: { numSamples: 16, sequentialRatio: 1, maxTokens: 64 },
        },
        ortModel: { dModel: 128, nHead: 4, nLayer: 2, context: 512 },
        // The searcher writes prompts of its own: their letters and punctuation join the alphabet.
        extraAlphabet: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:',
      },
      ctx,
    ),
};
