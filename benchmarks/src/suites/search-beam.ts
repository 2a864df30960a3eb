import { beamSearch } from '@o1lab/search-beam';
import type { BenchSuite } from '../harness.js';
import { sampleSearchWorkloads } from '../search-workload.js';

/**
 * PRM beam search on fixed seeded workloads with the table-driven test policies of
 * `@o1lab/search-testkit`: 16 toy-MDP problems and 16 countdown problems (noisy-solver policy,
 * step-check oracle PRM).
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
        algorithm: 'beam',
        search: (config) => (problem, context) => beamSearch(problem, context, { config }),
        toy: { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.1 },
        toyConfig: { n: 16, beamWidth: 4, maxStepTokens: 16 },
        countdown: { noise: 0.5, reward: 'steps' },
        countdownConfig: { n: 16, beamWidth: 4, maxStepTokens: 32 },
      },
      ctx,
    ),
};
