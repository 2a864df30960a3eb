import { describe, expect, it } from 'vitest';
import type { BenchContext } from './harness.js';
import {
  gpuSkipReason,
  isMeasured,
  lastKept,
  machineInfo,
  measure,
  NO_GPU_BACKEND,
  probeOrtSession,
  rescaleRecord,
  skippedRecord,
  slowdownFactor,
} from './harness.js';

const ctx: BenchContext = { quick: true, device: 'cpu', filter: [], suite: 'test' };

function work(n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += Math.sqrt(i);
  return acc;
}

describe('measure', () => {
  it('turns tinybench latencies into items per second with provenance', async () => {
    const record = await measure(
      {
        name: 'sqrt',
        unit: 'values/s',
        itemsPerIteration: 10_000,
        config: { n: 10_000 },
        seed: 5,
        backend: { ort: 'cpu' },
        timeMs: 30,
        minIterations: 6,
        fn: () => work(10_000),
      },
      ctx,
    );
    expect(isMeasured(record)).toBe(true);
    expect(record.value).toBeGreaterThan(0);
    expect(record.p50).toBeGreaterThan(0);
    expect(record.samples).toBeGreaterThanOrEqual(6);
    expect(record.rme).toBeGreaterThanOrEqual(0);
    expect(record).toMatchObject({
      name: 'sqrt',
      unit: 'values/s',
      config: { n: 10_000 },
      seed: 5,
      backend: { ort: 'cpu' },
      node: process.version,
      machine: machineInfo(),
    });
    expect(record.skipped).toBeUndefined();
    expect(Number.isNaN(Date.parse(record.date))).toBe(false);
    expect(record.gitSha).toMatch(/^([0-9a-f]{40}|unknown)$/);
  });

  it('keeps the result of the timed call so the work cannot be dropped', async () => {
    await measure(
      { name: 'k', unit: 'x/s', itemsPerIteration: 1, config: {}, seed: 0, timeMs: 5, fn: () => work(1000) },
      ctx,
    );
    expect(lastKept()).toBe(work(1000));
  });

  it('scales throughput by itemsPerIteration, including one computed after the run', async () => {
    let calls = 0;
    const record = await measure(
      {
        name: 'counted',
        unit: 'items/s',
        itemsPerIteration: () => 2,
        config: {},
        seed: 0,
        timeMs: 10,
        setup: () => {
          calls = 0;
        },
        fn: () => {
          calls++;
          return work(2000);
        },
      },
      ctx,
    );
    expect(calls).toBeGreaterThan(0);
    expect(record.value).toBeGreaterThan(0);
  });

  it('measures asynchronous workloads, awaiting each call', async () => {
    let settled = 0;
    const record = await measure(
      {
        name: 'async',
        unit: 'calls/s',
        itemsPerIteration: 1,
        config: {},
        seed: 0,
        timeMs: 10,
        fn: async () => {
          await Promise.resolve();
          settled++;
          return work(1000);
        },
      },
      ctx,
    );
    expect(record.value).toBeGreaterThan(0);
    expect(settled).toBeGreaterThanOrEqual(record.samples!);
  });

  it('rejects bad tasks naming the option', async () => {
    const base = { name: 'bad', unit: 'x/s', itemsPerIteration: 1, config: {}, seed: 0, fn: () => 1 };
    await expect(measure({ ...base, unit: 'tokens' }, ctx)).rejects.toThrow(
      /`unit` must be a per-second unit/,
    );
    await expect(measure({ ...base, itemsPerIteration: 0 }, ctx)).rejects.toThrow(
      /`itemsPerIteration` must be > 0/,
    );
    await expect(measure({ ...base, seed: -1 }, ctx)).rejects.toThrow(
      /`seed` must be a non-negative integer/,
    );
    await expect(measure({ ...base, timeMs: 0 }, ctx)).rejects.toThrow(/`timeMs` must be > 0/);
    await expect(measure({ ...base, minIterations: 1.5 }, ctx)).rejects.toThrow(/`minIterations`/);
  });

  it('propagates an error thrown by the workload', async () => {
    const fn = (): number => {
      throw new Error('workload broke');
    };
    await expect(
      measure({ name: 'throws', unit: 'x/s', itemsPerIteration: 1, config: {}, seed: 0, timeMs: 5, fn }, ctx),
    ).rejects.toThrow(/workload broke/);
  });
});

describe('skippedRecord and rescaleRecord', () => {
  it('a skipped record carries the reason and no numbers', () => {
    const record = skippedRecord(
      { name: 'gpu/forward', unit: 'tokens/s', config: { t: 1 }, seed: 2 },
      NO_GPU_BACKEND,
    );
    expect(record.skipped).toBe('no GPU backend');
    expect(record.value).toBeUndefined();
    expect(record.p50).toBeUndefined();
    expect(isMeasured(record)).toBe(false);
    expect(JSON.parse(JSON.stringify(record))).not.toHaveProperty('value');
  });

  it('rescales value and p50 by the ratio and renames', () => {
    const lines = skippedRecord({ name: 'l', unit: 'lines/s', config: {}, seed: 0 }, 'x');
    const measured = { ...lines, skipped: undefined, value: 1000, p50: 800 };
    const bytes = rescaleRecord(measured, 'b', 'MB/s', 0.0003);
    expect(bytes).toMatchObject({ name: 'b', unit: 'MB/s' });
    expect(bytes.value).toBeCloseTo(0.3, 12);
    expect(bytes.p50).toBeCloseTo(0.24, 12);
    expect(() => rescaleRecord(measured, 'b', 'MB/s', 0)).toThrow(/`ratio` must be > 0/);
  });
});

describe('gpuSkipReason', () => {
  it('never skips on the CPU lane and skips engines the GPU lane lacks', () => {
    expect(gpuSkipReason(ctx, 'ort')).toBeUndefined();
    const gpuCtx: BenchContext = { ...ctx, device: 'gpu', gpu: { ort: true, tfjs: false, summary: '' } };
    expect(gpuSkipReason(gpuCtx, 'ort')).toBeUndefined();
    expect(gpuSkipReason(gpuCtx, 'tfjs')).toBe(NO_GPU_BACKEND);
    expect(gpuSkipReason({ ...ctx, device: 'gpu' }, 'ort')).toBe(NO_GPU_BACKEND);
  });
});

describe('slowdownFactor', () => {
  it('matches a suite or a benchmark name and defaults to 1', () => {
    expect(slowdownFactor(undefined, 'core', 'rng/nextFloat')).toBe(1);
    expect(slowdownFactor('core:1.5', 'core', 'rng/nextFloat')).toBe(1.5);
    expect(slowdownFactor('tasks:2,rng/nextFloat:3', 'core', 'rng/nextFloat')).toBe(3);
    expect(slowdownFactor('tasks:2', 'core', 'rng/nextFloat')).toBe(1);
    expect(() => slowdownFactor('core', 'core', 'x')).toThrow(/O1LAB_BENCH_SLOWDOWN/);
    expect(() => slowdownFactor('core:0.5', 'core', 'x')).toThrow(/factor >= 1/);
  });
});

describe('probeOrtSession', () => {
  it('runs the built-in identity model on the CPU execution provider', async () => {
    expect(await probeOrtSession('cpu')).toEqual({ ok: true });
  });

  it('reports why an unknown execution provider cannot start', async () => {
    const probe = await probeOrtSession('no-such-provider');
    expect(probe.ok).toBe(false);
  });
});
