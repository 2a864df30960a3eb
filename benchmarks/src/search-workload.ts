import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Budget, GenerateOptions, Json, Problem, SearchContext, SearchResult, Task } from '@o1lab/core';
import { createRng } from '@o1lab/core';
import {
  CharTokenizer,
  initTinyGptWeights,
  loadCheckpoint,
  OrtPolicy,
  OrtRuntime,
  resolveTinyGptConfig,
} from '@o1lab/model';
import {
  heldOutProblems,
  loadReferencePolicy,
  REFERENCE_CHECKPOINT_RECIPES,
  REFERENCE_EVALUATION,
  referenceModelDir,
} from '@o1lab/policy-init';
import {
  type CountdownEnvironmentOptions,
  countUniqueTokens,
  createCountdownEnvironments,
  createStepCheckRewardModel,
  createToyEnvironment,
  createVerifierRewardModel,
  recordPrompts,
  runSearchWorkload,
  type SearchWorkloadStats,
  type ToyEnvironmentOptions,
  type WorkloadEnvironment,
  type WorkloadSearch,
} from '@o1lab/search-testkit';
import { countdownTask } from '@o1lab/tasks';
import type { BenchBackend, BenchContext, BenchRecord } from './harness.js';
import { measure, rescaleRecord } from './harness.js';

/** Seed of every search workload: toy-MDP problem i uses SEED + i, countdown problems SEED. */
export const SEARCH_SEED = 7;

/** Toy-MDP environment options written into the records' config, so plain JSON. */
export type ToyWorkload = ToyEnvironmentOptions & Readonly<Record<string, Json>>;

/** A searcher bound to one config. */
export type BoundSearch<R extends SearchResult<unknown, unknown>> = (
  problem: Problem<Json>,
  context: SearchContext<Json>,
) => Promise<R>;

/** What a sample-budget suite (beam, best-of-N, DVTS, majority vote) differs in. */
export interface SampleSearchSuite<C extends Readonly<Record<string, Json>>> {
  /** Record name prefix: `<algorithm>/toy`, `<algorithm>/countdown`. */
  readonly algorithm: string;
  /** The searcher with a config and a budget (the package's main export, `{ config, budget }` as options). */
  readonly search: (config: C, budget: Budget) => WorkloadSearch;
  readonly toy: ToyWorkload;
  readonly toyConfig: C;
  readonly countdown: CountdownEnvironmentOptions & Readonly<Record<string, Json>>;
  readonly countdownConfig: C;
  /**
   * Config of a third workload, `<algorithm>/reference-countdown`: the countdown reference checkpoint
   * at a budget of SEARCH_BUDGET (`referenceCountdownWorkloads`). None when absent.
   */
  readonly referenceConfig?: C;
}

const NUM_SAMPLE_PROBLEMS = 16;
const STAT_PASSES = 10;

/**
 * The records of a sample-budget suite: NUM_SAMPLE_PROBLEMS toy-MDP problems and
 * NUM_SAMPLE_PROBLEMS countdown problems (noisy-solver policy), each as problems/s and policy
 * samples/s. Each record's config carries the bookkeeping measured over STAT_PASSES untimed passes
 * after a warm-up: wall time outside policy and reward calls over wall time (with these nearly free
 * models it bounds from above what a real model would see), and that time per policy sample in µs.
 */
export async function sampleSearchWorkloads<C extends Readonly<Record<string, Json>>>(
  spec: SampleSearchSuite<C>,
  ctx: BenchContext,
): Promise<BenchRecord[]> {
  const toyEnvs = (): WorkloadEnvironment[] =>
    Array.from(
      { length: NUM_SAMPLE_PROBLEMS },
      (_, i) => createToyEnvironment({ ...spec.toy, seed: SEARCH_SEED + i }) as never,
    );
  const countdownEnvs = (): WorkloadEnvironment[] =>
    createCountdownEnvironments(NUM_SAMPLE_PROBLEMS, { ...spec.countdown, seed: SEARCH_SEED });
  return [
    ...(await sampleWorkload(
      `${spec.algorithm}/toy`,
      toyEnvs,
      { workload: 'toy-mdp', ...spec.toy, ...spec.toyConfig },
      spec.search(spec.toyConfig, {}),
      ctx,
    )),
    ...(await sampleWorkload(
      `${spec.algorithm}/countdown`,
      countdownEnvs,
      { workload: 'countdown', ...spec.countdown, ...spec.countdownConfig },
      spec.search(spec.countdownConfig, {}),
      ctx,
    )),
    ...(spec.referenceConfig === undefined
      ? []
      : await referenceCountdownWorkloads(
          [
            {
              name: `${spec.algorithm}/reference-countdown`,
              search: spec.search(spec.referenceConfig, SEARCH_BUDGET),
              config: { ...spec.referenceConfig, budget: SEARCH_BUDGET },
              prefixCache: true,
            },
          ],
          ctx,
        )),
  ];
}

