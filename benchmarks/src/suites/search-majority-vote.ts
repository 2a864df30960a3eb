import { majorityVote } from '@o1lab/search-majority-vote';
import type { BenchSuite } from '../harness.js';
import { sampleSearchWorkloads } from '../search-workload.js';

/**
 * Self-consistency on fixed seeded workloads with the table-driven test policies of
 * `@o1lab/search-testkit`: 16 toy-MDP problems and 16 countdown problems (noisy-solver policy,
 * verifier reward).
 * Reports problems/s and policy samples/s with the bookkeeping share in the config
 * (`sampleSearchWorkloads` in `src/search-workload.ts`). `majority-vote/reference-countdown` runs N = 64 over
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
        algorithm: 'majority-vote',
        search: (config, budget) => (problem, context) => majorityVote(problem, context, { config, budget }),
        toy: { depth: 4, branching: 3, pCorrect: 0.5, reward: 'none', noise: 0.1 },
        toyConfig: { n: 16, maxTokens: 64 },
        countdown: { noise: 0.5 },
        countdownConfig: { n: 16, maxTokens: 64 },
        referenceConfig: { n: 64, maxTokens: 48, temperature: 1 },
      },
      ctx,
    ),
};
