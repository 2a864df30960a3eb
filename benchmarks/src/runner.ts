import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileAtomic } from '@o1lab/core';
import { detectGpu } from './gpu.js';
import type { BenchContext, BenchDevice, BenchRecord, BenchSuite, MachineInfo } from './harness.js';
import { gitSha, isMeasured, machineInfo } from './harness.js';

/** The repository root (this file lives in `benchmarks/src` or `benchmarks/dist`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where `npm run bench` writes `<suite>.json`. */
export const REPORTS_DIR = join(REPO_ROOT, 'reports', 'bench');
/** Where `--history` appends `<suite>.jsonl`. */
export const HISTORY_DIR = join(REPORTS_DIR, 'history');
/** The suites next to this runner: `dist/suites` when built, `src/suites` under tests. */
export const DEFAULT_SUITES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'suites');

const SUITE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Options of {@link runSuites}. */
export interface RunOptions {
  /** @default false */
  readonly quick?: boolean;
  /** @default 'cpu' */
  readonly device?: BenchDevice;
  /** Suite names or suite file names (without extension); empty runs all. @default [] */
  readonly filter?: readonly string[];
  /** @default DEFAULT_SUITES_DIR */
  readonly suitesDir?: string;
  /** Progress lines (never stdout under `--json`). @default no output */
  readonly log?: (line: string) => void;
}

/** The records of one suite name, merged over its files. */
export interface SuiteResult {
  readonly name: string;
  readonly description: string;
  /** Suite files (base names) that declared this name. */
  readonly files: readonly string[];
  readonly records: readonly BenchRecord[];
  /** Set when a file of the suite threw; its records are missing. */
  readonly errors: readonly string[];
}

/** Everything one run produced. */
export interface RunResult {
  readonly suites: readonly SuiteResult[];
  /** Suite files that could not be imported and whose file name matched the filter (or no filter). */
  readonly loadErrors: readonly string[];
  /** Suites not run because they cannot use the requested device. */
  readonly notOnDevice: readonly string[];
}

interface LoadedSuite {
  readonly file: string;
  readonly suite: BenchSuite;
}

/**
 * Discovers the suite files in `suitesDir` (`*.js`, or `*.ts` when run from sources), imports them,
 * keeps those matching the filter and runs them suite by suite. A suite that throws is reported in
 * its result and the others still run.
 */
