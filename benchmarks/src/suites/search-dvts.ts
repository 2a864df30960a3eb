import { dvts } from '@o1lab/search-dvts';
import type { BenchSuite } from '../harness.js';
import { sampleSearchWorkloads } from '../search-workload.js';

/**
 * Diverse verifier tree search on fixed seeded workloads with the table-driven test policies of
 * `@o1lab/search-testkit`: 16 toy-MDP problems and 16 countdown problems (noisy-solver policy,
 * step-check oracle PRM).
 * Reports problems/s and policy samples/s with the bookkeeping share in the config
 * (`sampleSearchWorkloads` in `src/search-workload.ts`). `dvts/reference-countdown` runs N = 64 over
 * the countdown reference checkpoint (ONNX Runtime) on 16 held-out problems at a budget of 2^12
 * generated tokens: the shares of policy, reward and bookkeeping time (target: bookkeeping < 5%),
 * wall µs per generated token and the prefill against the tree's unique prompt tokens
 * (`referenceCountdownWorkloads`).
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping',
  run: (ctx) =>
    sampleSearchWorkloads(
      {
        algorithm: 'dvts',
        search: (config, budget) => (problem, context) => dvts(problem, context, { config, budget }),
        toy: { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.1 },
        toyConfig: { n: 16, beamWidth: 4, maxStepTokens: 16 },
        countdown: { noise: 0.5, reward: 'steps' },
        countdownConfig: { n: 16, beamWidth: 4, maxStepTokens: 32 },
        referenceConfig: { n: 64, beamWidth: 4, maxStepTokens: 20, temperature: 1 },
      },
      ctx,
    ),
};
