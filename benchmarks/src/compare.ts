import { O1labError } from '@o1lab/core';
import type { BenchRecord } from './harness.js';
import { isMeasured } from './harness.js';

/** How much slower (as a fraction: 0.1 = 10 %) head may be than base before the gate reacts. */
export interface Thresholds {
  /** Slowdown that prints a warning. @default 0.10 */
  readonly warn: number;
  /** Slowdown that fails the check. @default 0.25 */
  readonly fail: number;
}

/**
 * The checked-in `benchmarks/thresholds.json`: a default, widened per suite or per benchmark
 * (`'<suite>/<benchmark>'`) where a workload is noisy. The most specific entry wins, field by field.
 */
export interface ThresholdsConfig {
  /**
   * Which throughput the ratios use: `value` (from the mean latency) or `p50` (from the median
   * latency, which a GC pause or a preempted sample does not move).
   * @default 'value'
   */
  readonly metric?: ComparedMetric;
  readonly default: Thresholds;
  readonly suites?: { readonly [suite: string]: Partial<Thresholds> };
  readonly benchmarks?: { readonly [key: string]: Partial<Thresholds> };
}

/** The record field the gate compares. */
export type ComparedMetric = 'value' | 'p50';

/** Warn at 10 % slower, fail at 25 % slower. */
export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({ warn: 0.1, fail: 0.25 });

/** One side's output of one round: records per suite name (the runner's `--json` output). */
export interface RoundOutput {
  readonly suites: { readonly [suite: string]: readonly BenchRecord[] };
}

/**
 * - `ok`: within the warning threshold (or faster);
 * - `warn`, `fail`: slower than that threshold;
 * - `base-only`, `head-only`: measured on one side only (added, removed or renamed): reported, never failed;
 * - `skipped`: a side recorded a skip (e.g. no GPU backend).
 */
export type ComparisonStatus = 'ok' | 'warn' | 'fail' | 'base-only' | 'head-only' | 'skipped';

/** The verdict on one benchmark. */
export interface Comparison {
  readonly suite: string;
  readonly name: string;
  readonly unit: string;
  readonly status: ComparisonStatus;
  /** The compared field. */
  readonly metric: ComparedMetric;
  /** Median over rounds of base's compared field. */
  readonly baseMedian?: number;
  /** Median over rounds of head's compared field. */
  readonly headMedian?: number;
  /** Median over rounds of head/base of the compared field in the same round; below 1 is slower. */
  readonly ratio?: number;
  /** Per-round head/base ratios, in round order. */
  readonly ratios?: readonly number[];
  /** Half the spread of head's values, relative to its median, in percent. */
  readonly headSpreadPct?: number;
  readonly thresholds: Thresholds;
  /** Why the status is what it is, for skips and one-sided benchmarks. */
  readonly note?: string;
}

/** All verdicts of a check. */
export interface CheckReport {
  readonly comparisons: readonly Comparison[];
  readonly numFail: number;
  readonly numWarn: number;
  readonly passed: boolean;
}

/**
 * Compares per-round outputs of base and head. Round `i` of base is paired with round `i` of head
 * (they ran back to back, so machine drift cancels within the pair); the verdict uses the median of
 * the paired ratios head/base of `value`, which one disturbed round cannot move.
 */
