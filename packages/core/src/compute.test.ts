import { describe, expect, it } from 'vitest';
import {
  budgetAllows,
  budgetRemaining,
  ComputeMeter,
  computeTracker,
  diffCompute,
  isBudgetExhausted,
  mergeCompute,
  resolveBudget,
  ZERO_COMPUTE,
} from './compute.js';

describe('ComputeMeter', () => {
  it('accumulates, snapshots, diffs and merges', () => {
    const meter = new ComputeMeter();
    meter.add({ prefillTokens: 10, generatedTokens: 5, policyCalls: 1, samples: 2 });
    const before = meter.snapshot();
    meter.add({ cachedPrefillTokens: 8, generatedTokens: 3, flops: 100 });
    const after = meter.snapshot();
    expect(diffCompute(after, before)).toMatchObject({
      cachedPrefillTokens: 8,
      generatedTokens: 3,
      flops: 100,
      prefillTokens: 0,
    });
    expect(mergeCompute(before, after)).toMatchObject({ prefillTokens: 20, generatedTokens: 13, samples: 4 });
    expect(Object.isFrozen(after)).toBe(true);
    meter.reset();
    expect(meter.snapshot()).toEqual(ZERO_COMPUTE);
  });

  it('rejects negative or unknown counters', () => {
    const meter = new ComputeMeter();
    expect(() => meter.add({ generatedTokens: -1 })).toThrow(/must grow by a finite amount >= 0/);
    expect(() => meter.add({ tokens: 1 } as never)).toThrow(/unknown compute counter `tokens`/);
  });

  it('times async work into wallTimeMs', async () => {
    const meter = new ComputeMeter();
    await meter.time(() => new Promise((r) => setTimeout(r, 5)));
    expect(meter.snapshot().wallTimeMs).toBeGreaterThan(0);
  });
});

describe('Budget', () => {
  it('tracks what is left and when a call fits', () => {
    const budget = resolveBudget({ generatedTokens: 100, samples: 10 });
    const spent = { ...ZERO_COMPUTE, generatedTokens: 60, samples: 6 };
    expect(budgetRemaining(budget, spent)).toEqual({
      generatedTokens: 40,
      samples: 4,
      policyCalls: Infinity,
    });
    expect(budgetAllows(budget, spent, 4, 10)).toBe(true);
    expect(budgetAllows(budget, spent, 4, 11)).toBe(false);
    expect(budgetAllows(budget, spent, 5, 1)).toBe(false);
    expect(isBudgetExhausted(budget, spent)).toBe(false);
    expect(isBudgetExhausted(budget, { ...spent, generatedTokens: 100 })).toBe(true);
  });

  it('rejects bad budgets by field name', () => {
    expect(() => resolveBudget({ tokens: 5 } as never)).toThrow(/unknown budget field `tokens`/);
    expect(() => resolveBudget({ samples: 1.5 })).toThrow(/budget `samples` must be an integer >= 0/);
  });
});

describe('computeTracker', () => {
  it('merges policy and reward deltas since it was made, counting a shared meter once', () => {
    const policyMeter = new ComputeMeter();
    const rewardMeter = new ComputeMeter();
    policyMeter.add({ generatedTokens: 100 });
    rewardMeter.add({ rewardCalls: 5 });
    const spent = computeTracker({ meter: policyMeter }, { meter: rewardMeter });
    policyMeter.add({ generatedTokens: 7, policyCalls: 1 });
    rewardMeter.add({ rewardCalls: 2 });
    expect(spent()).toMatchObject({ generatedTokens: 7, policyCalls: 1, rewardCalls: 2 });
    const shared = computeTracker({ meter: policyMeter }, { meter: policyMeter });
    policyMeter.add({ generatedTokens: 3 });
    expect(shared().generatedTokens).toBe(3);
    expect(computeTracker({ meter: policyMeter })().generatedTokens).toBe(0);
  });
});
