import {
  type ComputeSnapshot,
  O1labError,
  type Policy,
  type Problem,
  type Registry,
  type RewardModel,
  type SearchResult,
  type Task,
  wilsonInterval,
} from '@o1lab/core';
import type { OrtRuntime } from '@o1lab/model';
import { createVerifierRewardModel } from '@o1lab/reward-model';
import type { MethodSpec } from './methods.js';
import type { CurvePoint, PointCompute } from './metrics.js';
import { type Progress, silentProgress } from './progress.js';
import type { BudgetKind } from './recipe.js';
import type { Journal } from './run-dir.js';

/** One search: a method at a level on one problem with one seed. */
export interface CellRecord {
  readonly key: string;
  readonly method: string;
  readonly level: number;
  readonly seedIndex: number;
  readonly problemId: string;
  readonly correct: boolean;
  readonly answer: string | null;
  readonly compute: ComputeSnapshot;
}

/** Everything a test-time scaling sweep needs. */
export interface SweepInputs {
  readonly task: Task;
  readonly policy: Policy;
  /** Its runtime: the prefix cache is cleared before every search so each is independent of the order. */
  readonly runtime?: OrtRuntime;
  /** The learned reward model of `reward: 'learned'` methods; without it they get the verifier oracle. */
  readonly reward?: RewardModel;
  readonly methods: readonly string[];
  readonly levels: readonly number[];
  /** What a level is (see `EvaluationRecipe.budget`). @default 'level' */
  readonly budget?: BudgetKind;
  readonly problems: readonly Problem[];
  readonly seeds: number;
  readonly seed: number;
  readonly maxTokens: number;
  readonly registry: Registry<MethodSpec>;
  /** Finished searches (resume): cells found here are not run again. */
  readonly journal?: Journal<CellRecord>;
  readonly progress?: Progress;
  readonly label?: string;
  /** Checked between searches. */
  readonly signal?: AbortSignal;
  /** Called with every search run (not with journaled ones), e.g. to keep the trees. */
  readonly onResult?: (cell: CellRecord, result: SearchResult) => Promise<void>;
}

/**
 * Runs every method at every level on every (problem, seed), and reduces each (method, level) to a
 * curve point: accuracy with its 95% Wilson interval and the mean compute per search. Searches of
 * one problem share a seed across methods and levels (common random numbers: method differences are
 * not sampling noise between methods).
 */
export async function runSweep(inputs: SweepInputs): Promise<CurvePoint[]> {
  const { task, registry, problems } = inputs;
  if (problems.length === 0) {
    throw new O1labError('INVALID_INPUT', 'a sweep needs at least one problem', { where: 'runSweep' });
  }
  const oracle = createVerifierRewardModel(task);
  const plan: { method: string; spec: MethodSpec; level: number }[] = [];
  for (const method of inputs.methods) {
    const spec = registry.get(method);
    const levels = spec.scalable ? [...new Set(inputs.levels)].sort((a, b) => a - b) : [1];
    for (const level of levels) plan.push({ method, spec, level });
  }
  const total = plan.length * problems.length * inputs.seeds;
  const done = countDone(inputs.journal, plan, problems, inputs.seeds);
  const progress = inputs.progress ?? silentProgress;
  const bar = progress.bar(inputs.label ?? 'test-time sweep', total, done);
  const points: CurvePoint[] = [];
  try {
    for (const { method, spec, level } of plan) {
      const cells: CellRecord[] = [];
      for (let s = 0; s < inputs.seeds; s++) {
        for (let p = 0; p < problems.length; p++) {
          const problem = problems[p]!;
          const key = cellKey(method, level, s, problem.id);
          let cell = inputs.journal?.get(key);
          if (cell === undefined) {
            if (inputs.signal?.aborted === true) throw abortError(inputs.signal);
            cell = await runCell(inputs, spec, oracle, { method, level, seedIndex: s, problem, key });
            await inputs.journal?.append(cell);
            bar.tick(1, `${method} N=${level}`);
          }
          cells.push(cell);
        }
      }
      points.push(curvePoint(method, level, cells, problems.length, inputs.seeds));
    }
  } finally {
    bar.done();
  }
  return points;
}

