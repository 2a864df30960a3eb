import { beamSearch } from '@o1lab/search-beam';
import { bestOfN } from '@o1lab/search-best-of-n';
import type { BenchSuite } from '../harness.js';
import { referenceCountdownWorkloads, SEARCH_BUDGET, sampleSearchWorkloads } from '../search-workload.js';

/** N of the reference comparison: search-and-learn's beam search vs best-of-N at N = 64. */
const N = 64;
const BEAM_REFERENCE = { n: N, beamWidth: 4, maxStepTokens: 20, temperature: 1 };
const BEST_OF_N_REFERENCE = { n: N, maxTokens: 48, temperature: 1, scoring: 'prm' } as const;

/**
 * PRM beam search, on two kinds of workload:
 *
 * - `beam/toy`, `beam/countdown`: fixed seeded workloads with the table-driven test policies of
 *   `@o1lab/search-testkit`, 16 toy-MDP problems and 16 countdown problems (noisy-solver policy,
 *   step-check oracle PRM); problems/s and policy samples/s with the bookkeeping share in the config
 *   (`sampleSearchWorkloads` in `src/search-workload.ts`).
 * - `beam/reference-countdown-n64` against `best-of-n/reference-countdown-n64`: N = 64 over the
 *   countdown reference checkpoint (ONNX Runtime) on 16 held-out problems at a budget of 2^12
 *   generated tokens, step-check oracle PRM; the config's `wallPerTokenVsFirst` is beam's wall time
 *   per generated token over best-of-64's in the same run (target <= 1.5), with the shares of
 *   policy, reward and bookkeeping time and the prefill against the tree's unique prompt tokens
 *   (`referenceCountdownWorkloads`). `-nocache` runs beam on `loadReferencePolicy`'s runtime as
 *   loaded, without a prefix cache.
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping',
  run: async (ctx) => [
    ...(await sampleSearchWorkloads(
      {
        algorithm: 'beam',
        search: (config, budget) => (problem, context) => beamSearch(problem, context, { config, budget }),
        toy: { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.1 },
        toyConfig: { n: 16, beamWidth: 4, maxStepTokens: 16 },
        countdown: { noise: 0.5, reward: 'steps' },
        countdownConfig: { n: 16, beamWidth: 4, maxStepTokens: 32 },
      },
      ctx,
    )),
    ...(await referenceCountdownWorkloads(
      [
        {
          name: 'best-of-n/reference-countdown-n64',
          search: (problem, context) =>
            bestOfN(problem, context, { budget: SEARCH_BUDGET, config: BEST_OF_N_REFERENCE }),
          config: { ...BEST_OF_N_REFERENCE, budget: SEARCH_BUDGET },
          prefixCache: true,
        },
        {
          name: 'beam/reference-countdown-n64',
          search: (problem, context) =>
            beamSearch(problem, context, { budget: SEARCH_BUDGET, config: BEAM_REFERENCE }),
          config: { ...BEAM_REFERENCE, budget: SEARCH_BUDGET },
          prefixCache: true,
        },
        {
          name: 'beam/reference-countdown-n64-nocache',
          search: (problem, context) =>
            beamSearch(problem, context, { budget: SEARCH_BUDGET, config: BEAM_REFERENCE }),
          config: { ...BEAM_REFERENCE, budget: SEARCH_BUDGET },
          prefixCache: false,
        },
      ],
      ctx,
    )),
  ],
};
