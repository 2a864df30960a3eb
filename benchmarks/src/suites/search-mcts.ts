import type { Json, Problem, SearchContext } from '@o1lab/core';
import { mctsSearch } from '@o1lab/search-mcts';
import {
  createToyEnvironment,
  runSearchWorkload,
  type SearchWorkloadStats,
  type WorkloadEnvironment,
  type WorkloadSearch,
} from '@o1lab/search-testkit';
import type { BenchRecord, BenchSuite } from '../harness.js';
import { measure, rescaleRecord } from '../harness.js';

const SEED = 7;
const NUM_PROBLEMS = 16;
const WARM_PASSES = 5;
const SHARE_PASSES = 5;
const TOY = { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.1 } as const;
/** 2^12 generated tokens per problem. */
const BUDGET = { generatedTokens: 4096 };
const CONFIG = { numSimulations: 128, batchSize: 8, maxStepTokens: 16 };

/**
 * PUCT MCTS (PRM leaf values, batches of 8 under virtual loss) on NUM_PROBLEMS seeded toy-MDP problems
 * with the table policy and noisy PRM of `@o1lab/search-testkit`, at a budget of 2^12 generated
 * tokens per problem. Reports simulations/s and problems/s; the config carries the bookkeeping share
 * of untimed passes after warm-up (wall time outside policy and reward calls over wall time; with these nearly
 * free models an upper bound on what a real model would see).
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping share',
  async run(ctx): Promise<BenchRecord[]> {
    const envs = (): WorkloadEnvironment[] =>
      Array.from(
        { length: NUM_PROBLEMS },
        (_, i) => createToyEnvironment({ ...TOY, seed: SEED + i }) as never,
      );
    const search = (problem: Problem<Json>, context: SearchContext<Json>) =>
      mctsSearch(problem, context, { budget: BUDGET, config: CONFIG });
    let simulations = 0;
    await runSearchWorkload(envs(), async (problem, context) => {
      const result = await search(problem, context);
      simulations += result.tree?.numSimulations ?? 0;
      return result;
    });
    const stats = await warmStats(envs, search);
    const record = await measure(
      {
        name: 'mcts/toy',
        unit: 'problems/s',
        itemsPerIteration: NUM_PROBLEMS,
        config: {
          workload: 'toy-mdp',
          ...TOY,
          ...CONFIG,
          budget: BUDGET,
          numProblems: NUM_PROBLEMS,
          simulationsPerProblem: simulations / NUM_PROBLEMS,
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
    return [
      record,
      rescaleRecord(record, 'mcts/toy-simulations', 'simulations/s', simulations / NUM_PROBLEMS),
      rescaleRecord(record, 'mcts/toy-samples', 'samples/s', stats.samples / NUM_PROBLEMS),
    ];
  },
};

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
