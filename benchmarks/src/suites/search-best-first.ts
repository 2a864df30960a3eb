import type { Json, Problem, SearchContext, Task } from '@o1lab/core';
import { createRng } from '@o1lab/core';
import { CharTokenizer, initTinyGptWeights, OrtPolicy, OrtRuntime, resolveTinyGptConfig } from '@o1lab/model';
import { type BestFirstConfig, bestFirstSearch } from '@o1lab/search-best-first';
import {
  createToyEnvironment,
  createVerifierRewardModel,
  runSearchWorkload,
  type SearchWorkloadStats,
  type WorkloadEnvironment,
  type WorkloadSearch,
} from '@o1lab/search-testkit';
import { countdownTask } from '@o1lab/tasks';
import type { BenchBackend, BenchContext, BenchRecord, BenchSuite } from '../harness.js';
import { measure, rescaleRecord } from '../harness.js';

const SEED = 7;
const WARM_PASSES = 5;
const SHARE_PASSES = 5;
/** 2^12 generated tokens per problem. */
const BUDGET = { generatedTokens: 4096 };

const NUM_TOY_PROBLEMS = 16;
const TOY = { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.1 } as const;
const REBASE: Partial<BestFirstConfig> = { strategy: 'rebase', width: 16, maxStepTokens: 16 };
const QUEUE: Partial<BestFirstConfig> = {
  strategy: 'bestFirst',
  expansionBatch: 4,
  numChildren: 4,
  maxStepTokens: 16,
};

const NUM_ORT_PROBLEMS = 2;
const ORT_MODEL = { dModel: 128, nHead: 4, nLayer: 2, context: 512 } as const;
const ORT_CONFIG: Partial<BestFirstConfig> = {
  strategy: 'rebase',
  width: 16,
  maxStepTokens: 32,
  maxDepth: 6,
};

/**
 * Value-guided best-first search: REBASE (N = 16, T_b = 0.1) and the priority queue (4 states x 4
 * children per call).
 *
 * Toy workloads: NUM_TOY_PROBLEMS seeded toy-MDP problems with the table policy and noisy PRM of
 * `@o1lab/search-testkit` (nearly free models: the bookkeeping share is an upper bound). ORT workload:
 * NUM_ORT_PROBLEMS countdown problems with the ONNX Runtime policy of `@o1lab/model` over a randomly
 * initialised TinyGPT (it measures compute, not accuracy) and the verifier as reward model; the
 * runtime, and so its prefix cache, is shared by the iterations. Budget 2^12 generated tokens per
 * problem. Reports problems/s and samples/s; the config carries the bookkeeping share (wall time
 * outside policy and reward calls over wall time) of untimed passes after warm-up.
 */
export const suite: BenchSuite = {
  name: 'search',
  description:
    'search algorithms on toy MDPs and countdown with table policies: problems/s, samples/s, bookkeeping share',
  async run(ctx): Promise<BenchRecord[]> {
    const toyEnvs = (): WorkloadEnvironment[] =>
      Array.from(
        { length: NUM_TOY_PROBLEMS },
        (_, i) => createToyEnvironment({ ...TOY, seed: SEED + i }) as never,
      );
    const records: BenchRecord[] = [];
    const toy = { workload: 'toy-mdp', ...TOY };
    records.push(...(await workload('best-first/rebase-toy', toyEnvs, REBASE, toy, 'js', ctx)));
    records.push(...(await workload('best-first/queue-toy', toyEnvs, QUEUE, toy, 'js', ctx)));

    const task = countdownTask as unknown as Task<Json>;
    const problems = countdownProblems(NUM_ORT_PROBLEMS);
    const tokenizer = new CharTokenizer(alphabetOf(task, countdownProblems(64)));
    const model = resolveTinyGptConfig({ vocabSize: tokenizer.vocabSize, ...ORT_MODEL });
    const runtime = await OrtRuntime.fromWeights(model, initTinyGptWeights(model));
    try {
      const ortEnvs = (): WorkloadEnvironment[] =>
        problems.map((problem) => ({
          task,
          problem,
          policy: new OrtPolicy(runtime, tokenizer, { stepDelimiter: task.stepDelimiter }),
          reward: createVerifierRewardModel(task),
        }));
      const description = {
        workload: 'countdown',
        model: { ...ORT_MODEL, vocabSize: tokenizer.vocabSize, weights: 'init' },
      };
      records.push(
        ...(await workload(
          'best-first/rebase-ort-countdown',
          ortEnvs,
          ORT_CONFIG,
          description,
          { ort: 'cpu' },
          ctx,
        )),
      );
    } finally {
      await runtime.dispose();
    }
    return records;
  },
};

async function workload(
  name: string,
  envs: () => WorkloadEnvironment[],
  config: Partial<BestFirstConfig>,
  description: Record<string, Json>,
  backend: BenchBackend,
  ctx: BenchContext,
): Promise<BenchRecord[]> {
  const search = (problem: Problem<Json>, context: SearchContext<Json>) =>
    bestFirstSearch(problem, context, { budget: BUDGET, config });
  const numProblems = envs().length;
  const stats = await warmStats(envs, search);
  const record = await measure(
    {
      name,
      unit: 'problems/s',
      itemsPerIteration: numProblems,
      config: {
        ...description,
        ...(config as Record<string, Json>),
        budget: BUDGET,
        numProblems,
        samplesPerProblem: stats.samples / numProblems,
        generatedTokensPerProblem: stats.generatedTokens / numProblems,
        accuracy: stats.correct / numProblems,
        bookkeepingShare: Math.round(stats.medianShare * 1000) / 1000,
        bookkeepingMsPerProblem: Math.round(stats.bookkeepingMsPerProblem * 1000) / 1000,
      },
      seed: SEED,
      backend,
      fn: () => runSearchWorkload(envs(), search),
    },
    ctx,
  );
  return [record, rescaleRecord(record, `${name}-samples`, 'samples/s', stats.samples / numProblems)];
}

function countdownProblems(count: number): Problem<Json>[] {
  const rng = createRng(SEED);
  return Array.from({ length: count }, () => countdownTask.generate(rng) as unknown as Problem<Json>);
}

/**
 * Every character of the problems' prompts and reference solutions, and the letters and
 * punctuation of prompts the searcher writes itself (the tokenizer's alphabet).
 */
function alphabetOf(task: Task<Json>, problems: readonly Problem<Json>[]): string {
  const chars = new Set<string>(
    `${task.stepDelimiter}abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:`,
  );
  for (const problem of problems) {
    for (const c of task.prompt(problem)) chars.add(c);
    for (const step of task.solve?.(problem) ?? []) for (const c of step) chars.add(c);
  }
  return [...chars].sort().join('');
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
