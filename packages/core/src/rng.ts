import { O1labError } from './errors.js';

/**
 * Serialisable state of an {@link Rng}: the 64-bit PCG state and increment as four unsigned 32-bit
 * halves. Saved in checkpoints so that a resumed run draws the same numbers.
 */
export interface RngState {
  readonly stateHi: number;
  readonly stateLo: number;
  readonly incHi: number;
  readonly incLo: number;
}

/** The default stream; with it `createRng(42)` reproduces the reference `pcg32-demo` output. */
export const DEFAULT_RNG_STREAM = 54;

// PCG multiplier 6364136223846793005 = 0x5851F42D_4C957F2D.
const MUL_HI = 0x5851f42d;
const MUL_LO = 0x4c957f2d;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/**
 * Seeded, splittable pseudo-random generator: PCG32 (O'Neill 2014, `pcg32_random_r`, XSH-RR output
 * on a 64-bit LCG), computed with 32-bit integer arithmetic so it gives the same numbers on every
 * platform. `createRng(seed, stream)` equals the reference `pcg32_srandom_r(&rng, seed, stream)`.
 *
 * All randomness in o1lab library code comes from here, never from the global unseeded generator.
 */
export class Rng {
  private stateHi = 0;
  private stateLo = 0;
  private incHi = 0;
  private incLo = 1;
  private spareNormal: number | undefined;

  private constructor() {}

  /**
   * A generator seeded like `pcg32_srandom_r(seed, stream)`. `seed` and `stream` are non-negative
   * integers below 2^53.
   */
  static create(seed: number, stream: number = DEFAULT_RNG_STREAM): Rng {
    checkSeed('seed', seed);
    checkSeed('stream', stream);
    const rng = new Rng();
    // inc = (stream << 1) | 1
    const streamHi = Math.floor(stream / TWO_POW_32);
    const streamLo = stream >>> 0;
    rng.incHi = ((streamHi << 1) | (streamLo >>> 31)) >>> 0;
    rng.incLo = ((streamLo << 1) | 1) >>> 0;
    rng.stateHi = 0;
    rng.stateLo = 0;
    rng.step();
    const [hi, lo] = add64(rng.stateHi, rng.stateLo, Math.floor(seed / TWO_POW_32) >>> 0, seed >>> 0);
    rng.stateHi = hi;
    rng.stateLo = lo;
    rng.step();
    return rng;
  }

  /** Restores a generator from {@link Rng.getState}. */
  static fromState(state: RngState): Rng {
    for (const key of ['stateHi', 'stateLo', 'incHi', 'incLo'] as const) {
      const v = state[key];
      if (!Number.isInteger(v) || v < 0 || v >= TWO_POW_32) {
        throw new O1labError('INVALID_INPUT', `Rng state field \`${key}\` must be a uint32, got ${v}`, {
          where: 'Rng.fromState',
        });
      }
    }
    if ((state.incLo & 1) === 0) {
      throw new O1labError('INVALID_INPUT', 'Rng state increment must be odd', { where: 'Rng.fromState' });
    }
    const rng = new Rng();
    rng.stateHi = state.stateHi;
    rng.stateLo = state.stateLo;
    rng.incHi = state.incHi;
    rng.incLo = state.incLo;
    return rng;
  }

  /** The generator's full state (a cached spare normal deviate is dropped). */
  getState(): RngState {
    return { stateHi: this.stateHi, stateLo: this.stateLo, incHi: this.incHi, incLo: this.incLo };
  }

  /** A copy that continues with the same numbers. */
  clone(): Rng {
    return Rng.fromState(this.getState());
  }

  /**
   * An independent generator for a sub-task: seeded from two draws of this one, on a stream drawn
   * from it too. Splitting advances this generator by three draws.
   */
  split(): Rng {
    const seedHi = this.nextUint32() & 0x1fffff;
    const seedLo = this.nextUint32();
    const stream = this.nextUint32();
    return Rng.create(seedHi * TWO_POW_32 + seedLo, stream);
  }

