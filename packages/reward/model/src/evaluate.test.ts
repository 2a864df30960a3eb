import { createRng } from '@o1lab/core';
import { referenceBestOfNExpectation, referenceRocAuc } from '@o1lab/reference';
import { describe, expect, it } from 'vitest';
import { type BestOfNSample, bestOfNEvaluation, rocAuc, stepAccuracy } from './evaluate.js';

describe('rocAuc', () => {
  it('gives known values: perfect, inverted, chance, and ties counted half', () => {
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [true, true, false, false])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [true, true, false, false])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [true, false, true, false])).toBe(0.5);
    expect(rocAuc([0.8, 0.4, 0.6, 0.4], [true, true, false, false])).toBe(0.625);
    expect(rocAuc([0.3, 0.7], [true, true])).toBeNaN();
  });

  it('matches the pairwise oracle to 1e-12 on random data with many ties', () => {
    const rng = createRng(21);
    for (let trial = 0; trial < 30; trial++) {
      const n = 2 + rng.int(200);
      const labels = Array.from({ length: n }, () => rng.bernoulli(0.3));
      // Scores on a coarse grid so that ties are common, shifted up for good steps.
      const scores = labels.map((l) => Math.round((rng.nextFloat() + (l ? 0.3 : 0)) * 10) / 10);
      const want = referenceRocAuc(scores, labels);
      const got = rocAuc(scores, labels);
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else expect(Math.abs(got - want)).toBeLessThan(1e-12);
    }
  });

  it('rejects mismatched lengths and NaN scores', () => {
    expect(() => rocAuc([1], [])).toThrow(/1 scores but 0 labels/);
    expect(() => rocAuc([Number.NaN], [true])).toThrow(/score 0 is NaN/);
  });
});

describe('stepAccuracy', () => {
  it('counts thresholded agreement overall and per class with Wilson intervals', () => {
    const acc = stepAccuracy([0.9, 0.6, 0.4, 0.2, 0.7], [true, true, true, false, false]);
    expect(acc.accuracy.value).toBeCloseTo(3 / 5, 15);
    expect(acc.positiveAccuracy.value).toBeCloseTo(2 / 3, 15);
    expect(acc.negativeAccuracy.value).toBe(0.5);
    expect(acc.accuracy.n).toBe(5);
    expect(acc.accuracy.lo).toBeLessThan(0.6);
    expect(acc.accuracy.hi).toBeGreaterThan(0.6);
    expect(stepAccuracy([0.4], [true], 0.3).accuracy.value).toBe(1);
  });
});

describe('bestOfNEvaluation', () => {
  // 40 problems with 8 samples each: a scorer that sees correctness through noise, answers that
  // repeat (wrong answers spread over several values), and some samples without an answer.
  const rng = createRng(5);
  const problems: BestOfNSample[][] = Array.from({ length: 40 }, (_, p) =>
    Array.from({ length: 8 }, () => {
      const correct = rng.bernoulli(0.3 + 0.01 * (p % 10));
      const answer = rng.bernoulli(0.1) ? null : correct ? 'right' : `wrong${rng.int(4)}`;
      return {
        answer,
        correct: correct && answer !== null,
        score: (correct ? 0.6 : 0.4) + 0.3 * rng.normal(),
      };
    }),
  );

  it('matches the exact subset-enumeration expectation of every rule at every N', () => {
    const result = bestOfNEvaluation(problems, { numTrials: 1500, seed: 1 });
    expect(result.rows.map((r) => r.n)).toEqual([1, 2, 4, 8]);
    for (const row of result.rows) {
      const exact = { bestOfN: 0, majorityVote: 0, weightedVote: 0, randomPick: 0, oracle: 0 };
      for (const pool of problems) {
        const e = referenceBestOfNExpectation(pool, row.n);
        for (const k of Object.keys(exact) as (keyof typeof exact)[]) exact[k] += e[k] / problems.length;
      }
      // 40 problems x 1500 trials: Monte-Carlo error well under 0.01.
      for (const k of Object.keys(exact) as (keyof typeof exact)[]) {
        expect(Math.abs(row[k].value - exact[k]), `${k} at N = ${row.n}`).toBeLessThan(0.012);
      }
    }
  });

  it('gives best-of-N minus majority vote paired per problem, with the interval over problems', () => {
    const result = bestOfNEvaluation(problems, { ns: [4, 8], numTrials: 1500, seed: 3 });
    for (const row of result.rows) {
      const d = row.bestOfNMinusMajority;
      expect(d.value).toBeCloseTo(row.bestOfN.value - row.majorityVote.value, 12);
      expect(d.n).toBe(40);
      // The exact per-problem differences give the same mean and (normal) interval.
      const exact = problems.map((pool) => {
        const e = referenceBestOfNExpectation(pool, row.n);
        return e.bestOfN - e.majorityVote;
      });
      const m = exact.reduce((a, b) => a + b, 0) / exact.length;
      const sd = Math.sqrt(exact.reduce((a, b) => a + (b - m) ** 2, 0) / (exact.length - 1));
      const half = (1.96 * sd) / Math.sqrt(exact.length);
      expect(Math.abs(d.value - m)).toBeLessThan(0.012);
      expect(Math.abs(d.hi - d.value - half)).toBeLessThan(0.2 * half);
      expect(d.hi - d.value).toBeCloseTo(d.value - d.lo, 12);
    }
  });

  it('is exact at N = the whole pool, and the rules order as they should', () => {
    const result = bestOfNEvaluation(problems, { ns: [1, 8], numTrials: 3, seed: 2 });
    const [one, all] = result.rows;
    for (const k of ['bestOfN', 'randomPick'] as const) expect(one![k].value).toBeGreaterThan(0.2);
    const exactAll = problems.reduce((a, pool) => a + referenceBestOfNExpectation(pool, 8).oracle, 0) / 40;
    expect(all!.oracle.value).toBeCloseTo(exactAll, 12);
    expect(all!.oracle.value).toBeGreaterThan(all!.bestOfN.value);
    expect(all!.bestOfN.value).toBeGreaterThan(one!.bestOfN.value);
    expect(all!.oracle.lo).toBeLessThan(all!.oracle.value);
    expect(all!.oracle.n).toBe(40);
  });

  it('gives the same numbers for the same seed and validates options by name', () => {
    const a = bestOfNEvaluation(problems, { numTrials: 5, seed: 9 });
    const b = bestOfNEvaluation(problems, { numTrials: 5, seed: 9 });
    expect(a).toEqual(b);
    expect(() => bestOfNEvaluation(problems, { ns: [16] })).toThrow(
      /N = 16 but a problem has only 8 samples/,
    );
    expect(() => bestOfNEvaluation(problems, { ns: [0] })).toThrow(/`ns\[0\]` must be >= 1/);
    expect(() => bestOfNEvaluation(problems, { numTrails: 3 } as never)).toThrow(
      /unknown option `numTrails`/,
    );
    expect(() => bestOfNEvaluation([])).toThrow(/no problems/);
  });
});
