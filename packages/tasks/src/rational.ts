import { O1labError } from '@o1lab/core';

/**
 * Exact rational arithmetic on BigInt numerator/denominator pairs, always in lowest terms with a
 * positive denominator. Verifiers use it so that `8/(3-8/3)` checks exactly; floating point would
 * accept `24.000000000000004` or reject a true 24.
 */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

export function rational(num: bigint, den: bigint = 1n): Rational {
  if (den === 0n) throw new O1labError('INTERNAL', 'rational with a zero denominator', { where: 'rational' });
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num < 0n ? -num : num, den);
  return g === 1n ? { num, den } : { num: num / g, den: den / g };
}

export function addRational(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function subRational(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mulRational(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

/** `a / b`, or null when `b` is zero. */
export function divRational(a: Rational, b: Rational): Rational | null {
  if (b.num === 0n) return null;
  return rational(a.num * b.den, a.den * b.num);
}

export function equalRational(a: Rational, b: Rational): boolean {
  return a.num === b.num && a.den === b.den;
}

/** `7`, `-3`, `8/3`, `-1/3`: the form the traces write values in. */
export function formatRational(r: Rational): string {
  return r.den === 1n ? r.num.toString() : `${r.num}/${r.den}`;
}

/** Number of decimal digits of the larger of numerator and denominator (the size limit checks). */
export function rationalDigits(r: Rational): number {
  const n = r.num < 0n ? -r.num : r.num;
  const big = n > r.den ? n : r.den;
  return big.toString().length;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a === 0n ? 1n : a;
}
