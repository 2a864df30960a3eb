import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonl } from '@o1lab/core';
import { afterAll, describe, expect, it } from 'vitest';
import { detectGpu } from './gpu.js';
import type { HistoryEntry } from './runner.js';
import {
  appendHistory,
  formatNumber,
  formatTable,
  matchesFilter,
  peekSuiteName,
  runSuites,
  writeSuiteReports,
} from './runner.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/suites', import.meta.url));
const tmp = await mkdtemp(join(tmpdir(), 'o1lab-bench-test-'));

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('matchesFilter', () => {
  it('matches suite names and file names exactly', () => {
    expect(matchesFilter([], 'core', 'rng.js')).toBe(true);
    expect(matchesFilter(['core'], 'core', 'rng.js')).toBe(true);
    expect(matchesFilter(['rng'], 'core', 'rng.js')).toBe(true);
    expect(matchesFilter(['rng'], 'core', 'rng.ts')).toBe(true);
    expect(matchesFilter(['model'], 'reward-model', 'reward-model.js')).toBe(false);
    expect(matchesFilter(['tasks', 'core'], 'core', 'jsonl.js')).toBe(true);
  });
});

describe('peekSuiteName', () => {
  it('reads the declared name from source and from compiled output', () => {
    expect(peekSuiteName("export const suite: BenchSuite = {\n  name: 'core',\n  description: 'x',")).toBe(
      'core',
    );
    expect(peekSuiteName("export const suite = {\n    name: 'reward-model',")).toBe('reward-model');
    expect(peekSuiteName('const name = pick();\nexport const suite = makeSuite(name);')).toBeUndefined();
  });
});

describe('runSuites', () => {
  it('discovers suite files, filters them and runs them with the context', async () => {
    const lines: string[] = [];
    const result = await runSuites({
      suitesDir: FIXTURES,
      quick: true,
      filter: ['fixture-a', 'skipping'],
      log: (l) => lines.push(l),
    });
    expect(result.suites.map((s) => s.name)).toEqual(['fixture-a', 'gpu-fixture']);
    expect(result.loadErrors).toEqual([]);
    const a = result.suites[0]!;
    expect(a.files).toEqual(['fixture-a.ts']);
    expect(a.records).toHaveLength(1);
    expect(a.records[0]).toMatchObject({
      name: 'sum',
      unit: 'values/s',
      seed: 3,
      config: { numValues: 100_000 },
    });
    expect(a.records[0]!.value).toBeGreaterThan(0);
    expect(lines).toContain('fixture-a: fixture-a.ts');
    expect(formatTable(result)).toMatch(/fixture-a\s+sum\s+\S+\s+\S+\s+values\/s/);
  });

  it('returns nothing for a filter that matches no suite', async () => {
    const result = await runSuites({ suitesDir: FIXTURES, quick: true, filter: ['nope'] });
    expect(result.suites).toEqual([]);
  });

  it('on --device gpu runs only GPU-capable suites and records skips where no GPU backend exists', async () => {
    const gpu = await detectGpu();
    const result = await runSuites({ suitesDir: FIXTURES, quick: true, device: 'gpu' });
    expect(result.suites.map((s) => s.name)).toEqual(['gpu-fixture']);
    expect(result.notOnDevice).toEqual(['fixture-a', 'fixture-b']);
    const record = result.suites[0]!.records[0]!;
    if (gpu.ort) {
      expect(record.value).toBeGreaterThan(0);
    } else {
      expect(record.skipped).toBe('no GPU backend');
      expect(record).not.toHaveProperty('value');
      expect(record.backend).toEqual({ ort: 'cuda' });
    }
  });

  it('writes one JSON array per suite and appends history lines', async () => {
    const result = await runSuites({ suitesDir: FIXTURES, quick: true, filter: ['fixture-b'] });
    const [path] = await writeSuiteReports(result, tmp, 'cpu');
    expect(path).toBe(join(tmp, 'fixture-b.json'));
    const written = JSON.parse(await readFile(path!, 'utf8')) as unknown[];
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ name: 'sum' });

    const [gpuPath] = await writeSuiteReports(result, tmp, 'gpu');
    expect(gpuPath).toBe(join(tmp, 'fixture-b.gpu.json'));

    const history = join(tmp, 'history');
    await appendHistory(result, history);
    await appendHistory(result, history);
    const { records, errors } = parseJsonl<HistoryEntry>(
      await readFile(join(history, 'fixture-b.jsonl'), 'utf8'),
    );
    expect(errors).toEqual([]);
    expect(records).toHaveLength(2);
    expect(records[1]!.records[0]).toMatchObject({ name: 'sum', unit: 'values/s' });
    expect(records[1]!.machine.cpus).toBeGreaterThan(0);
    expect(typeof records[1]!.sha).toBe('string');
  });
});

describe('formatNumber', () => {
  it('uses four significant digits and k/M/G', () => {
    expect(formatNumber(61_179_700)).toBe('61.18M');
    expect(formatNumber(708_700)).toBe('708.7k');
    expect(formatNumber(2.5e9)).toBe('2.500G');
    expect(formatNumber(201.04)).toBe('201.0');
  });
});
