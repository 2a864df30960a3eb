import { linearFit } from '@o1lab/core';
import type { CurvePoint, LogLinearFit } from '../metrics.js';

/** The compute counters a scaling curve can be drawn against. */
export type CurveAxis = LogLinearFit['x'];

/**
 * Per method, the least-squares line accuracy = intercept + slope * log2(x) with its R^2 — the
 * log-linear test-time scaling law of the roadmap (accuracy gained per doubling of compute).
 * Points with x <= 0 have no logarithm and are left out; methods with fewer than two distinct x
 * values have no line and get no fit. Methods come in first-seen order.
 */
export function logLinearFits(
  points: readonly CurvePoint[],
  x: CurveAxis = 'generatedTokens',
): LogLinearFit[] {
  const fits: LogLinearFit[] = [];
  for (const [method, group] of groupByMethod(points)) {
    const usable = group.filter((p) => Number.isFinite(p.compute[x]) && p.compute[x] > 0);
    if (new Set(usable.map((p) => p.compute[x])).size < 2) continue;
    const xs = usable.map((p) => Math.log2(p.compute[x]));
    const ys = usable.map((p) => p.accuracy.value);
    const { intercept, slope, r2 } = linearFit(xs, ys);
    fits.push({ method, x, intercept, slope, r2, points: usable.length });
  }
  return fits;
}

/** Points grouped by method, methods in first-seen order, points in their original order. */
export function groupByMethod(points: readonly CurvePoint[]): Map<string, CurvePoint[]> {
  const groups = new Map<string, CurvePoint[]>();
  for (const p of points) {
    const group = groups.get(p.method);
    if (group === undefined) groups.set(p.method, [p]);
    else group.push(p);
  }
  return groups;
}

/**
 * Linear interpolation of `ys` at `x` in log2(x) space over points sorted by x; null outside
 * [min x, max x] (no extrapolation) or when any x is not positive.
 */
export function interpolateLog2(xs: readonly number[], ys: readonly number[], x: number): number | null {
  if (xs.length === 0 || xs.length !== ys.length || !(x > 0)) return null;
  const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const first = order[0]!;
  const last = order[order.length - 1]!;
  if (!(xs[first]! > 0) || x < xs[first]! || x > xs[last]!) return null;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (xs[i] === x) return ys[i]!;
    const j = order[k + 1];
    if (j === undefined || xs[j]! < x) continue;
    const t = (Math.log2(x) - Math.log2(xs[i]!)) / (Math.log2(xs[j]!) - Math.log2(xs[i]!));
    return ys[i]! + t * (ys[j]! - ys[i]!);
  }
  return null;
}
