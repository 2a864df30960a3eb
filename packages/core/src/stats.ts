import { O1labError } from './errors.js';

/** Arithmetic mean (NaN for an empty list). */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1 denominator; 0 for fewer than two values). */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** A proportion or mean with a confidence interval. */
export interface Estimate {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927); sound at small n and at 0 or 1,
 * unlike the normal approximation. `z` = 1.96 gives 95%.
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): Estimate {
  if (n <= 0) return { value: Number.NaN, lo: 0, hi: 1, n: 0 };
  if (successes < 0 || successes > n) {
    throw new O1labError('INVALID_INPUT', `successes must be in [0, n], got ${successes} of ${n}`);
  }
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { value: p, lo: Math.max(0, centre - half), hi: Math.min(1, centre + half), n };
}

/** Mean with a normal-approximation interval (for per-problem scores in [0, 1] like pass@k). */
export function meanInterval(xs: readonly number[], z = 1.96): Estimate {
  const m = mean(xs);
  const half = xs.length > 1 ? (z * std(xs)) / Math.sqrt(xs.length) : Number.NaN;
  return { value: m, lo: m - half, hi: m + half, n: xs.length };
}

/**
 * Unbiased pass@k from n samples of which c are correct (Chen et al. 2021, eq. 1):
 * 1 - C(n - c, k) / C(n, k), computed as a stable product.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (
    !(Number.isInteger(n) && Number.isInteger(c) && Number.isInteger(k)) ||
    n < 1 ||
    c < 0 ||
    c > n ||
    k < 1 ||
    k > n
  ) {
    throw new O1labError(
      'INVALID_INPUT',
      `passAtK needs integers 0 <= c <= n and 1 <= k <= n, got n=${n} c=${c} k=${k}`,
    );
  }
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** Least-squares fit y = a + b x, with R^2. */
export function linearFit(
  xs: readonly number[],
  ys: readonly number[],
): { intercept: number; slope: number; r2: number } {
  if (xs.length !== ys.length || xs.length < 2) {
    throw new O1labError('INVALID_INPUT', 'linearFit needs two equal-length lists of at least 2 points');
  }
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const r2 = sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { intercept: my - slope * mx, slope, r2 };
}