/** One workload of a tree-search suite. */
export interface TreeWorkload<C> {
  readonly name: string;
  readonly config: C;
}

/** What a tree-search suite (best-first, MCTS, revision, tree of thoughts) differs in. */
export interface TreeSearchSuite<C, R extends SearchResult<unknown, unknown>> {
  /** The searcher with a config, at a budget of SEARCH_BUDGET. */
  readonly search: (config: C) => BoundSearch<R>;
  /** Workloads on NUM_TOY_PROBLEMS toy-MDP problems (table policy, noisy PRM), in record order. */
  readonly toy: readonly TreeWorkload<C>[];
  /** The workload on NUM_ORT_PROBLEMS countdown problems with the ONNX Runtime policy. */
  readonly ort: TreeWorkload<C>;
  /** The random-init TinyGPT of the ORT workload (vocabSize comes from the tokenizer). */
  readonly ortModel: {
    readonly dModel: number;
    readonly nHead: number;
    readonly nLayer: number;
    readonly context: number;
  };
  /**
   * Characters added to the tokenizer's alphabet beyond the prompts and reference solutions: those of
   * prompts the searcher writes itself. @default ''
   */
  readonly extraAlphabet?: string;
  /**
   * Simulations of one result; when given, an untimed pass before the warm-up counts them, and the
   * records add `simulationsPerProblem` and a `<name>-simulations` record in simulations/s.
   */
  readonly simulationsOf?: (result: R) => number;
}

/** 2^12 generated tokens per problem. */
export const SEARCH_BUDGET = { generatedTokens: 4096 };

const NUM_TOY_PROBLEMS = 16;
const TOY: ToyWorkload = { depth: 4, branching: 3, pCorrect: 0.5, reward: 'noisy', noise: 0.1 };
const NUM_ORT_PROBLEMS = 2;
const WARM_PASSES = 5;
const SHARE_PASSES = 5;

/**
 * The records of a tree-search suite: each toy workload on NUM_TOY_PROBLEMS seeded toy-MDP problems
 * with the table policy and noisy PRM of `@o1lab/search-testkit` (nearly free models: the bookkeeping
 * share is an upper bound), then the ORT workload on NUM_ORT_PROBLEMS countdown problems with the
 * ONNX Runtime policy of `@o1lab/model` over a randomly initialised TinyGPT (it measures compute,
 * not accuracy) and the verifier as reward model; the runtime, and so its prefix cache, is shared by
 * the iterations. Each as problems/s and samples/s; the config carries the bookkeeping share of
 * untimed passes after warm-up.
 */
