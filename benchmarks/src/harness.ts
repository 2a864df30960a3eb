import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json } from '@o1lab/core';
import { O1labError } from '@o1lab/core';
import { Bench } from 'tinybench';
import type { GpuInfo } from './gpu.js';

/** Where a benchmark runs. `gpu` asks suites for their CUDA lane (ORT CUDA EP, tfjs-node-gpu). */
export type BenchDevice = 'cpu' | 'gpu';

/**
 * The engine a benchmark ran on: `'js'` for plain JavaScript, or one entry per engine, e.g.
 * `{ tfjs: 'wasm', ort: 'cpu' }` or `{ ort: 'cuda' }`.
 */
export type BenchBackend = string | { readonly [engine: string]: string };

/** The machine a record was measured on. */
export interface MachineInfo {
  readonly cpus: number;
  /** CPU model string of the first core. */
  readonly model: string;
  /** Total memory in GiB, one decimal. */
  readonly memGiB: number;
}

/**
 * One benchmark result. `value` and `p50` are throughputs in `unit` (a domain unit per second:
 * higher is better); a record with `skipped` carries the reason instead and has no numbers.
 */
export interface BenchRecord {
  /** Unique within its suite, e.g. `rng/nextUint32`. */
  readonly name: string;
  /** Domain unit per second, e.g. `'tokens/s'`. */
  readonly unit: string;
  /** Items per second from the mean latency. */
  readonly value?: number;
  /** Items per second from the median latency. */
  readonly p50?: number;
  /** Relative margin of error of the mean latency, in percent. */
  readonly rme?: number;
  /** Number of timed iterations. */
  readonly samples?: number;
  /** Why no number was measured (e.g. `'no GPU backend'`). */
  readonly skipped?: string;
  readonly machine: MachineInfo;
  /** `process.version`. */
  readonly node: string;
  readonly backend: BenchBackend;
  /** The workload's configuration, as written into reports. */
  readonly config: Json;
  readonly seed: number;
  /** Commit of the code that ran (`'unknown'` outside git). */
  readonly gitSha: string;
  /** ISO 8601 time the record was made. */
  readonly date: string;
}

/** What the runner hands every suite. */
export interface BenchContext {
  /** Shorter time budgets (CI, `bench:check`). @default false */
  readonly quick: boolean;
  /** @default 'cpu' */
  readonly device: BenchDevice;
  /** The `--filter` terms as given (suite or file names); suites may use them to pick benchmarks. */
  readonly filter: readonly string[];
  /** Name of the suite being run; set by the runner. */
  readonly suite: string;
  /** GPU detection result; present only when `device` is `'gpu'`. */
  readonly gpu?: GpuInfo;
}

/**
 * A benchmark suite. Each file `benchmarks/src/suites/<file>.ts` exports one as `suite`; files that
 * share a `name` are merged into one `reports/bench/<name>.json`.
 */
export interface BenchSuite {
  /** Suite name, e.g. `'core'`, `'model'`; lowercase, digits and dashes. */
  readonly name: string;
  /** One line: what the suite measures. */
  readonly description: string;
  /**
   * Devices the suite can run on. Under `--device gpu` only suites that list `'gpu'` run.
   * @default ['cpu']
   */
  readonly devices?: readonly BenchDevice[];
  run(ctx: BenchContext): Promise<BenchRecord[]>;
}

/** One measured workload, for {@link measure}. */
export interface MeasureTask {
  /** Unique within the suite, e.g. `'parseJsonl/lines'`. */
  readonly name: string;
  /** Domain unit per second, e.g. `'tokens/s'`; must end in `/s`. */
  readonly unit: string;
  /**
   * Domain items one call of `fn` processes (tokens, simulations, lines). A function is called once
   * after the timed phase, for workloads whose size is only known from running them (e.g. tokens
   * generated until a stop); it must return the mean items per call.
   */
  readonly itemsPerIteration: number | (() => number);
  /**
   * The timed work. Return its result (or a checksum of it): the harness keeps it so the JIT
   * cannot remove the work. Fast operations should loop inside `fn` (and count the loop in
   * `itemsPerIteration`) so each call takes well over a microsecond.
   */
  readonly fn: () => unknown;
  /** Untimed preparation, run once before warmup. */
  readonly setup?: () => unknown;
  /** The workload configuration, written into the record. */
  readonly config: Json;
  /** Seed of the workload's `Rng`. */
  readonly seed: number;
  /** @default 'js' */
  readonly backend?: BenchBackend;
  /**
   * Time budget of the timed phase in ms. @default 1000 (quick: 150)
   */
  readonly timeMs?: number;
  /**
   * Minimum timed iterations, whatever the time budget. @default 10 (quick: 4)
   */
  readonly minIterations?: number;
}

