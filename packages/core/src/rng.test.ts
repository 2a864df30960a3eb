import { type RngVectors, readReferenceJson } from '@o1lab/reference';
import { describe, expect, it } from 'vitest';
import { O1labError } from './errors.js';
import { createRng, Rng } from './rng.js';

const reference = readReferenceJson<RngVectors>('rng-pcg32.json');

describe('Rng', () => {
  it('reproduces the published pcg32-demo output for seed 42, stream 54', () => {
    const rng = createRng(42);
    const first = Array.from({ length: 6 }, () => rng.nextUint32().toString(16));
    expect(first).toEqual(['a15c02b7', '7b47f409', 'ba1d3330', '83d2f293', 'bfa4784b', 'cbed606e']);
  });

  it.each(reference.vectors)('matches the reference C implementation for seed $seed stream $stream', (v) => {
    const rng = createRng(v.seed, v.stream);
    expect(v.outputs.map(() => rng.nextUint32())).toEqual(v.outputs);
  });

  it('round-trips its state and continues identically', () => {
    const a = createRng(7);
    for (let i = 0; i < 10; i++) a.nextUint32();
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.getState())));
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(
      Array.from({ length: 20 }, () => a.nextUint32()),
    );
  });

  it('splits into streams that differ from the parent and from each other', () => {
    const parent = createRng(1);
    const c1 = parent.split();
    const c2 = parent.split();
    const s1 = Array.from({ length: 8 }, () => c1.nextUint32());
    const s2 = Array.from({ length: 8 }, () => c2.nextUint32());
    expect(s1).not.toEqual(s2);
    const again = createRng(1).split();
    expect(Array.from({ length: 8 }, () => again.nextUint32())).toEqual(s1);
  });

  it('draws uniform floats and unbiased bounded integers', () => {
    const rng = createRng(3);
    const counts = new Array(6).fill(0);
    let sum = 0;
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const f = rng.nextFloat();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      sum += f;
      counts[rng.int(6)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - n / 6)).toBeLessThan(0.03 * (n / 6));
  });

  it('samples normals, gammas and Dirichlets with the right moments', () => {
    const rng = createRng(11);
    const n = 40_000;
    let s = 0;
    let s2 = 0;
    let g = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
      g += rng.gamma(0.3);
    }
    expect(s / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
    expect(g / n).toBeCloseTo(0.3, 1);
    const d = rng.dirichlet(0.3, 5);
    expect(d.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('picks categories in proportion to their weights', () => {
    const rng = createRng(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.categorical([1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeGreaterThan(2.7);
    expect(counts[2]! / counts[0]!).toBeLessThan(3.3);
  });

  it('rejects bad seeds and bounds with clear errors', () => {
    expect(() => createRng(-1)).toThrow(/`seed` must be a non-negative safe integer/);
    expect(() => createRng(1.5)).toThrow(O1labError);
    expect(() => createRng(1).int(0)).toThrow(/integer in \[1, 2\^32\]/);
    expect(() => createRng(1).categorical([0, 0])).toThrow(/positive total weight/);
    expect(() => Rng.fromState({ stateHi: 0, stateLo: 0, incHi: 0, incLo: 2 })).toThrow(/odd/);
  });
});
