import type { Json, Problem, SearchContext } from '@o1lab/core';
import { bestOfN } from '@o1lab/search-best-of-n';
import {
  createCountdownEnvironments,
  createToyEnvironment,
  runSearchWorkload,
  type WorkloadEnvironment,
} from '@o1lab/search-testkit';
import type { BenchContext, BenchRecord, BenchSuite } from '../harness.js';
import { measure, rescaleRecord } from '../harness.js';

const SEED = 7;
const NUM_PROBLEMS = 16;
const TOY = { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.1 } as const;
const TOY_CONFIG = { n: 16, maxTokens: 64 };
const COUNTDOWN = { noise: 0.5 } as const;
const COUNTDOWN_CONFIG = { n: 16, scoring: 'orm', maxTokens: 64 } as const;

/**
 * best-of-N (PRM, last-step aggregation; ORM on countdown) on fixed seeded workloads with the table-driven test policies of
 * `@o1lab/search-testkit`: NUM_PROBLEMS toy-MDP problems and NUM_PROBLEMS countdown problems
 * (noisy-solver policy, verifier reward). Reports problems/s and policy samples/s; each record's
 * config carries the bookkeeping share measured in an untimed pass after a warm-up pass: wall time outside policy and
 * reward calls over wall time (with these nearly free models it bounds from above what a real model
 * would see).
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping share',
  async run(ctx) {
    const toyEnvs = (): WorkloadEnvironment[] =>
      Array.from(
        { length: NUM_PROBLEMS },
        (_, i) => createToyEnvironment({ ...TOY, seed: SEED + i }) as never,
      );
    const countdownEnvs = (): WorkloadEnvironment[] =>
      createCountdownEnvironments(NUM_PROBLEMS, { ...COUNTDOWN, seed: SEED });
    return [
      ...(await workload(
        'best-of-n/toy',
        toyEnvs,
        { workload: 'toy-mdp', ...TOY, ...TOY_CONFIG },
        TOY_CONFIG,
        ctx,
      )),
      ...(await workload(
        'best-of-n/countdown',
        countdownEnvs,
        { workload: 'countdown', ...COUNTDOWN, ...COUNTDOWN_CONFIG },
        COUNTDOWN_CONFIG,
        ctx,
      )),
    ];
  },
};

async function workload(
  name: string,
  envs: () => WorkloadEnvironment[],
  description: Record<string, Json>,
  config: typeof TOY_CONFIG | typeof COUNTDOWN_CONFIG,
  ctx: BenchContext,
): Promise<BenchRecord[]> {
  const search = (problem: Problem<Json>, context: SearchContext<Json>) =>
    bestOfN(problem, context, { config });
  // A first pass warms the JIT up; the second gives the counts and the bookkeeping share.
  await runSearchWorkload(envs(), search);
  const stats = await runSearchWorkload(envs(), search);
  const record = await measure(
    {
      name,
      unit: 'problems/s',
      itemsPerIteration: NUM_PROBLEMS,
      config: {
        ...description,
        numProblems: NUM_PROBLEMS,
        samplesPerProblem: stats.samples / NUM_PROBLEMS,
        accuracy: stats.correct / NUM_PROBLEMS,
        bookkeepingShare: Math.round(stats.bookkeepingShare * 1000) / 1000,
      },
      seed: SEED,
      fn: () => runSearchWorkload(envs(), search),
    },
    ctx,
  );
  return [record, rescaleRecord(record, `${name}-samples`, 'samples/s', stats.samples / NUM_PROBLEMS)];
}