export async function treeSearchWorkloads<C, R extends SearchResult<unknown, unknown>>(
  spec: TreeSearchSuite<C, R>,
  ctx: BenchContext,
): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const toyEnvs = (): WorkloadEnvironment[] =>
    Array.from(
      { length: NUM_TOY_PROBLEMS },
      (_, i) => createToyEnvironment({ ...TOY, seed: SEARCH_SEED + i }) as never,
    );
  const toy = { workload: 'toy-mdp', ...TOY };
  for (const { name, config } of spec.toy) {
    records.push(...(await treeWorkload(spec, name, toyEnvs, config, toy, 'js', ctx)));
  }

  const task = countdownTask as unknown as Task<Json>;
  const problems = countdownProblems(NUM_ORT_PROBLEMS);
  const tokenizer = new CharTokenizer(alphabetOf(task, countdownProblems(64), spec.extraAlphabet ?? ''));
  const model = resolveTinyGptConfig({ vocabSize: tokenizer.vocabSize, ...spec.ortModel });
  const runtime = await OrtRuntime.fromWeights(model, initTinyGptWeights(model));
  try {
    const ortEnvs = (): WorkloadEnvironment[] =>
      problems.map((problem) => ({
        task,
        problem,
        policy: new OrtPolicy(runtime, tokenizer, { stepDelimiter: task.stepDelimiter }),
        reward: createVerifierRewardModel(task),
      }));
    // Prefill against the trees' unique prompt tokens, on a cold prefix cache (the timed passes
    // below repeat the same problems and seeds, so their prompts are all cached).
    runtime.clearPrefixCache();
    const prefill = await prefillStats(ortEnvs, spec.search(spec.ort.config));
    const description = {
      workload: 'countdown',
      model: { ...spec.ortModel, vocabSize: tokenizer.vocabSize, weights: 'init' },
      ...prefill,
    };
    records.push(
      ...(await treeWorkload(
        spec,
        spec.ort.name,
        ortEnvs,
        spec.ort.config,
        description,
        { ort: 'cpu' },
        ctx,
      )),
    );
  } finally {
    await runtime.dispose();
  }
  return records;
}

async function sampleWorkload(
  name: string,
  envs: () => WorkloadEnvironment[],
  description: Record<string, Json>,
  search: WorkloadSearch,
  ctx: BenchContext,
): Promise<BenchRecord[]> {
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
      itemsPerIteration: NUM_SAMPLE_PROBLEMS,
      config: {
        ...description,
        numProblems: NUM_SAMPLE_PROBLEMS,
        samplesPerProblem: stats.samples / NUM_SAMPLE_PROBLEMS,
        accuracy: stats.correct / NUM_SAMPLE_PROBLEMS,
        bookkeepingShare: Math.round((bookkeepingMs / wallMs) * 1000) / 1000,
        bookkeepingUsPerSample:
          Math.round(((bookkeepingMs * 1000) / (stats.samples * STAT_PASSES)) * 100) / 100,
      },
      seed: SEARCH_SEED,
      fn: () => runSearchWorkload(envs(), search),
    },
    ctx,
  );
  return [record, rescaleRecord(record, `${name}-samples`, 'samples/s', stats.samples / NUM_SAMPLE_PROBLEMS)];
}

async function treeWorkload<C, R extends SearchResult<unknown, unknown>>(
  spec: TreeSearchSuite<C, R>,
  name: string,
  envs: () => WorkloadEnvironment[],
  config: C,
  description: Record<string, Json>,
  backend: BenchBackend,
  ctx: BenchContext,
): Promise<BenchRecord[]> {
  const search = spec.search(config);
  const numProblems = envs().length;
  const { simulationsOf } = spec;
  let simulations: number | undefined;
  if (simulationsOf) {
    let sum = 0;
    await runSearchWorkload(envs(), async (problem, context) => {
      const result = await search(problem, context);
      sum += simulationsOf(result);
      return result;
    });
    simulations = sum;
  }
  const stats = await warmStats(envs, search);
  const record = await measure(
    {
      name,
      unit: 'problems/s',
      itemsPerIteration: numProblems,
      config: {
        ...description,
        ...(config as Record<string, Json>),
        budget: SEARCH_BUDGET,
        numProblems,
        ...(simulations === undefined ? {} : { simulationsPerProblem: simulations / numProblems }),
        samplesPerProblem: stats.samples / numProblems,
        generatedTokensPerProblem: stats.generatedTokens / numProblems,
        accuracy: stats.correct / numProblems,
        bookkeepingShare: Math.round(stats.medianShare * 1000) / 1000,
        bookkeepingMsPerProblem: Math.round(stats.bookkeepingMsPerProblem * 1000) / 1000,
      },
      seed: SEARCH_SEED,
      backend,
      fn: () => runSearchWorkload(envs(), search),
    },
    ctx,
  );
  return [
    record,
    ...(simulations === undefined
      ? []
      : [rescaleRecord(record, `${name}-simulations`, 'simulations/s', simulations / numProblems)]),
    rescaleRecord(record, `${name}-samples`, 'samples/s', stats.samples / numProblems),
  ];
}

