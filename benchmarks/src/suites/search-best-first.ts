import type { Json, Problem, SearchContext } from '@o1lab/core';
import { type BestFirstConfig, bestFirstSearch } from '@o1lab/search-best-first';
import {
  createToyEnvironment,
  runSearchWorkload,
  type SearchWorkloadStats,
  type WorkloadEnvironment,
  type WorkloadSearch,
} from '@o1lab/search-testkit';
import type { BenchContext, BenchRecord, BenchSuite } from '../harness.js';
import { measure, rescaleRecord } from '../harness.js';

const SEED = 7;
const NUM_PROBLEMS = 16;
const WARM_PASSES = 5;
const SHARE_PASSES = 5;
const TOY = { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.1 } as const;
/** 2^12 generated tokens per problem. */
const BUDGET = { generatedTokens: 4096 };
const REBASE: Partial<BestFirstConfig> = { strategy: 'rebase', width: 16, maxStepTokens: 16 };
const QUEUE: Partial<BestFirstConfig> = {
  strategy: 'bestFirst',
  expansionBatch: 4,
  numChildren: 4,
  maxStepTokens: 16,
};

/**
 * Value-guided best-first search: REBASE (N = 16, T_b = 0.1) and the priority queue (4 states x 4
 * children per call), on NUM_PROBLEMS seeded toy-MDP problems with the table policy and noisy PRM of
 * `@o1lab/search-testkit`, at a budget of 2^12 generated tokens per problem. Reports problems/s and
 * samples/s; the config carries the bookkeeping share of untimed passes after warm-up (wall time outside policy
 * and reward calls over wall time).
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping share',
  async run(ctx) {
    return [
      ...(await workload('best-first/rebase-toy', REBASE, ctx)),
      ...(await workload('best-first/queue-toy', QUEUE, ctx)),
    ];
  },
};

async function workload(
  name: string,
  config: Partial<BestFirstConfig>,
  ctx: BenchContext,
): Promise<BenchRecord[]> {
  const envs = (): WorkloadEnvironment[] =>
    Array.from({ length: NUM_PROBLEMS }, (_, i) => createToyEnvironment({ ...TOY, seed: SEED + i }) as never);
  const search = (problem: Problem<Json>, context: SearchContext<Json>) =>
    bestFirstSearch(problem, context, { budget: BUDGET, config });
  const stats = await warmStats(envs, search);
  const record = await measure(
    {
      name,
      unit: 'problems/s',
      itemsPerIteration: NUM_PROBLEMS,
      config: {
        workload: 'toy-mdp',
        ...TOY,
        ...(config as Record<string, Json>),
        budget: BUDGET,
        numProblems: NUM_PROBLEMS,
        samplesPerProblem: stats.samples / NUM_PROBLEMS,
        accuracy: stats.correct / NUM_PROBLEMS,
        bookkeepingShare: Math.round(stats.medianShare * 1000) / 1000,
        bookkeepingMsPerProblem: Math.round(stats.bookkeepingMsPerProblem * 1000) / 1000,
      },
      seed: SEED,
      fn: () => runSearchWorkload(envs(), search),
    },
    ctx,
  );
  return [record, rescaleRecord(record, `${name}-samples`, 'samples/s', stats.samples / NUM_PROBLEMS)];
}

/**
 * The bookkeeping share after the JIT has warmed up: WARM_PASSES untimed passes, then the pass with
 * the median share of SHARE_PASSES more (a cold first pass measures compilation, not the searcher).
 */
async function warmStats(
  envs: () => WorkloadEnvironment[],
  search: WorkloadSearch,
): Promise<SearchWorkloadStats & { readonly medianShare: number; readonly bookkeepingMsPerProblem: number }> {
  for (let i = 0; i < WARM_PASSES; i++) await runSearchWorkload(envs(), search);
  const passes: SearchWorkloadStats[] = [];
  for (let i = 0; i < SHARE_PASSES; i++) passes.push(await runSearchWorkload(envs(), search));
  passes.sort((a, b) => a.bookkeepingShare - b.bookkeepingShare);
  const median = passes[(passes.length - 1) >> 1]!;
  const bookkeepingMs = Math.max(0, median.wallTimeMs - median.policyTimeMs - median.rewardTimeMs);
  return {
    ...median,
    medianShare: median.bookkeepingShare,
    bookkeepingMsPerProblem: bookkeepingMs / median.problems,
  };
}
