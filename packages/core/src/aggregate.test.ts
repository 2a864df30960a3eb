import { describe, expect, it } from 'vitest';
import { aggregateStepScores, STEP_AGGREGATIONS, type StepAggregation } from './aggregate.js';
import { isO1labError } from './errors.js';

describe('aggregateStepScores', () => {
  const scores = [0.9, 0.5, 0.8];

  it('gives min, product, last and mean of known lists', () => {
    expect(aggregateStepScores(scores, 'min')).toBe(0.5);
    expect(aggregateStepScores(scores, 'product')).toBeCloseTo(0.36, 15);
    expect(aggregateStepScores(scores, 'last')).toBe(0.8);
    expect(aggregateStepScores(scores, 'mean')).toBeCloseTo(2.2 / 3, 15);
  });

  it('scores an empty list only when the caller names the empty score', () => {
    expect(aggregateStepScores([], 'min', 0)).toBe(0);
    expect(() => aggregateStepScores([], 'min')).toThrow(/empty list/);
  });

  it('returns the single score for a one-step solution under every aggregation', () => {
    for (const how of STEP_AGGREGATIONS) expect(aggregateStepScores([0.3], how)).toBe(0.3);
  });

  it('ranks a solution with one bad step below a uniformly mediocre one under min and product only', () => {
    const oneBad = [1, 1, 1, 0.1];
    const mediocre = [0.6, 0.6, 0.6, 0.6];
    expect(aggregateStepScores(oneBad, 'min')).toBeLessThan(aggregateStepScores(mediocre, 'min'));
    expect(aggregateStepScores(oneBad, 'product')).toBeLessThan(aggregateStepScores(mediocre, 'product'));
    expect(aggregateStepScores(oneBad, 'mean')).toBeGreaterThan(aggregateStepScores(mediocre, 'mean'));
  });

  it('handles unbounded scores (pairwise reward models) without clamping', () => {
    expect(aggregateStepScores([-2, 3], 'min')).toBe(-2);
    expect(aggregateStepScores([-2, 3], 'product')).toBe(-6);
    expect(aggregateStepScores([-2, 3], 'mean')).toBe(0.5);
  });

  it('rejects empty lists, non-finite scores and unknown aggregations', () => {
    expect(() => aggregateStepScores([], 'min')).toThrow(/empty list of step scores/);
    expect(() => aggregateStepScores([0.5, Number.NaN], 'mean')).toThrow(/step score 1 must be finite/);
    try {
      aggregateStepScores([1], 'max' as StepAggregation);
      expect.unreachable();
    } catch (error) {
      expect(isO1labError(error, 'INVALID_INPUT')).toBe(true);
      expect((error as Error).message).toMatch(/unknown step aggregation 'max'.*min, product, last, mean/);
    }
  });
});