/** The seed of the searches of problem `p` with seed index `s` (the same for every method and level). */
export function cellSeed(runSeed: number, seedIndex: number, problemId: string): number {
  let h = (0x811c9dc5 ^ runSeed ^ Math.imul(seedIndex + 1, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < problemId.length; i++) {
    h ^= problemId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function cellKey(method: string, level: number, seedIndex: number, problemId: string): string {
  return `${method}|${level}|${seedIndex}|${problemId}`;
}

async function runCell(
  inputs: SweepInputs,
  spec: MethodSpec,
  oracle: RewardModel,
  cell: { method: string; level: number; seedIndex: number; problem: Problem; key: string },
): Promise<CellRecord> {
  const { task, policy } = inputs;
  inputs.runtime?.clearPrefixCache();
  const reward =
    spec.reward === 'oracle' ? oracle : spec.reward === 'learned' ? (inputs.reward ?? oracle) : undefined;
  const base = { seed: cellSeed(inputs.seed, cell.seedIndex, cell.problem.id), maxTokens: inputs.maxTokens };
  // Methods with one budget (greedy) run as they are.
  const tokenBudget = inputs.budget === 'generatedTokens' && spec.scalable;
  // A token budget caps the search; the knob is sized so that the cap, not the knob, binds.
  const knob = tokenBudget
    ? (spec.tokensToLevel?.(cell.level, base) ?? levelForTokens(cell.level, inputs.maxTokens))
    : cell.level;
  const config = spec.config(knob, base);
  const result = await spec.searcher.search(
    cell.problem,
    { policy, task, ...(reward === undefined ? {} : { reward }) },
    tokenBudget ? { config, budget: { generatedTokens: cell.level } } : { config },
  );
  const verdict = task.verify(cell.problem, result.steps.join(task.stepDelimiter));
  const record: CellRecord = {
    key: cell.key,
    method: cell.method,
    level: cell.level,
    seedIndex: cell.seedIndex,
    problemId: cell.problem.id,
    correct: verdict.correct,
    answer: result.answer,
    compute: result.compute,
  };
  await inputs.onResult?.(record, result);
  return record;
}

/**
 * The knob for a token budget: completions use about half of `maxTokens` on the synthetic tasks, so
 * N = 2 x tokens / maxTokens samples (rounded up to a power of two, so beam widths divide it).
 */
export function levelForTokens(tokens: number, maxTokens: number): number {
  const n = Math.max(1, Math.ceil((2 * tokens) / maxTokens));
  return 2 ** Math.ceil(Math.log2(n));
}

function curvePoint(
  method: string,
  level: number,
  cells: readonly CellRecord[],
  problems: number,
  seeds: number,
): CurvePoint {
  const correct = cells.filter((c) => c.correct).length;
  const meanOf = (field: keyof PointCompute) =>
    cells.reduce((s, c) => s + c.compute[field], 0) / cells.length;
  return {
    method,
    level,
    accuracy: wilsonInterval(correct, cells.length),
    compute: {
      generatedTokens: meanOf('generatedTokens'),
      prefillTokens: meanOf('prefillTokens'),
      cachedPrefillTokens: meanOf('cachedPrefillTokens'),
      rewardTokens: meanOf('rewardTokens'),
      flops: meanOf('flops'),
      wallTimeMs: meanOf('wallTimeMs'),
    },
    problems,
    seeds,
  };
}

function countDone(
  journal: Journal<CellRecord> | undefined,
  plan: readonly { method: string; level: number }[],
  problems: readonly Problem[],
  seeds: number,
): number {
  if (journal === undefined) return 0;
  let n = 0;
  for (const { method, level } of plan)
    for (let s = 0; s < seeds; s++)
      for (const p of problems) if (journal.get(cellKey(method, level, s, p.id)) !== undefined) n++;
  return n;
}

export function abortError(signal: AbortSignal): O1labError {
  return new O1labError('INTERNAL', 'the run was interrupted', {
    where: 'run',
    hint: 'finished work is journaled; run again with --resume to continue',
    cause: signal.reason,
  });
}
