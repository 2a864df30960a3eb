import { O1labError } from './errors.js';

/**
 * How per-step process-reward scores become one score for a whole solution:
 * - `'min'`: the weakest step (Lightman et al. 2023 compare min and product; Wang et al. 2024,
 *   Math-Shepherd, rank by min);
 * - `'product'`: the product, the probability that every step is correct when the scores are
 *   independent per-step probabilities (Lightman et al. 2023, sec. 2.6);
 * - `'last'`: the score of the last step, which a PRM trained on prefixes reads as the value of the
 *   whole solution (Snell et al. 2024, "last-step prediction");
 * - `'mean'`: the arithmetic mean.
 */
export type StepAggregation = 'min' | 'product' | 'last' | 'mean';

/** The aggregations, in a fixed order (for configs, tables and validation). */
export const STEP_AGGREGATIONS: readonly StepAggregation[] = Object.freeze([
  'min',
  'product',
  'last',
  'mean',
]);

/**
 * Aggregates one solution's per-step scores into one score. Scores must be finite. An empty list is
 * an error unless the caller says what it scores (`emptyScore`; searchers pass 0: a solution that
 * showed no step has shown nothing right), since no aggregation has a value that would not silently
 * bias a ranking.
 */
export function aggregateStepScores(
  scores: readonly number[],
  how: StepAggregation,
  emptyScore?: number,
): number {
  if (scores.length === 0) {
    if (emptyScore !== undefined) return emptyScore;
    throw new O1labError('INVALID_INPUT', 'cannot aggregate an empty list of step scores', {
      where: 'aggregateStepScores',
      hint: 'score at least one step, or skip states without steps',
    });
  }
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new O1labError('INVALID_INPUT', `step score ${i} must be finite, got ${scores[i]}`, {
        where: 'aggregateStepScores',
      });
    }
  }
  switch (how) {
    case 'min': {
      let m = scores[0]!;
      for (let i = 1; i < scores.length; i++) if (scores[i]! < m) m = scores[i]!;
      return m;
    }
    case 'product': {
      let p = 1;
      for (let i = 0; i < scores.length; i++) p *= scores[i]!;
      return p;
    }
    case 'last':
      return scores[scores.length - 1]!;
    case 'mean': {
      let s = 0;
      for (let i = 0; i < scores.length; i++) s += scores[i]!;
      return s / scores.length;
    }
    default:
      throw new O1labError('INVALID_INPUT', `unknown step aggregation '${String(how)}'`, {
        where: 'aggregateStepScores',
        hint: `use one of ${STEP_AGGREGATIONS.join(', ')}`,
      });
  }
}
