import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatJsonl } from '@o1lab/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchRecord } from './harness.js';
import { historyPoints, historySpec, plotHistory, renderHistorySvg } from './plot.js';
import type { HistoryEntry } from './runner.js';

const machine = { cpus: 2, model: 'Test CPU', memGiB: 8 };
const provenance = {
  machine,
  node: 'v20',
  backend: 'js',
  config: {},
  seed: 1,
  gitSha: 'a'.repeat(40),
} as const;

function entry(day: number, value: number): HistoryEntry {
  const date = `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;
  const records: BenchRecord[] = [
    {
      name: 'rng/nextFloat',
      unit: 'numbers/s',
      value,
      p50: value * 1.01,
      rme: 1,
      samples: 50,
      date,
      ...provenance,
    },
    { name: 'gpu/forward', unit: 'tokens/s', skipped: 'no GPU backend', date, ...provenance },
  ];
  return { date, sha: `${day}`.repeat(40).slice(0, 40), machine, records };
}

const tmp = await mkdtemp(join(tmpdir(), 'o1lab-bench-plot-'));
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('history plots', () => {
  it('flattens history into points and leaves skipped records out', () => {
    const points = historyPoints([entry(1, 100), entry(2, 120)]);
    expect(points).toEqual([
      {
        date: '2026-01-01T00:00:00.000Z',
        sha: '1111111111',
        benchmark: 'rng/nextFloat (numbers/s)',
        value: 100,
        p50: 101,
        machine: '2x Test CPU',
      },
      {
        date: '2026-01-02T00:00:00.000Z',
        sha: '2222222222',
        benchmark: 'rng/nextFloat (numbers/s)',
        value: 120,
        p50: 121.2,
        machine: '2x Test CPU',
      },
    ]);
  });

  it('facets by benchmark with independent y scales', () => {
    const spec = historySpec('core', historyPoints([entry(1, 100)])) as unknown as Record<string, unknown>;
    expect(spec.facet).toMatchObject({ field: 'benchmark' });
    expect(spec.resolve).toEqual({ scale: { y: 'independent' } });
  });

  it('renders an SVG with vega headless', async () => {
    const svg = await renderHistorySvg('core', historyPoints([entry(1, 100), entry(2, 120), entry(3, 90)]));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('rng/nextFloat (numbers/s)');
    expect(svg).toContain('core: throughput per commit');
    expect(svg).not.toContain('gpu/forward');
  });

  it('writes one SVG per history file', async () => {
    await writeFile(join(tmp, 'core.jsonl'), formatJsonl([entry(1, 100), entry(2, 110)]));
    await writeFile(join(tmp, 'empty.jsonl'), '');
    const written = await plotHistory(tmp);
    expect(written).toEqual([join(tmp, 'core.svg')]);
    expect((await readFile(join(tmp, 'core.svg'), 'utf8')).startsWith('<svg')).toBe(true);
  });
});
