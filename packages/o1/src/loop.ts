import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Estimate } from '@o1lab/core';
import { createRng, type Json, type Problem, type Registry, type Task, writeFileAtomic } from '@o1lab/core';
import { evaluatePolicy, heldOutProblems, isHeldOut } from '@o1lab/policy-init';
import { createVerifierRewardModel } from '@o1lab/reward-model';
import { getTask } from '@o1lab/tasks';
import { LEARNERS, type LearnOutcome, type SearchRecord } from './learn-phase.js';
import { createMethodRegistry, type MethodSpec } from './methods.js';
import type { RunMetrics, TestTimeSweep, TrainRound } from './metrics.js';
import { METRICS_SCHEMA_VERSION } from './metrics.js';
import { type LoadedPolicy, loadPolicy, resolveCheckpointDir } from './policy.js';
import { type Progress, silentProgress } from './progress.js';
import type { Recipe } from './recipe.js';
import { evaluateClaims, logLinearFits, writeReport } from './report/index.js';
import { type RewardPhaseResult, rewardPhase } from './reward-phase.js';
import { RunDir } from './run-dir.js';
import { abortError, type CellRecord, cellSeed, runSweep } from './sweep.js';

/** Options of {@link runRecipe}. */
export interface RunOptions {
  /** The run directory (journals, checkpoints, metrics, report). */
  readonly out: string;
  /** Finish the run already in `out` (same recipe), skipping journaled work. */
  readonly resume?: boolean;
  /** Also write the report files here (e.g. `reports/quick`). */
  readonly reportDir?: string;
  readonly progress?: Progress;
  /** Extra or replacement methods. */
  readonly methods?: Registry<MethodSpec>;
  /** Stops between units of work (the run can then be resumed). */
  readonly signal?: AbortSignal;
  /** The command line, for the manifest. */
  readonly command?: string;
}

/** Split of the tasks' problems: the evaluation draws held-out ids, training the rest. */
const HELD_OUT_FRACTION = 0.1;
/** Seed of the held-out evaluation draw (as the reference checkpoints' cards). */
const EVAL_SEED = 2024;

/**
 * The o1 loop (Zeng et al. 2024, Fig. 2): policy initialization -> reward model -> test-time
 * evaluation; then per round { train-time search -> data -> learning -> reward-model refresh ->
 * test-time evaluation }. Every unit of work is journaled in `out`, so a killed run resumes with
 * `resume: true` and ends with the results of an uninterrupted one.
 */