/** Timed-phase budget per benchmark. */
export const DEFAULT_TIME_MS = 1000;
/** Timed-phase budget per benchmark under `--quick`. */
export const QUICK_TIME_MS = 150;
/** Minimum timed iterations per benchmark. */
export const DEFAULT_MIN_ITERATIONS = 10;
/** Minimum timed iterations per benchmark under `--quick`. */
export const QUICK_MIN_ITERATIONS = 4;
/**
 * Test-only: `O1LAB_BENCH_SLOWDOWN=name:factor[,name:factor]` makes every timed call of the matching
 * suite (or benchmark) take `factor` times as long, by spinning after it. The regression gate's
 * end-to-end test uses it to fake a slower build.
 */
export const SLOWDOWN_ENV = 'O1LAB_BENCH_SLOWDOWN';

/**
 * Runs one workload with tinybench and turns the latency statistics into a {@link BenchRecord}.
 * Throws when the workload throws.
 */
export async function measure(task: MeasureTask, ctx: BenchContext): Promise<BenchRecord> {
  const where = `measure(${task.name})`;
  checkTask(task, where);
  const timeMs = task.timeMs ?? (ctx.quick ? QUICK_TIME_MS : DEFAULT_TIME_MS);
  const iterations = task.minIterations ?? (ctx.quick ? QUICK_MIN_ITERATIONS : DEFAULT_MIN_ITERATIONS);
  await task.setup?.();
  const fn = withSlowdown(task.fn, slowdownFactor(process.env[SLOWDOWN_ENV], ctx.suite, task.name));
  const bench = new Bench({
    name: task.name,
    time: timeMs,
    iterations,
    warmupTime: Math.max(20, timeMs / 5),
    warmupIterations: Math.max(1, Math.ceil(iterations / 4)),
    throws: true,
  });
  bench.add(task.name, () => keep(fn()));
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (result === undefined || result.state !== 'completed') {
    throw new O1labError('INTERNAL', `benchmark did not complete (state ${result?.state ?? 'missing'})`, {
      where,
    });
  }
  const items =
    typeof task.itemsPerIteration === 'function' ? task.itemsPerIteration() : task.itemsPerIteration;
  if (!(items > 0) || !Number.isFinite(items)) {
    throw new O1labError('INVALID_CONFIG', `\`itemsPerIteration\` must be > 0, got ${items}`, { where });
  }
  const { latency } = result;
  return {
    name: task.name,
    unit: task.unit,
    value: perSecond(items, latency.mean, where),
    p50: perSecond(items, latency.p50, where),
    rme: round(latency.rme, 2),
    samples: latency.samplesCount,
    ...provenance(task),
  };
}

/**
 * A record that says why a benchmark was not measured (e.g. `'no GPU backend'`); it carries no
 * numbers, so nothing downstream can mistake it for a measurement.
 */
export function skippedRecord(
  task: Pick<MeasureTask, 'name' | 'unit' | 'config' | 'seed' | 'backend'>,
  reason: string,
): BenchRecord {
  if (reason.length === 0) {
    throw new O1labError('INVALID_INPUT', '`reason` must not be empty', {
      where: `skippedRecord(${task.name})`,
    });
  }
  return { name: task.name, unit: task.unit, skipped: reason, ...provenance(task) };
}

/**
 * The same measurement in another unit: `items` per call of the new unit divided by the old one's,
 * e.g. bytes per line to turn `lines/s` into `MB/s` without timing the work twice.
 */
export function rescaleRecord(record: BenchRecord, name: string, unit: string, ratio: number): BenchRecord {
  if (!(ratio > 0) || !Number.isFinite(ratio)) {
    throw new O1labError('INVALID_INPUT', `\`ratio\` must be > 0, got ${ratio}`, {
      where: `rescaleRecord(${name})`,
    });
  }
  if (!isMeasured(record)) return { ...record, name, unit };
  return { ...record, name, unit, value: record.value * ratio, p50: record.p50 * ratio };
}

/** True when the record holds a measurement (not a skip). */
export function isMeasured(record: BenchRecord): record is BenchRecord & { value: number; p50: number } {
  return record.skipped === undefined && typeof record.value === 'number';
}

/** This machine, as written into every record. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    memGiB: round(totalmem() / 2 ** 30, 1),
  };
}

let cachedSha: string | undefined;

/**
 * Commit of the checkout this file belongs to, so that base and head builds in `bench:check` each
 * report their own. `O1LAB_GIT_SHA` overrides it (for exported trees without `.git`).
 */
