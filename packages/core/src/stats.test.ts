import { describe, expect, it } from 'vitest';
import { linearFit, mean, passAtK, std, wilsonInterval } from './stats.js';

describe('stats', () => {
  it('computes mean and sample std', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935, 8);
  });

  it('gives the Wilson interval of known cases', () => {
    // 8 of 10 at 95%: [0.4902, 0.9433] (Newcombe 1998, table I style check)
    const e = wilsonInterval(8, 10);
    expect(e.lo).toBeCloseTo(0.4902, 3);
    expect(e.hi).toBeCloseTo(0.9433, 3);
    expect(wilsonInterval(0, 20).lo).toBe(0);
    expect(wilsonInterval(0, 20).hi).toBeGreaterThan(0.1);
  });

  it('estimates pass@k without bias', () => {
    expect(passAtK(10, 0, 1)).toBe(0);
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
    // 1 - C(7,2)/C(10,2) = 1 - 21/45
    expect(passAtK(10, 3, 2)).toBeCloseTo(1 - 21 / 45, 12);
    expect(passAtK(10, 9, 2)).toBe(1);
    expect(() => passAtK(5, 6, 1)).toThrow(/passAtK needs/);
  });

  it('fits a line and reports R^2', () => {
    const fit = linearFit([1, 2, 3, 4], [3, 5, 7, 9]);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
  });
});
