import type { Estimate } from '@o1lab/core';

/** A proportion with three decimals (`0.625`), `n/a` when not a number. */
export function formatValue(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

/** An estimate as `0.625 [0.512, 0.726]`. */
export function formatEstimate(e: Estimate): string {
  return `${formatValue(e.value)} [${formatValue(e.lo)}, ${formatValue(e.hi)}]`;
}

/** A signed difference, `+0.052` / `-0.013`. */
export function formatSigned(x: number, digits = 3): string {
  return `${x >= 0 ? '+' : ''}${formatValue(x, digits)}`;
}

/** A count with thousands separators and at most one decimal (`12,345.5`). */
export function formatCount(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

const SI_PREFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'] as const;

/** FLOPs with an SI prefix and three significant digits (`1.25 GFLOP`). */
export function formatFlops(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x === 0) return '0 FLOP';
  const power = Math.min(SI_PREFIXES.length - 1, Math.max(0, Math.floor(Math.log10(Math.abs(x)) / 3)));
  return `${(x / 1000 ** power).toPrecision(3)} ${SI_PREFIXES[power]}FLOP`;
}

/** True when the two 95% intervals share no value. */
export function intervalsSeparate(a: Pick<Estimate, 'lo' | 'hi'>, b: Pick<Estimate, 'lo' | 'hi'>): boolean {
  return a.lo > b.hi || b.lo > a.hi;
}
