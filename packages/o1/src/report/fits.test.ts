import { describe, expect, it } from 'vitest';
import { interpolateLog2, logLinearFits } from './fits.js';
import { point } from './test-metrics.js';

describe('logLinearFits', () => {
  it('recovers a known slope per doubling and intercept', () => {
    // accuracy = 0.1 + 0.05 * log2(tokens) at 4 .. 64 tokens, exactly.
    const points = [4, 8, 16, 32, 64].map((t, i) => ({
      ...point('best-of-n', 2 ** i, 0, t),
      accuracy: { value: 0.1 + 0.05 * Math.log2(t), lo: 0, hi: 1, n: 100 },
    }));
    const [fit, ...rest] = logLinearFits(points);
    expect(rest).toEqual([]);
    expect(fit?.method).toBe('best-of-n');
    expect(fit?.x).toBe('generatedTokens');
    expect(fit?.slope).toBeCloseTo(0.05, 10);
    expect(fit?.intercept).toBeCloseTo(0.1, 10);
    expect(fit?.r2).toBeCloseTo(1, 10);
    expect(fit?.points).toBe(5);
  });

  it('fits against FLOPs when asked: the slope per doubling is the same, the intercept shifts', () => {
    // FLOPs = 1000 x tokens: log2 shifts by log2(1000), the slope stays.
    const points = [10, 20, 40].map((t, i) => point('majority-vote', i + 1, 0.2 + 0.1 * i, t));
    const [byTokens] = logLinearFits(points, 'generatedTokens');
    const [byFlops] = logLinearFits(points, 'flops');
    expect(byFlops?.x).toBe('flops');
    expect(byFlops?.slope).toBeCloseTo(byTokens!.slope, 10);
    expect(byFlops?.intercept).toBeCloseTo(byTokens!.intercept - byTokens!.slope * Math.log2(1000), 10);
  });

  it('gives R^2 below 1 for noisy points and keeps methods in first-seen order', () => {
    const majority = [0.3, 0.5, 0.4];
    const beam = [0.2, 0.4, 0.6];
    const points = [10, 20, 40].flatMap((t, i) => [
      point('majority-vote', 2 ** i, majority[i]!, t),
      point('beam-prm', 2 ** i, beam[i]!, t),
    ]);
    const fits = logLinearFits(points);
    expect(fits.map((f) => f.method)).toEqual(['majority-vote', 'beam-prm']);
    expect(fits[0]!.r2).toBeGreaterThan(0);
    expect(fits[0]!.r2).toBeLessThan(1);
    expect(fits[1]!.r2).toBeCloseTo(1, 10);
  });

  it('skips methods with fewer than two distinct positive x values', () => {
    const single = [point('single', 1, 0.3, 10)];
    const sameX = [1, 2].map((level) => point('same-x', level, 0.1 * level, 16));
    const zeroX = [0, 8].map((t, i) => point('zero-x', i + 1, 0.1 * i, t));
    expect(logLinearFits([...single, ...sameX, ...zeroX])).toEqual([]);
  });
});

describe('interpolateLog2', () => {
  it('interpolates linearly in log2 x and returns exact points as they are', () => {
    const xs = [64, 4, 16];
    const ys = [0.6, 0.2, 0.4];
    expect(interpolateLog2(xs, ys, 8)).toBeCloseTo(0.3, 12);
    expect(interpolateLog2(xs, ys, 32)).toBeCloseTo(0.5, 12);
    expect(interpolateLog2(xs, ys, 16)).toBe(0.4);
    expect(interpolateLog2(xs, ys, 64)).toBe(0.6);
  });

  it('does not extrapolate', () => {
    expect(interpolateLog2([4, 16], [0.2, 0.4], 2)).toBeNull();
    expect(interpolateLog2([4, 16], [0.2, 0.4], 17)).toBeNull();
    expect(interpolateLog2([], [], 4)).toBeNull();
  });
});