  /** Next uniform unsigned 32-bit integer (the raw PCG32 output). */
  nextUint32(): number {
    const oldHi = this.stateHi;
    const oldLo = this.stateLo;
    this.step();
    // xorshifted = ((old >> 18) ^ old) >> 27, truncated to 32 bits
    const shHi = oldHi >>> 18;
    const shLo = ((oldLo >>> 18) | (oldHi << 14)) >>> 0;
    const xHi = (shHi ^ oldHi) >>> 0;
    const xLo = (shLo ^ oldLo) >>> 0;
    const xorshifted = ((xLo >>> 27) | (xHi << 5)) >>> 0;
    const rot = oldHi >>> 27;
    return ((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform integer in [0, n), without modulo bias. `n` is an integer in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new O1labError('INVALID_INPUT', `Rng.int bound must be an integer in [1, 2^32], got ${n}`);
    }
    // Rejection threshold as in pcg32_boundedrand_r: (2^32 - n) mod n.
    const threshold = (TWO_POW_32 - n) % n;
    for (;;) {
      const r = this.nextUint32();
      if (r >= threshold) return r % n;
    }
  }

  /** Uniform integer in [lo, hi] inclusive. */
  intBetween(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new O1labError('INVALID_INPUT', `Rng.intBetween needs integers lo <= hi, got ${lo}, ${hi}`);
    }
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.nextFloat() < p;
  }

  /** Standard normal deviate (Marsaglia polar method). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.nextFloat() - 1;
      v = 2 * this.nextFloat() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return mean + std * u * f;
  }

  /** Gamma(shape, 1) deviate (Marsaglia & Tsang 2000); shape > 0. */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new O1labError('INVALID_INPUT', `Rng.gamma shape must be > 0, got ${shape}`);
    if (shape < 1) {
      // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
      return this.gamma(shape + 1) * (1 - this.nextFloat()) ** (1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x = 0;
      let v = 0;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.nextFloat();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** A sample from Dirichlet(alpha, ..., alpha) of size `k` (e.g. MCTS root noise). */
  dirichlet(alpha: number, k: number): number[] {
    const xs = Array.from({ length: k }, () => this.gamma(alpha));
    const sum = xs.reduce((a, b) => a + b, 0);
    return sum > 0 ? xs.map((x) => x / sum) : xs.map(() => 1 / k);
  }

  /** Index drawn with probability proportional to non-negative `weights`. */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new O1labError(
          'INVALID_INPUT',
          `Rng.categorical weight ${i} must be finite and >= 0, got ${w}`,
        );
      }
      total += w;
    }
    if (!(total > 0)) throw new O1labError('INVALID_INPUT', 'Rng.categorical needs a positive total weight');
    let r = this.nextFloat() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
    return weights.length - 1;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new O1labError('INVALID_INPUT', 'Rng.pick needs a non-empty array');
    return items[this.int(items.length)]!;
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  // state = state * MUL + inc (mod 2^64)
  private step(): void {
    const [mHi, mLo] = mul64(this.stateHi, this.stateLo, MUL_HI, MUL_LO);
    const [hi, lo] = add64(mHi, mLo, this.incHi, this.incLo);
    this.stateHi = hi;
    this.stateLo = lo;
  }
}

/** Shorthand for {@link Rng.create}. */
export function createRng(seed: number, stream: number = DEFAULT_RNG_STREAM): Rng {
  return Rng.create(seed, stream);
}

function checkSeed(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new O1labError('INVALID_CONFIG', `\`${name}\` must be a non-negative safe integer, got ${value}`, {
      where: 'createRng',
    });
  }
}

function add64(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  const lo = aLo + bLo;
  const carry = lo >= TWO_POW_32 ? 1 : 0;
  return [(aHi + bHi + carry) >>> 0, lo >>> 0];
}

function mul64(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  // Full 64-bit product of the low words from 16-bit limbs, then the cross terms mod 2^32.
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const hiLow = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  const hi = (hiLow + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
  return [hi, lo];
}
