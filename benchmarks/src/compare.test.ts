import { describe, expect, it } from 'vitest';
import type { RoundOutput } from './compare.js';
import {
  compareRuns,
  DEFAULT_THRESHOLDS,
  median,
  resolveThresholdsConfig,
  thresholdsFor,
  toGithubBenchmark,
} from './compare.js';
import type { BenchRecord } from './harness.js';

const provenance = {
  machine: { cpus: 2, model: 'test', memGiB: 8 },
  node: 'v20.0.0',
  backend: 'js',
  config: {},
  seed: 0,
  gitSha: 'abc',
  date: '2026-01-01T00:00:00.000Z',
} as const;

function rec(name: string, value: number, unit = 'items/s'): BenchRecord {
  return { name, unit, value, p50: value, rme: 1, samples: 10, ...provenance };
}

function skip(name: string): BenchRecord {
  return { name, unit: 'tokens/s', skipped: 'no GPU backend', ...provenance };
}

/** One round per entry of `values`: suite `s`, benchmark `name`. */
function rounds(suite: string, name: string, values: readonly number[]): RoundOutput[] {
  return values.map((v) => ({ suites: { [suite]: [rec(name, v)] } }));
}

function only(report: ReturnType<typeof compareRuns>, name: string) {
  const c = report.comparisons.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no comparison ${name}`);
  return c;
}

describe('compareRuns', () => {
  it('passes an unchanged benchmark', () => {
    const report = compareRuns(rounds('s', 'a', [100, 102, 98]), rounds('s', 'a', [101, 99, 99]));
    const c = only(report, 'a');
    expect(c.status).toBe('ok');
    expect(c.ratios).toEqual([1.01, 99 / 102, 99 / 98]);
    expect(c.ratio).toBeCloseTo(1.0, 1);
    expect(report.passed).toBe(true);
    expect(report.numFail).toBe(0);
  });

  it('warns at 10 % slower and fails at 25 % slower by default', () => {
    const warn = compareRuns(rounds('s', 'a', [100, 100, 100]), rounds('s', 'a', [88, 89, 87]));
    expect(only(warn, 'a').status).toBe('warn');
    expect(only(warn, 'a').ratio).toBeCloseTo(0.88, 12);
    expect(warn.passed).toBe(true);
    expect(warn.numWarn).toBe(1);

    const fail = compareRuns(rounds('s', 'a', [100, 100, 100]), rounds('s', 'a', [70, 74, 75]));
    expect(only(fail, 'a').status).toBe('fail');
    expect(only(fail, 'a').ratio).toBeCloseTo(0.74, 12);
    expect(fail.passed).toBe(false);
    expect(fail.numFail).toBe(1);
  });

  it('treats the exact threshold as crossed', () => {
    const report = compareRuns(rounds('s', 'a', [100]), rounds('s', 'a', [75]));
    expect(only(report, 'a').status).toBe('fail');
    expect(only(compareRuns(rounds('s', 'a', [100]), rounds('s', 'a', [90])), 'a').status).toBe('warn');
  });

  it('uses the median of paired ratios, so one disturbed round does not fail the check', () => {
    // Round 2 ran while the machine was busy: both sides dropped, but head dropped more.
    const report = compareRuns(
      rounds('s', 'a', [100, 60, 100, 100, 100]),
      rounds('s', 'a', [99, 30, 101, 98, 100]),
    );
    const c = only(report, 'a');
    expect(c.ratio).toBeCloseTo(0.99, 12);
    expect(c.status).toBe('ok');
  });

  it('only warns when the median is past the fail threshold but a round disagrees', () => {
    // Seen on a shared machine with identical code on both sides: per-round ratios 2.02, 0.52, 0.53.
    const noisy = compareRuns(rounds('s', 'a', [100, 100, 100]), rounds('s', 'a', [202, 52, 53]));
    expect(only(noisy, 'a').ratio).toBeCloseTo(0.53, 12);
    expect(only(noisy, 'a').status).toBe('warn');
    expect(only(noisy, 'a').note).toMatch(/rounds disagree/);
    expect(noisy.passed).toBe(true);
    // A regression every round shows still fails, however large one round's slowdown.
    const real = compareRuns(rounds('s', 'a', [100, 100, 100]), rounds('s', 'a', [85, 52, 53]));
    expect(only(real, 'a').status).toBe('fail');
  });

  it('pairs rounds, so a machine that slows down over the run cancels out', () => {
    const base = [100, 90, 80, 70, 60];
    const head = base.map((v) => v * 0.97);
    const c = only(compareRuns(rounds('s', 'a', base), rounds('s', 'a', head)), 'a');
    expect(c.ratio).toBeCloseTo(0.97, 12);
    expect(c.status).toBe('ok');
  });

  it('counts a faster head as ok', () => {
    const c = only(compareRuns(rounds('s', 'a', [100, 100]), rounds('s', 'a', [150, 160])), 'a');
    expect(c.status).toBe('ok');
    expect(c.ratio).toBeCloseTo(1.55, 12);
  });

  it('reports benchmarks present on one side only without failing', () => {
    const base: RoundOutput[] = [{ suites: { s: [rec('old', 100), rec('kept', 100)] } }];
    const head: RoundOutput[] = [{ suites: { s: [rec('new', 5), rec('kept', 50)], t: [rec('other', 1)] } }];
    const report = compareRuns(base, head);
    expect(only(report, 'old').status).toBe('base-only');
    expect(only(report, 'new').status).toBe('head-only');
    expect(only(report, 'other').status).toBe('head-only');
    expect(only(report, 'kept').status).toBe('fail');
    expect(report.numFail).toBe(1);
    expect(report.comparisons.map((c) => `${c.suite}/${c.name}`)).toEqual([
      's/kept',
      's/new',
      's/old',
      't/other',
    ]);
  });

  it('reports skipped records as skipped, never as a number', () => {
    const base: RoundOutput[] = [{ suites: { model: [skip('gpu')] } }];
    const head: RoundOutput[] = [{ suites: { model: [skip('gpu')] } }];
    const c = only(compareRuns(base, head), 'gpu');
    expect(c.status).toBe('skipped');
    expect(c.note).toBe('no GPU backend');
    expect(c.ratio).toBeUndefined();
  });

  it('does not compare across a unit change', () => {
    const base: RoundOutput[] = [{ suites: { s: [rec('a', 100, 'lines/s')] } }];
    const head: RoundOutput[] = [{ suites: { s: [rec('a', 1, 'MB/s')] } }];
    const c = only(compareRuns(base, head), 'a');
    expect(c.status).toBe('head-only');
    expect(c.note).toMatch(/unit changed/);
  });

  it('uses only rounds measured on both sides', () => {
    const base: RoundOutput[] = [
      { suites: { s: [rec('a', 100)] } },
      { suites: {} },
      { suites: { s: [rec('a', 100)] } },
    ];
    const head: RoundOutput[] = [
      { suites: { s: [rec('a', 80)] } },
      { suites: { s: [rec('a', 10)] } },
      { suites: { s: [rec('a', 80)] } },
    ];
    const c = only(compareRuns(base, head), 'a');
    expect(c.ratios).toEqual([0.8, 0.8]);
    expect(c.status).toBe('warn');
  });

  it('applies per-suite and per-benchmark thresholds', () => {
    const config = resolveThresholdsConfig({
      default: { warn: 0.1, fail: 0.25 },
      suites: { noisy: { fail: 0.5 } },
      benchmarks: { 'noisy/worst': { warn: 0.6, fail: 0.8 } },
    });
    const base: RoundOutput[] = [
      { suites: { noisy: [rec('a', 100), rec('worst', 100)], calm: [rec('a', 100)] } },
    ];
    const head: RoundOutput[] = [
      { suites: { noisy: [rec('a', 60), rec('worst', 30)], calm: [rec('a', 60)] } },
    ];
    const report = compareRuns(base, head, config);
    const noisy = report.comparisons.find((c) => c.suite === 'noisy' && c.name === 'a');
    const calm = report.comparisons.find((c) => c.suite === 'calm' && c.name === 'a');
    expect(noisy?.status).toBe('warn');
    expect(noisy?.thresholds).toEqual({ warn: 0.1, fail: 0.5 });
    expect(calm?.status).toBe('fail');
    expect(only(report, 'worst').status).toBe('warn');
  });
});

describe('compareRuns metric', () => {
  it('compares the median-latency throughput when the config says p50', () => {
    // Head's mean was dragged down by outliers; its median did not move.
    const base: RoundOutput[] = [{ suites: { s: [{ ...rec('a', 100), p50: 100 }] } }];
    const head: RoundOutput[] = [{ suites: { s: [{ ...rec('a', 50), p50: 98 }] } }];
    expect(only(compareRuns(base, head), 'a').status).toBe('fail');
    const p50 = only(compareRuns(base, head, resolveThresholdsConfig({ metric: 'p50' })), 'a');
    expect(p50.status).toBe('ok');
    expect(p50.metric).toBe('p50');
    expect(p50.ratio).toBeCloseTo(0.98, 12);
    expect(() => resolveThresholdsConfig({ metric: 'mean' })).toThrow(/`metric` must be 'value' or 'p50'/);
  });
});

describe('resolveThresholdsConfig', () => {
  it('fills defaults and reads the checked-in file', async () => {
    expect(resolveThresholdsConfig({}).default).toEqual(DEFAULT_THRESHOLDS);
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../thresholds.json', import.meta.url), 'utf8');
    const config = resolveThresholdsConfig(JSON.parse(text));
    expect(config.default).toEqual({ warn: 0.1, fail: 0.25 });
    expect(thresholdsFor(config, 'tasks', 'x').fail).toBeGreaterThan(0.25);
  });

  it('rejects bad entries naming them', () => {
    expect(() => resolveThresholdsConfig({ default: { warn: 0.3, fail: 0.2 } })).toThrow(
      /`default.fail` \(0.2\) must be > `default.warn` \(0.3\)/,
    );
    expect(() => resolveThresholdsConfig({ suites: { core: { fail: 2 } } })).toThrow(
      /`suites.core.fail` must be a fraction/,
    );
    expect(() => resolveThresholdsConfig({ suites: { core: { fial: 0.3 } } })).toThrow(
      /unknown key `suites.core.fial`/,
    );
    expect(() => resolveThresholdsConfig({ sutes: {} })).toThrow(/unknown key `sutes`/);
    expect(() => resolveThresholdsConfig([])).toThrow(/must hold an object/);
  });
});

describe('toGithubBenchmark', () => {
  it('writes customBiggerIsBetter entries valued by head medians', () => {
    const report = compareRuns(rounds('core', 'rng', [100, 100, 100]), rounds('core', 'rng', [90, 110, 100]));
    const out = toGithubBenchmark(report);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ name: 'core/rng', unit: 'items/s', value: 100, range: '± 10.00%' });
    expect(out[0]?.extra).toMatch(/^ok: value head\/base 1\.000/);
  });

  it('leaves out benchmarks head did not measure', () => {
    const base: RoundOutput[] = [{ suites: { s: [rec('gone', 1)] } }];
    expect(toGithubBenchmark(compareRuns(base, [{ suites: {} }]))).toEqual([]);
  });
});

describe('median', () => {
  it('takes the middle value or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/empty/);
  });
});