function countdownProblems(count: number): Problem<Json>[] {
  const rng = createRng(SEARCH_SEED);
  return Array.from({ length: count }, () => countdownTask.generate(rng) as unknown as Problem<Json>);
}

/** Every character of the problems' prompts and reference solutions, and `extra` (the tokenizer's alphabet). */
function alphabetOf(task: Task<Json>, problems: readonly Problem<Json>[], extra: string): string {
  const chars = new Set<string>(`${task.stepDelimiter}${extra}`);
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

/** One search of the reference-checkpoint comparison. */
export interface ReferenceWorkload {
  /** Record name, e.g. `beam/reference-countdown`. */
  readonly name: string;
  readonly search: WorkloadSearch;
  /** Written into the record's config. */
  readonly config: Readonly<Record<string, Json>>;
  /** Run over the checkpoint with a prefix cache (64 MiB) instead of `loadReferencePolicy`'s runtime, which has none. */
  readonly prefixCache: boolean;
}

/** Held-out countdown problems of the reference comparison (drawn as the model card's evaluation draws them). */
export const NUM_REFERENCE_PROBLEMS = 16;

/**
 * Searches over the countdown reference checkpoint (`loadReferencePolicy('countdown')` of
 * `@o1lab/policy-init`) on NUM_REFERENCE_PROBLEMS held-out problems with the step-check oracle PRM,
 * each a record in problems/s. Each record's config carries, from REFERENCE_PASSES untimed passes
 * (after REFERENCE_WARM_PASSES) that take the workloads in turn: the median wall µs per generated
 * token, the median over passes of its ratio to the first workload's in the same round
 * (`wallPerTokenVsFirst`: the comparison at equal generated tokens), the shares of wall time in
 * policy calls, reward calls and bookkeeping; and, from a pass on a cold prefix cache, computed and
 * cached prefill tokens against the unique prompt tokens of the searches' trees.
 */
export async function referenceCountdownWorkloads(
  workloads: readonly ReferenceWorkload[],
  ctx: BenchContext,
): Promise<BenchRecord[]> {
  const task = countdownTask as unknown as Task<Json>;
  const dir = referenceModelDir('countdown');
  const problems = heldOutProblems(countdownTask as unknown as Task, NUM_REFERENCE_PROBLEMS, {
    seed: REFERENCE_EVALUATION.seed,
    generateOptions: await trainedGenerateOptions(dir),
  }) as unknown as Problem<Json>[];
  const reference = await loadReferencePolicy('countdown');
  const checkpoint = await loadCheckpoint(dir);
  const cached = await OrtRuntime.fromWeights(checkpoint.config, checkpoint.weights);
  try {
    const runs = workloads.map((w) => {
      const runtime = w.prefixCache ? cached : reference.runtime;
      const envs = (): WorkloadEnvironment[] =>
        problems.map((problem) => ({
          task,
          problem,
          policy: new OrtPolicy(runtime, reference.tokenizer, { stepDelimiter: task.stepDelimiter }),
          reward: createStepCheckRewardModel(task),
        }));
      return { w, runtime, envs, passes: [] as SearchWorkloadStats[] };
    });
    const prefill = [];
    for (const r of runs) {
      r.runtime.clearPrefixCache();
      prefill.push(await prefillStats(r.envs, r.w.search));
    }
    // Passes interleave the workloads, and each ratio compares passes of one round, so that a
    // change of load on a shared machine moves both sides of a ratio alike.
    for (let i = 0; i < REFERENCE_WARM_PASSES; i++)
      for (const r of runs) await runSearchWorkload(r.envs(), r.w.search);
    const ratios: number[][] = runs.map(() => []);
    for (let i = 0; i < REFERENCE_PASSES; i++) {
      for (const r of runs) r.passes.push(await runSearchWorkload(r.envs(), r.w.search));
      const first = usPerToken(runs[0]!.passes[i]!);
      for (const [j, r] of runs.entries()) ratios[j]!.push(usPerToken(r.passes[i]!) / first);
    }
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const records: BenchRecord[] = [];
    for (const [j, r] of runs.entries()) {
      const stats = median(r.passes, usPerToken);
      const record = await measure(
        {
          name: r.w.name,
          unit: 'problems/s',
          itemsPerIteration: problems.length,
          config: {
            workload: 'countdown-reference',
            model: 'reference/models/countdown',
            prm: 'step-check oracle',
            ...r.w.config,
            prefixCache: r.w.prefixCache,
            numProblems: problems.length,
            samplesPerProblem: stats.samples / problems.length,
            generatedTokensPerProblem: stats.generatedTokens / problems.length,
            policyCallsPerProblem: stats.policyCalls / problems.length,
            accuracy: stats.correct / problems.length,
            usPerGeneratedToken: round(usPerToken(stats)),
            wallPerTokenVsFirst: round(median(ratios[j]!, (x) => x)),
            policyShare: round(stats.policyTimeMs / stats.wallTimeMs),
            rewardShare: round(stats.rewardTimeMs / stats.wallTimeMs),
            bookkeepingShare: round(median(r.passes, (p) => p.bookkeepingShare).bookkeepingShare),
            ...prefill[j]!,
          },
          seed: SEARCH_SEED,
          backend: { ort: r.runtime.executionProvider },
          fn: () => runSearchWorkload(r.envs(), r.w.search),
        },
        ctx,
      );
      records.push(record);
    }
    return records;
  } finally {
    await cached.dispose();
    await reference.runtime.dispose();
  }
}

// The problem options the checkpoint in `dir` was trained on (its training.json recipe), so that
// the held-out problems match it; the checkpoint recipe of `@o1lab/policy-init` when it has none.
async function trainedGenerateOptions(dir: string): Promise<GenerateOptions | undefined> {
  try {
    const training = JSON.parse(await readFile(join(dir, 'training.json'), 'utf8')) as {
      recipe?: { generateOptions?: GenerateOptions };
    };
    if (training.recipe?.generateOptions !== undefined) return training.recipe.generateOptions;
  } catch {
    // no readable training.json: fall through
  }
  return REFERENCE_CHECKPOINT_RECIPES.countdown.generateOptions;
}

const REFERENCE_WARM_PASSES = 2;
const REFERENCE_PASSES = 7;

function usPerToken(stats: SearchWorkloadStats): number {
  return (stats.wallTimeMs * 1000) / stats.generatedTokens;
}

// The element with the median key (the lower one of an even count).
function median<T>(xs: readonly T[], key: (x: T) => number): T {
  const sorted = [...xs].sort((a, b) => key(a) - key(b));
  return sorted[(sorted.length - 1) >> 1]!;
}

/**
 * One untimed pass of `search` over `envs` (OrtPolicy environments) on the prefix cache as it is:
 * computed and cached prefill tokens, and the unique tokens of every prompt the search asked the
 * policy to continue (the tree's prompt tokens, each shared prefix counted once).
 */
async function prefillStats(
  envs: () => WorkloadEnvironment[],
  search: WorkloadSearch,
): Promise<{
  prefillTokens: number;
  cachedPrefillTokens: number;
  uniquePromptTokens: number;
  prefillPerUniqueToken: number;
}> {
  let prefillTokens = 0;
  let cachedPrefillTokens = 0;
  const prompts: number[][] = [];
  for (const env of envs()) {
    const policy = env.policy as OrtPolicy;
    const recorder = recordPrompts(policy);
    const result = await search(env.problem, {
      policy: recorder.policy,
      task: env.task,
      ...(env.reward === undefined ? {} : { reward: env.reward }),
    });
    prefillTokens += result.compute.prefillTokens;
    cachedPrefillTokens += result.compute.cachedPrefillTokens;
    for (const p of recorder.prompts) prompts.push(policy.promptTokens(p.state, p.stepDelimiter));
  }
  const uniquePromptTokens = countUniqueTokens(prompts);
  return {
    prefillTokens,
    cachedPrefillTokens,
    uniquePromptTokens,
    prefillPerUniqueToken: Math.round((prefillTokens / uniquePromptTokens) * 1000) / 1000,
  };
}
