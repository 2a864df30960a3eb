import { majorityVote } from '@o1lab/search-majority-vote';
import type { BenchSuite } from '../harness.js';
import { sampleSearchWorkloads } from '../search-workload.js';

/**
 * Self-consistency on fixed seeded workloads with the table-driven test policies of
 * `@o1lab/search-testkit`: 16 toy-MDP problems and 16 countdown problems (noisy-solver policy,
 * verifier reward).
 * Reports problems/s and policy samples/s with the bookkeeping share in the config
 * (`sampleSearchWorkloads` in `src/search-workload.ts`).
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping',
  run: (ctx) =>
    sampleSearchWorkloads(
      {
        algorithm: 'majority-vote',
        search: (config) => (problem, context) => majorityVote(problem, context, { config }),
        toy: { depth: 4, branching: 3, pCorrect: 0.5, reward: 'none', noise: 0.1 },
        toyConfig: { n: 16, maxTokens: 64 },
        countdown: { noise: 0.5 },
        countdownConfig: { n: 16, maxTokens: 64 },
      },
      ctx,
    ),
};