export function gitSha(): string {
  if (cachedSha !== undefined) return cachedSha;
  const fromEnv = process.env.O1LAB_GIT_SHA;
  if (fromEnv !== undefined && fromEnv.length > 0) {
    cachedSha = fromEnv;
    return cachedSha;
  }
  try {
    cachedSha = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: dirname(fileURLToPath(import.meta.url)),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    cachedSha = 'unknown';
  }
  return cachedSha;
}

/**
 * Parses {@link SLOWDOWN_ENV} and returns the factor for this suite or benchmark (1 when none).
 * Exported for tests.
 */
export function slowdownFactor(spec: string | undefined, suite: string, benchmark: string): number {
  if (spec === undefined || spec.trim().length === 0) return 1;
  for (const part of spec.split(',')) {
    const [name, factorText] = part.split(':');
    const factor = Number(factorText);
    if (name === undefined || !(factor >= 1) || !Number.isFinite(factor)) {
      throw new O1labError(
        'INVALID_CONFIG',
        `\`${SLOWDOWN_ENV}\` entry '${part}' must be name:factor with factor >= 1`,
      );
    }
    if (name.trim() === suite || name.trim() === benchmark) return factor;
  }
  return 1;
}

// A module-level sink: results stored here escape the timed function, so the JIT cannot treat the
// work that made them as dead code.
let sink: unknown;

/** Keeps a value alive past the timed call; see {@link MeasureTask.fn}. */
export function keep<T>(value: T): T {
  sink = value;
  return value;
}

/** The last value kept (lets tests see that results are consumed). */
export function lastKept(): unknown {
  return sink;
}

function withSlowdown(fn: () => unknown, factor: number): () => unknown {
  if (factor === 1) return fn;
  const spin = (start: number): void => {
    const until = start + (performance.now() - start) * factor;
    while (performance.now() < until) {
      // spin: sleeping would free the CPU and distort throughput less faithfully than real work
    }
  };
  return () => {
    const start = performance.now();
    const out = fn();
    if (out instanceof Promise) {
      return out.then((value: unknown) => {
        spin(start);
        return value;
      });
    }
    spin(start);
    return out;
  };
}

function checkTask(task: MeasureTask, where: string): void {
  if (typeof task.name !== 'string' || task.name.length === 0) {
    throw new O1labError('INVALID_CONFIG', '`name` must be a non-empty string', { where });
  }
  if (typeof task.unit !== 'string' || !task.unit.endsWith('/s') || task.unit.length < 3) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`unit\` must be a per-second unit like 'tokens/s', got '${task.unit}'`,
      {
        where,
      },
    );
  }
  if (typeof task.itemsPerIteration === 'number' && !(task.itemsPerIteration > 0)) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`itemsPerIteration\` must be > 0, got ${task.itemsPerIteration}`,
      {
        where,
      },
    );
  }
  if (!Number.isInteger(task.seed) || task.seed < 0) {
    throw new O1labError('INVALID_CONFIG', `\`seed\` must be a non-negative integer, got ${task.seed}`, {
      where,
    });
  }
  if (task.timeMs !== undefined && !(task.timeMs > 0)) {
    throw new O1labError('INVALID_CONFIG', `\`timeMs\` must be > 0, got ${task.timeMs}`, { where });
  }
  if (
    task.minIterations !== undefined &&
    !(Number.isInteger(task.minIterations) && task.minIterations >= 1)
  ) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`minIterations\` must be an integer >= 1, got ${task.minIterations}`,
      {
        where,
      },
    );
  }
}

function provenance(
  task: Pick<MeasureTask, 'config' | 'seed' | 'backend'>,
): Omit<BenchRecord, 'name' | 'unit'> {
  return {
    machine: machineInfo(),
    node: process.version,
    backend: task.backend ?? 'js',
    config: task.config,
    seed: task.seed,
    gitSha: gitSha(),
    date: new Date().toISOString(),
  };
}

function perSecond(items: number, latencyMs: number, where: string): number {
  if (!(latencyMs > 0)) {
    throw new O1labError('INVALID_INPUT', 'calls are too fast for the timer to measure', {
      where,
      hint: 'loop inside `fn` and count the loop in `itemsPerIteration`',
    });
  }
  return round((items * 1000) / latencyMs, 4, true);
}

/** Rounds to `digits` decimals, or to `digits` significant digits when `significant`. */
function round(x: number, digits: number, significant = false): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (significant) return Number(x.toPrecision(digits + 2));
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export type { GpuInfo } from './gpu.js';
export { detectGpu, gpuSkipReason, NO_GPU_BACKEND, probeOrtSession } from './gpu.js';