export function compareRuns(
  base: readonly RoundOutput[],
  head: readonly RoundOutput[],
  config: ThresholdsConfig = { default: DEFAULT_THRESHOLDS },
): CheckReport {
  const metric = config.metric ?? 'value';
  const baseSeries = collect(base, metric);
  const headSeries = collect(head, metric);
  const keys = [...new Set([...baseSeries.keys(), ...headSeries.keys()])].sort();
  const comparisons: Comparison[] = [];
  for (const key of keys) {
    const b = baseSeries.get(key);
    const h = headSeries.get(key);
    const { suite, name } = (b ?? h)!;
    const thresholds = thresholdsFor(config, suite, name);
    const unit = h?.unit ?? b?.unit ?? '';
    const common = { suite, name, unit, metric, thresholds };
    if (b === undefined || h === undefined) {
      const side = b === undefined ? 'head' : 'base';
      comparisons.push({ ...common, status: `${side}-only`, note: `only in ${side}` });
      continue;
    }
    const skip = h.skipped ?? b.skipped;
    if (skip !== undefined) {
      comparisons.push({ ...common, status: 'skipped', note: skip });
      continue;
    }
    if (b.unit !== h.unit) {
      comparisons.push({
        ...common,
        status: 'head-only',
        note: `unit changed from ${b.unit} to ${h.unit}; not comparable`,
      });
      continue;
    }
    const ratios: number[] = [];
    const numRounds = Math.min(b.values.length, h.values.length);
    for (let i = 0; i < numRounds; i++) {
      const bv = b.values[i];
      const hv = h.values[i];
      if (bv !== undefined && hv !== undefined && bv > 0) ratios.push(hv / bv);
    }
    const baseValues = b.values.filter((v): v is number => v !== undefined);
    const headValues = h.values.filter((v): v is number => v !== undefined);
    if (ratios.length === 0) {
      const side = headValues.length === 0 ? 'base' : 'head';
      comparisons.push({ ...common, status: `${side}-only`, note: 'no round measured it on both sides' });
      continue;
    }
    const ratio = median(ratios);
    const headMedian = median(headValues);
    const spread = headValues.length > 1 ? (Math.max(...headValues) - Math.min(...headValues)) / 2 : 0;
    // The epsilon makes "exactly 10 % slower" count as 10 % despite 1 - 0.9 = 0.0999...98.
    const slowdown = 1 - ratio + 1e-12;
    // A regression shows in every round; a round where head was not even `warn` slower means the
    // rounds disagree (JIT and scheduling on a shared machine move a microbenchmark by 2x between
    // processes), so the median alone only warns.
    const consistent = ratios.every((r) => 1 - r + 1e-12 >= thresholds.warn);
    const status =
      slowdown >= thresholds.fail
        ? consistent
          ? 'fail'
          : 'warn'
        : slowdown >= thresholds.warn
          ? 'warn'
          : 'ok';
    comparisons.push({
      ...common,
      status,
      ...(status === 'warn' && slowdown >= thresholds.fail ? { note: 'rounds disagree; not failed' } : {}),
      baseMedian: median(baseValues),
      headMedian,
      ratio,
      ratios,
      headSpreadPct: headMedian > 0 ? (100 * spread) / headMedian : 0,
    });
  }
  const numFail = comparisons.filter((c) => c.status === 'fail').length;
  const numWarn = comparisons.filter((c) => c.status === 'warn').length;
  return { comparisons, numFail, numWarn, passed: numFail === 0 };
}

/** The thresholds of one benchmark: benchmark entry over suite entry over default, field by field. */
export function thresholdsFor(config: ThresholdsConfig, suite: string, name: string): Thresholds {
  return {
    ...config.default,
    ...config.suites?.[suite],
    ...config.benchmarks?.[`${suite}/${name}`],
  };
}

/**
 * Validates a parsed `thresholds.json`. Errors name the offending entry, e.g.
 * `` `suites.tasks.fail` must be > `warn` ``.
 */
