/**
 * Scalar float64 oracles of the selection rules of the sampling and PRM-guided searchers
 * (`@o1lab/search-best-of-n`, `-majority-vote`, `-beam`, `-dvts`), written as plainly as possible and
 * independently of the packages: the packages' own code is checked against these on seeded inputs.
 */

/** PRM score aggregations (Lightman et al. 2023: product, min; Snell et al. 2024: last; mean). */
export type ReferenceAggregation = 'last' | 'min' | 'product' | 'mean';

/** One score from per-step scores; an empty list scores 0. */
export function referenceAggregate(scores: readonly number[], aggregation: ReferenceAggregation): number {
  if (scores.length === 0) return 0;
  if (aggregation === 'last') return scores[scores.length - 1]!;
  if (aggregation === 'min') return [...scores].sort((a, b) => a - b)[0]!;
  if (aggregation === 'product') return scores.reduce((p, s) => p * s, 1);
  return scores.reduce((a, s) => a + s, 0) / scores.length;
}

/**
 * Self-consistency (Wang et al. 2022, eq. 1 unweighted): the most frequent non-null answer; ties go
 * to the answer whose first occurrence comes first. Null when no answer is given.
 */
export function referenceMajorityVote(answers: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const a of answers) if (a !== null) counts.set(a, (counts.get(a) ?? 0) + 1);
  let best: string | null = null;
  for (const a of answers) {
    if (a === null) continue;
    if (best === null || counts.get(a)! > counts.get(best)!) best = a;
  }
  return best;
}

/**
 * Weighted best-of-N (Li et al. 2023; Snell et al. 2024 §5): the non-null answer with the largest
 * sum of scores, ties to the first seen; null when no answer is given.
 */
export function referenceWeightedVote(
  samples: readonly { answer: string | null; score: number }[],
): string | null {
  const totals = new Map<string, number>();
  for (const s of samples) if (s.answer !== null) totals.set(s.answer, (totals.get(s.answer) ?? 0) + s.score);
  let best: string | null = null;
  for (const [answer, total] of totals) if (best === null || total > totals.get(best)!) best = answer;
  return best;
}

/** Index of the best score, the first on ties (best-of-N's pick, DVTS's greedy step). */
export function referenceArgmax(scores: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < scores.length; i++) if (best < 0 || scores[i]! > scores[best]!) best = i;
  return best;
}

/**
 * Beam-search selection (Snell et al. 2024 §3): indices of the `keep` best-scored unfinished
 * candidates, best first, earlier index first on ties; finished candidates are never kept.
 */
export function referenceBeamKeep(
  candidates: readonly { score: number; terminal: boolean }[],
  keep: number,
): number[] {
  const open: number[] = [];
  for (let i = 0; i < candidates.length; i++) if (!candidates[i]!.terminal) open.push(i);
  const out: number[] = [];
  while (out.length < keep && open.length > 0) {
    let pick = 0;
    for (let j = 1; j < open.length; j++)
      if (candidates[open[j]!]!.score > candidates[open[pick]!]!.score) pick = j;
    out.push(open.splice(pick, 1)[0]!);
  }
  return out;
}

/**
 * Exact success probability of the toy MDP of `@o1lab/search-testkit` from a prefix with `done`
 * steps on the correct path: `pCorrect ** (depth - done)`.
 */
export function referenceToyValue(pCorrect: number, depth: number, done: number): number {
  let v = 1;
  for (let d = done; d < depth; d++) v *= pCorrect;
  return v;
}

/** Hand-computed cases in `data/search-selection.json`. */
export interface SearchSelectionCases {
  readonly aggregate: readonly {
    readonly scores: readonly number[];
    readonly last: number;
    readonly min: number;
    readonly product: number;
    readonly mean: number;
  }[];
  readonly majorityVote: readonly {
    readonly answers: readonly (string | null)[];
    readonly winner: string | null;
  }[];
  readonly weightedVote: readonly {
    readonly samples: readonly { readonly answer: string | null; readonly score: number }[];
    readonly winner: string | null;
  }[];
  readonly beamKeep: readonly {
    readonly candidates: readonly { readonly score: number; readonly terminal: boolean }[];
    readonly keep: number;
    readonly kept: readonly number[];
  }[];
}
