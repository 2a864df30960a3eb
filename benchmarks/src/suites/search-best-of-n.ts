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
const STAT_PASSES = 10;
const TOY = { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.1 } as const;
const TOY_CONFIG = { n: 16, maxTokens: 64 };
const COUNTDOWN = { noise: 0.5 } as const;
const COUNTDOWN_CONFIG = { n: 16, scoring: 'orm', maxTokens: 64 } as const;

/**
 * Best-of-N (PRM with last-step aggregation on the toy MDP; ORM on countdown) on fixed seeded
 * workloads with the table-driven test policies of `@o1lab/search-testkit`: NUM_PROBLEMS toy-MDP
 * problems and NUM_PROBLEMS countdown problems (noisy-solver policy, verifier reward). Reports problems/s and policy samples/s. Each record's
 * config carries the bookkeeping measured over STAT_PASSES untimed passes after a warm-up: wall
 * time outside policy and reward calls over wall time (with these nearly free models it bounds from
 * above what a real model would see), and that time per policy sample in microseconds.
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping',
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
  // A first pass warms the JIT up; the next STAT_PASSES give the counts and the bookkeeping share
  // (summed, since one pass of these cheap models is too short to time the bookkeeping alone).
  await runSearchWorkload(envs(), search);
  const passes = [];
  for (let i = 0; i < STAT_PASSES; i++) passes.push(await runSearchWorkload(envs(), search));
  const stats = passes[0]!;
  const wallMs = passes.reduce((a, p) => a + p.wallTimeMs, 0);
  const bookkeepingMs = Math.max(0, wallMs - passes.reduce((a, p) => a + p.policyTimeMs + p.rewardTimeMs, 0));
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
        bookkeepingShare: Math.round((bookkeepingMs / wallMs) * 1000) / 1000,
        bookkeepingUsPerSample:
          Math.round(((bookkeepingMs * 1000) / (stats.samples * STAT_PASSES)) * 100) / 100,
      },
      seed: SEED,
      fn: () => runSearchWorkload(envs(), search),
    },
    ctx,
  );
  return [record, rescaleRecord(record, `${name}-samples`, 'samples/s', stats.samples / NUM_PROBLEMS)];
}