export async function runRecipe(recipe: Recipe, options: RunOptions): Promise<RunMetrics> {
  const progress = options.progress ?? silentProgress;
  const registry = options.methods ?? createMethodRegistry();
  const task = getTask(recipe.task) as Task;
  // Fail on a bad checkpoint before any work.
  const initialDir = resolveCheckpointDir(recipe.policy, recipe.task);
  const run = await RunDir.open(options.out, {
    command: options.command ?? `o1lab run ${recipe.name}`,
    config: recipe as unknown as Json,
    seed: recipe.seed,
    resume: options.resume === true,
  });
  const log = (line: string) => progress.log(`[o1lab] ${line}`);
  log(`run ${recipe.name} on ${recipe.task} -> ${run.path}`);

  let loaded = await loadPolicy(initialDir, task, recipe.seed);
  await run.setBackend('onnxruntime', loaded.runtime.executionProvider);
  const maxTokens = recipe.maxTokens ?? loaded.maxTokens;
  const evalProblems = heldOutProblems(task, recipe.evaluation.problems, {
    seed: EVAL_SEED + recipe.seed,
    generateOptions: loaded.generateOptions,
    heldOutFraction: HELD_OUT_FRACTION,
  });
  const greedyProblems = heldOutProblems(task, recipe.evaluation.greedyProblems, {
    seed: EVAL_SEED + recipe.seed,
    generateOptions: loaded.generateOptions,
    heldOutFraction: HELD_OUT_FRACTION,
  });

  const testTime: TestTimeSweep[] = [];
  const trainTime: TrainRound[] = [];
  let reward: RewardPhaseResult | undefined;
  let initialPass1: Estimate | null = null;
  try {
    for (let round = 0; round <= recipe.rounds; round++) {
      const roundDir = `round-${round}`;
      if (round > 0) {
        // Train-time search -> data -> learning
        const t0 = performance.now();
        const trainProblems = drawTrainProblems(task, recipe, loaded, round);
        const records = await trainTimeSearch(
          run,
          roundDir,
          task,
          loaded,
          trainProblems,
          recipe,
          registry,
          maxTokens,
          progress,
          options.signal,
        );
        const outcome = await learnPhase(run, roundDir, task, loaded, trainProblems, records, recipe, log);
        await run.setBackend('tfjs', outcome.backend);
        await loaded.runtime.dispose();
        loaded = await loadPolicy(run.file(roundDir, 'policy'), task, recipe.seed);
        const pass1 = await greedyPass1(run, roundDir, task, loaded, greedyProblems, maxTokens, progress);
        const solved = records.filter((r) => r.solved).length;
        trainTime.push({
          round,
          searcher: recipe.search.method,
          learner: recipe.learner.name,
          pass1,
          data: {
            problems: records.length,
            solved,
            solveRate: solved / records.length,
            examples: outcome.numExamples,
          },
          trainCompute: {
            searchGeneratedTokens: records.reduce((s, r) => s + r.generatedTokens, 0),
            searchFlops: records.reduce((s, r) => s + r.flops, 0),
            updateSteps: outcome.numSteps,
            updateTokens: outcome.numTokens,
            updateFlops: outcome.flops,
          },
          timeMs: performance.now() - t0,
        });
        log(`round ${round}: held-out greedy pass@1 ${formatEstimate(pass1)}`);
      } else {
        initialPass1 = await greedyPass1(run, roundDir, task, loaded, greedyProblems, maxTokens, progress);
        log(`round 0: held-out greedy pass@1 ${formatEstimate(initialPass1)}`);
      }
      // Reward model (trained at round 0; refreshed on the new policy's samples after learning)
      if (round === 0 || (recipe.rewardModel.refresh && recipe.rewardModel.kind !== 'verifier')) {
        await reward?.dispose();
        reward = undefined;
        reward = await rewardPhase({
          run,
          dir: roundDir,
          task,
          loaded,
          problems: drawTrainProblems(task, recipe, loaded, round, 'reward'),
          recipe: recipe.rewardModel,
          seed: recipe.seed + round,
          maxTokens,
          progress,
          log,
        });
      }
      // Test-time scaling evaluation
      const journal = await run.journal<CellRecord>(`${roundDir}/sweep.jsonl`);
      const points = await runSweep({
        task,
        policy: loaded.policy,
        runtime: loaded.runtime,
        reward: reward!.rewardModel,
        methods: recipe.evaluation.methods,
        levels: recipe.evaluation.levels,
        budget: recipe.evaluation.budget,
        problems: evalProblems,
        seeds: recipe.evaluation.seeds,
        seed: recipe.seed,
        maxTokens,
        registry,
        journal,
        progress,
        label: `round ${round} test-time sweep`,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      testTime.push({
        round,
        task: recipe.task,
        policy: round === 0 ? recipe.policy : `${roundDir}/policy`,
        rewardModel: reward!.label,
        points,
        fits: logLinearFits(points),
      });
      await run.writeJson('metrics.json', partialMetrics(recipe, run, initialPass1, testTime, trainTime));
    }
  } finally {
    await reward?.dispose();
    await loaded.runtime.dispose();
  }

  const base = partialMetrics(recipe, run, initialPass1, testTime, trainTime);
  const metrics: RunMetrics = { ...base, claims: evaluateClaims(base) };
  await run.writeJson('metrics.json', metrics);
  const written = await writeReport(run.path, metrics);
  if (options.reportDir !== undefined) {
    written.push(...(await writeReport(options.reportDir, metrics)));
    await mkdir(options.reportDir, { recursive: true });
    await writeFileAtomic(join(options.reportDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    await run.writeJson('report-dir.json', { reportDir: options.reportDir });
  }
  log(`report: ${written.filter((p) => p.endsWith('report.md')).join(', ')}`);
  return metrics;
}

function partialMetrics(
  recipe: Recipe,
  run: RunDir,
  initialPass1: Estimate | null,
  testTime: readonly TestTimeSweep[],
  trainTime: readonly TrainRound[],
): RunMetrics {
  return {
    schema: METRICS_SCHEMA_VERSION,
    recipe: recipe.name,
    task: recipe.task,
    seed: recipe.seed,
    initialPass1,
    testTime,
    trainTime,
    claims: [],
    environment: {
      ...run.manifest.backend,
      ...run.manifest.machine,
      gitSha: run.manifest.gitSha,
    },
    createdAt: run.manifest.createdAt,
  };
}

/** Training problems of a round: seeded, outside the held-out split, distinct. */
function drawTrainProblems(
  task: Task,
  recipe: Recipe,
  loaded: LoadedPolicy,
  round: number,
  purpose: 'search' | 'reward' = 'search',
): Problem[] {
  const count = purpose === 'search' ? recipe.search.problems : recipe.rewardModel.problems;
  const rng = createRng(recipe.seed * 1000 + round * 2 + (purpose === 'reward' ? 1 : 0) + 17);
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (let tries = 0; out.length < count && tries < count * 100; tries++) {
    const p = task.generate(rng, loaded.generateOptions);
    if (isHeldOut(p.id, HELD_OUT_FRACTION) || seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}

async function greedyPass1(
  run: RunDir,
  roundDir: string,
  task: Task,
  loaded: LoadedPolicy,
  problems: readonly Problem[],
  maxTokens: number,
  progress: Progress,
): Promise<Estimate> {
  const name = `${roundDir}/pass1.json`;
  const cached = await run.readJson<Estimate>(name);
  if (cached !== undefined) return cached;
  const bar = progress.bar(`${roundDir.replace('-', ' ')} greedy pass@1`, 1);
  loaded.runtime.clearPrefixCache();
  const evaluation = await evaluatePolicy(loaded.policy, task, problems, {
    numSamples: 1,
    ks: [1],
    maxTokens,
  });
  bar.done();
  await run.writeJson(name, evaluation.greedyPass1);
  return evaluation.greedyPass1;
}

async function trainTimeSearch(
  run: RunDir,
  roundDir: string,
  task: Task,
  loaded: LoadedPolicy,
  problems: readonly Problem[],
  recipe: Recipe,
  registry: Registry<MethodSpec>,
  maxTokens: number,
  progress: Progress,
  signal: AbortSignal | undefined,
): Promise<SearchRecord[]> {
  const journal = await run.journal<SearchRecord>(`${roundDir}/search.jsonl`);
  const spec = registry.get(recipe.search.method);
  // Training problems carry their answers: search is guided by the verifier at train time.
  const oracle = createVerifierRewardModel(task);
  const bar = progress.bar(`${roundDir.replace('-', ' ')} train-time search`, problems.length, journal.size);
  const records: SearchRecord[] = [];
  try {
    for (const problem of problems) {
      const key = problem.id;
      let record = journal.get(key);
      if (record === undefined) {
        if (signal?.aborted === true) throw abortError(signal);
        loaded.runtime.clearPrefixCache();
        const config = spec.config(recipe.search.level, {
          seed: cellSeed(recipe.seed + 7919, 0, problem.id),
          maxTokens,
        });
        const result = await spec.searcher.search(
          problem,
          { policy: loaded.policy, task, ...(spec.reward === 'none' ? {} : { reward: oracle }) },
          { config },
        );
        const seen = new Map<string, boolean>();
        for (const c of result.candidates) {
          const text = c.steps.join(task.stepDelimiter);
          if (!seen.has(text)) seen.set(text, task.verify(problem, text).correct);
        }
        const chosen = result.steps.join(task.stepDelimiter);
        record = {
          key,
          problemId: problem.id,
          completions: [...seen].map(([text, correct]) => ({ text, correct })),
          solved: task.verify(problem, chosen).correct,
          generatedTokens: result.compute.generatedTokens,
          flops: result.compute.flops,
        };
        await journal.append(record);
        const solved = [...records, record].filter((r) => r.solved).length;
        bar.tick(1, `solved ${solved}/${records.length + 1}`);
      }
      records.push(record);
    }
  } finally {
    bar.done();
  }
  return records;
}

async function learnPhase(
  run: RunDir,
  roundDir: string,
  task: Task,
  loaded: LoadedPolicy,
  problems: readonly Problem[],
  records: readonly SearchRecord[],
  recipe: Recipe,
  log: (line: string) => void,
): Promise<LearnOutcome> {
  const name = `${roundDir}/learn.json`;
  const done = await run.readJson<LearnOutcome>(name);
  if (done !== undefined) return done;
  const outcome = await LEARNERS[recipe.learner.name]({
    loaded,
    task,
    problems: new Map(problems.map((p) => [p.id, p])),
    records,
    recipe: recipe.learner,
    seed: recipe.seed + 31 * Number(roundDir.slice('round-'.length)),
    outDir: run.file(roundDir),
    log,
  });
  await run.writeJson(name, outcome);
  log(
    `${outcome.learner}: ${outcome.numExamples} examples, ${outcome.numSteps} steps, loss ${outcome.finalLoss.toFixed(3)}, ${(outcome.timeMs / 1000).toFixed(1)} s on tfjs ${outcome.backend}`,
  );
  return outcome;
}

function formatEstimate(e: Estimate): string {
  return `${(100 * e.value).toFixed(1)}% [${(100 * e.lo).toFixed(1)}, ${(100 * e.hi).toFixed(1)}] (n=${e.n})`;
}