export async function runSuites(options: RunOptions = {}): Promise<RunResult> {
  const device = options.device ?? 'cpu';
  const filter = options.filter ?? [];
  const log = options.log ?? (() => {});
  const { suites, loadErrors } = await loadSuites(options.suitesDir ?? DEFAULT_SUITES_DIR, filter);
  const byName = new Map<string, LoadedSuite[]>();
  for (const loaded of suites) {
    const group = byName.get(loaded.suite.name) ?? [];
    group.push(loaded);
    byName.set(loaded.suite.name, group);
  }
  const gpu = device === 'gpu' ? await detectGpu(REPO_ROOT) : undefined;
  if (gpu !== undefined)
    log(`GPU lane: ${gpu.summary}${gpu.ort || gpu.tfjs ? '' : ' - GPU benchmarks are recorded as skipped'}`);
  const results: SuiteResult[] = [];
  const notOnDevice: string[] = [];
  for (const [name, group] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    const runnable = group.filter((g) => (g.suite.devices ?? ['cpu']).includes(device));
    if (runnable.length === 0) {
      notOnDevice.push(name);
      continue;
    }
    const ctx: BenchContext = {
      quick: options.quick ?? false,
      device,
      filter,
      suite: name,
      ...(gpu ? { gpu } : {}),
    };
    const records: BenchRecord[] = [];
    const errors: string[] = [];
    for (const { file, suite } of runnable) {
      log(`${name}: ${file}`);
      try {
        records.push(...(await suite.run(ctx)));
      } catch (error) {
        errors.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    results.push({
      name,
      description: runnable[0]!.suite.description,
      files: runnable.map((r) => r.file),
      records,
      errors,
    });
  }
  if (notOnDevice.length > 0) log(`not run on --device ${device} (CPU only): ${notOnDevice.join(', ')}`);
  return { suites: results, loadErrors, notOnDevice };
}

/**
 * True when `filter` is empty or one of its terms equals the suite name or the file's base name
 * without extension.
 */
export function matchesFilter(
  filter: readonly string[],
  suiteName: string | undefined,
  file: string,
): boolean {
  if (filter.length === 0) return true;
  const stem = fileStem(file);
  return filter.some((term) => term === suiteName || term === stem);
}

async function loadSuites(
  dir: string,
  filter: readonly string[],
): Promise<{ suites: LoadedSuite[]; loadErrors: string[] }> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return { suites: [], loadErrors: [] };
  }
  const files = entries.filter(isSuiteFile).sort();
  const suites: LoadedSuite[] = [];
  const loadErrors: string[] = [];
  for (const file of files) {
    // Importing a suite loads its packages (a model runtime takes seconds), so a filtered run skips
    // files whose declared name can be read from the source and does not match.
    const declared = peekSuiteName(await readFile(join(dir, file), 'utf8'));
    if (declared !== undefined && !matchesFilter(filter, declared, file)) continue;
    let suite: unknown;
    try {
      suite = ((await import(pathToFileURL(join(dir, file)).href)) as { suite?: unknown }).suite;
      checkSuite(suite, file);
    } catch (error) {
      // A broken suite someone else owns must not stop a filtered run of other suites.
      if (matchesFilter(filter, undefined, file)) {
        loadErrors.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
      continue;
    }
    if (matchesFilter(filter, suite.name, file)) suites.push({ file, suite });
  }
  return { suites, loadErrors };
}

/**
 * The suite name a file declares as `export const suite = { name: '...'`, read without importing
 * it; `undefined` when the file does not follow that form.
 */
export function peekSuiteName(source: string): string | undefined {
  return /export const suite\b[^=]*=\s*\{\s*name:\s*['"]([a-z0-9-]+)['"]/.exec(source)?.[1];
}

function checkSuite(suite: unknown, file: string): asserts suite is BenchSuite {
  const s = suite as Partial<BenchSuite> | undefined;
  if (typeof s !== 'object' || s === null) throw new Error(`${file} does not export \`suite\``);
  if (typeof s.name !== 'string' || !SUITE_NAME.test(s.name)) {
    throw new Error(
      `${file}: \`suite.name\` must be lowercase letters, digits and dashes, got ${String(s.name)}`,
    );
  }
  if (typeof s.run !== 'function') throw new Error(`${file}: \`suite.run\` must be a function`);
  if (typeof s.description !== 'string') throw new Error(`${file}: \`suite.description\` must be a string`);
}

function isSuiteFile(file: string): boolean {
  if (file.endsWith('.d.ts') || file.includes('.test.')) return false;
  return file.endsWith('.js') || file.endsWith('.ts');
}

function fileStem(file: string): string {
  return basename(file).replace(/\.(js|ts)$/, '');
}

/**
 * Writes one JSON array per suite: `<dir>/<suite>.json`, or `<suite>.gpu.json` for the GPU lane
 * so that it never overwrites the CPU numbers.
 */
export async function writeSuiteReports(
  results: RunResult,
  dir: string,
  device: BenchDevice,
): Promise<string[]> {
  const written: string[] = [];
  for (const suite of results.suites) {
    const path = join(dir, `${suite.name}${device === 'gpu' ? '.gpu' : ''}.json`);
    await writeFileAtomic(path, `${JSON.stringify(suite.records, null, 2)}\n`);
    written.push(path);
  }
  return written;
}

/** One line of `reports/bench/history/<suite>.jsonl`. */
export interface HistoryEntry {
  readonly date: string;
  readonly sha: string;
  readonly machine: MachineInfo;
  readonly records: readonly BenchRecord[];
}

/**
 * Appends one {@link HistoryEntry} per suite to `<dir>/<suite>.jsonl` (`<suite>.gpu.jsonl` for the
 * GPU lane). The file is rewritten atomically (old lines plus the new one), so a crash never leaves
 * half a line.
 */
export async function appendHistory(
  results: RunResult,
  dir: string,
  device: BenchDevice = 'cpu',
): Promise<string[]> {
  const written: string[] = [];
  for (const suite of results.suites) {
    if (suite.records.length === 0) continue;
    const path = join(dir, `${suite.name}${device === 'gpu' ? '.gpu' : ''}.jsonl`);
    let old = '';
    try {
      old = await readFile(path, 'utf8');
    } catch {
      old = '';
    }
    if (old.length > 0 && !old.endsWith('\n')) old += '\n';
    const entry: HistoryEntry = {
      date: new Date().toISOString(),
      sha: gitSha(),
      machine: machineInfo(),
      records: suite.records,
    };
    await writeFileAtomic(path, `${old}${JSON.stringify(entry)}\n`);
    written.push(path);
  }
  return written;
}

/** A fixed-width text table of the results, one row per benchmark. */
export function formatTable(results: RunResult): string {
  const rows: string[][] = [['suite', 'benchmark', 'mean', 'p50', 'unit', '±rme', 'samples']];
  for (const suite of results.suites) {
    for (const r of suite.records) {
      if (isMeasured(r)) {
        rows.push([
          suite.name,
          r.name,
          formatNumber(r.value),
          formatNumber(r.p50),
          r.unit,
          `${(r.rme ?? 0).toFixed(1)}%`,
          String(r.samples ?? ''),
        ]);
      } else {
        rows.push([suite.name, r.name, '-', '-', r.unit, '', `skipped: ${r.skipped ?? 'no value'}`]);
      }
    }
    for (const error of suite.errors) rows.push([suite.name, 'ERROR', '', '', '', '', error]);
  }
  return alignColumns(rows, [false, false, true, true, false, true, false]);
}

/** Formats a throughput with 4 significant digits and a k/M/G suffix. */
export function formatNumber(x: number): string {
  const abs = Math.abs(x);
  if (abs >= 1e9) return `${(x / 1e9).toPrecision(4)}G`;
  if (abs >= 1e6) return `${(x / 1e6).toPrecision(4)}M`;
  if (abs >= 1e3) return `${(x / 1e3).toPrecision(4)}k`;
  return x.toPrecision(4);
}

/** Pads columns to equal width; `right[i]` right-aligns column i. */
export function alignColumns(rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
