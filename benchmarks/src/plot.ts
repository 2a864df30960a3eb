import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonl, writeFileAtomic } from '@o1lab/core';
import { parse as parseVega, View } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';
import { isMeasured } from './harness.js';
import type { HistoryEntry } from './runner.js';
import { HISTORY_DIR } from './runner.js';

/** One plotted point: a benchmark's throughput in one history entry. */
export interface HistoryPoint {
  readonly date: string;
  readonly sha: string;
  /** `name (unit)`, the facet title. */
  readonly benchmark: string;
  readonly value: number;
  readonly p50: number;
  /** `<cpus>x <model>`: numbers from different machines are drawn apart, never joined. */
  readonly machine: string;
}

/**
 * Draws every `<suite>.jsonl` in `dir` as `<suite>.svg` beside it: one small panel per benchmark,
 * throughput over time, one line per machine. Returns the files written.
 */
export async function plotHistory(dir: string = HISTORY_DIR): Promise<string[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  } catch {
    return [];
  }
  const written: string[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const { records, errors } = parseJsonl<HistoryEntry>(await readFile(path, 'utf8'), undefined, path);
    for (const e of errors) process.stderr.write(`${e.file}:${e.line}: ${e.reason} (line skipped)\n`);
    const suite = file.replace(/\.jsonl$/, '');
    const points = historyPoints(records);
    if (points.length === 0) continue;
    const out = join(dir, `${suite}.svg`);
    await writeFileAtomic(out, await renderHistorySvg(suite, points));
    written.push(out);
  }
  return written;
}

/** Flattens history entries into plotted points; skipped records have no number and are left out. */
export function historyPoints(entries: readonly HistoryEntry[]): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  for (const entry of entries) {
    const machine = `${entry.machine.cpus}x ${entry.machine.model}`;
    for (const record of entry.records ?? []) {
      if (!isMeasured(record)) continue;
      points.push({
        date: entry.date,
        sha: entry.sha.slice(0, 10),
        benchmark: `${record.name} (${record.unit})`,
        value: record.value,
        p50: record.p50,
        machine,
      });
    }
  }
  return points;
}

/** The vega-lite spec of one suite's history. */
export function historySpec(suite: string, points: readonly HistoryPoint[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${suite}: throughput per commit (higher is better)`,
    data: { values: points.map((p) => ({ ...p })) },
    facet: { field: 'benchmark', type: 'nominal', title: null, header: { labelFontSize: 11 } },
    columns: 3,
    spec: {
      width: 240,
      height: 120,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'date', type: 'temporal', title: null },
        y: { field: 'value', type: 'quantitative', title: 'per second', scale: { zero: false } },
        color: { field: 'machine', type: 'nominal', legend: { orient: 'bottom', title: 'machine' } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Renders the spec to SVG headless (vega's `none` renderer: no canvas, no browser). */
export async function renderHistorySvg(suite: string, points: readonly HistoryPoint[]): Promise<string> {
  const vegaSpec = compile(historySpec(suite, points)).spec;
  const view = new View(parseVega(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  plotHistory().then(
    (written) => {
      process.stdout.write(
        written.length === 0
          ? `no history in ${HISTORY_DIR}; run \`npm run bench -- --history\` first\n`
          : `${written.join('\n')}\n`,
      );
    },
    (error: unknown) => {
      process.stderr.write(`bench:plot: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
