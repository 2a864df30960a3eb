import { O1labError } from '@o1lab/core';

/**
 * Reductions of a solution's per-step PRM scores to one score (Lightman et al. 2023 use the product
 * and the minimum; Snell et al. 2024 §5 and Wang et al. 2024 (Math-Shepherd) use the minimum or the
 * last step).
 */
export type Aggregation = 'last' | 'min' | 'product' | 'mean';

/** The aggregations, in documentation order. */
export const AGGREGATIONS: readonly Aggregation[] = Object.freeze(['last', 'min', 'product', 'mean']);

/**
 * One score from per-step scores: the last step's, the minimum, the product, or the mean. A solution
 * with no steps scores 0 (nothing was shown to be right).
 */
export function aggregateStepScores(scores: readonly number[], aggregation: Aggregation): number {
  if (scores.length === 0) return 0;
  switch (aggregation) {
    case 'last':
      return scores[scores.length - 1]!;
    case 'min': {
      let m = Infinity;
      for (const s of scores) m = Math.min(m, s);
      return m;
    }
    case 'product': {
      let p = 1;
      for (const s of scores) p *= s;
      return p;
    }
    case 'mean': {
      let s = 0;
      for (const x of scores) s += x;
      return s / scores.length;
    }
    default:
      throw new O1labError('INVALID_CONFIG', `unknown aggregation '${String(aggregation)}'`, {
        where: 'aggregateStepScores',
      });
  }
}