export function resolveThresholdsConfig(value: unknown, where = 'thresholds.json'): ThresholdsConfig {
  if (!isObject(value)) throw configError('the file must hold an object', where);
  const known = ['$comment', 'metric', 'default', 'suites', 'benchmarks'];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw configError(`unknown key \`${key}\` (known: ${known.join(', ')})`, where);
  }
  const metric = value.metric ?? 'value';
  if (metric !== 'value' && metric !== 'p50') {
    throw configError(`\`metric\` must be 'value' or 'p50', got ${JSON.stringify(metric)}`, where);
  }
  const defaults = checkPartial(value.default ?? {}, 'default', where);
  const resolvedDefault: Thresholds = { ...DEFAULT_THRESHOLDS, ...defaults };
  checkOrder(resolvedDefault, 'default', where);
  const sections: Record<string, Record<string, Partial<Thresholds>>> = {};
  for (const section of ['suites', 'benchmarks'] as const) {
    const entries = value[section] ?? {};
    if (!isObject(entries)) throw configError(`\`${section}\` must be an object`, where);
    sections[section] = {};
    for (const [key, entry] of Object.entries(entries)) {
      const partial = checkPartial(entry, `${section}.${key}`, where);
      checkOrder({ ...resolvedDefault, ...partial }, `${section}.${key}`, where);
      sections[section][key] = partial;
    }
  }
  return {
    metric,
    default: resolvedDefault,
    suites: sections.suites ?? {},
    benchmarks: sections.benchmarks ?? {},
  };
}

/**
 * The gate's result as github-action-benchmark's `customBiggerIsBetter` input: one entry per
 * benchmark measured on head, valued by head's median.
 */
export function toGithubBenchmark(
  report: CheckReport,
): { name: string; unit: string; value: number; range?: string; extra?: string }[] {
  const out: { name: string; unit: string; value: number; range?: string; extra?: string }[] = [];
  for (const c of report.comparisons) {
    if (c.headMedian === undefined) continue;
    const extra =
      c.ratio === undefined || c.baseMedian === undefined
        ? c.status
        : `${c.status}: ${c.metric} head/base ${c.ratio.toFixed(3)}, base ${c.baseMedian.toPrecision(6)} ${c.unit}`;
    out.push({
      name: `${c.suite}/${c.name}`,
      unit: c.unit,
      value: c.headMedian,
      ...(c.headSpreadPct === undefined ? {} : { range: `± ${c.headSpreadPct.toFixed(2)}%` }),
      extra,
    });
  }
  return out;
}

/** The median of a non-empty list (mean of the middle two for even lengths). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new O1labError('INVALID_INPUT', 'median of an empty list', { where: 'median' });
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Series {
  readonly suite: string;
  readonly name: string;
  readonly unit: string;
  /** `value` per round; `undefined` where that round did not measure it. */
  readonly values: (number | undefined)[];
  skipped?: string;
}

function collect(rounds: readonly RoundOutput[], metric: ComparedMetric): Map<string, Series> {
  const series = new Map<string, Series>();
  rounds.forEach((round, i) => {
    for (const [suite, records] of Object.entries(round.suites)) {
      for (const record of records) {
        const key = `${suite}/${record.name}`;
        let s = series.get(key);
        if (s === undefined) {
          s = { suite, name: record.name, unit: record.unit, values: [] };
          series.set(key, s);
        }
        if (isMeasured(record)) s.values[i] = record[metric];
        else s.skipped = record.skipped ?? 'no value';
      }
    }
  });
  for (const s of series.values()) s.values.length = rounds.length;
  return series;
}

function checkPartial(value: unknown, path: string, where: string): Partial<Thresholds> {
  if (!isObject(value))
    throw configError(`\`${path}\` must be an object like { "warn": 0.1, "fail": 0.25 }`, where);
  const out: { warn?: number; fail?: number } = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'warn' && key !== 'fail')
      throw configError(`unknown key \`${path}.${key}\` (known: warn, fail)`, where);
    if (typeof v !== 'number' || !(v > 0 && v < 1)) {
      throw configError(`\`${path}.${key}\` must be a fraction in (0, 1), got ${JSON.stringify(v)}`, where);
    }
    out[key] = v;
  }
  return out;
}

function checkOrder(t: Thresholds, path: string, where: string): void {
  if (!(t.fail > t.warn)) {
    throw configError(`\`${path}.fail\` (${t.fail}) must be > \`${path}.warn\` (${t.warn})`, where);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function configError(message: string, where: string): O1labError {
  return new O1labError('INVALID_CONFIG', message, { where });
}
