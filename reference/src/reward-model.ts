/**
 * Scalar float64 oracles for `@o1lab/reward-model`: the Bradley–Terry pairwise loss, binary
 * cross-entropy with logits, ROC AUC by counting pairs, and the exact expected accuracy of
 * best-of-N, majority vote and random pick by enumerating every subset.
 */

/** log(1 + e^x) without overflow or cancellation. */
export function referenceSoftplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * Bradley–Terry pairwise loss of a reward model (Ouyang et al. 2022, eq. 1):
 * -log sigmoid(r_chosen - r_rejected) = softplus(r_rejected - r_chosen).
 */
export function referenceBradleyTerryLoss(rChosen: number, rRejected: number): number {
  return referenceSoftplus(rRejected - rChosen);
}

/**
 * Binary cross-entropy on a logit z with target y in [0, 1], in the stable form
 * max(z, 0) - z y + log(1 + e^{-|z|}) (as PyTorch's BCEWithLogitsLoss).
 */
export function referenceBceWithLogits(logit: number, target: number): number {
  return Math.max(logit, 0) - logit * target + Math.log1p(Math.exp(-Math.abs(logit)));
}

/** ROC AUC by comparing every (positive, negative) pair, ties counted half. NaN if a class is empty. */
export function referenceRocAuc(scores: readonly number[], labels: readonly boolean[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!labels[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j]) continue;
      pairs++;
      if (scores[i]! > scores[j]!) wins += 1;
      else if (scores[i]! === scores[j]!) wins += 0.5;
    }
  }
  return pairs === 0 ? Number.NaN : wins / pairs;
}

/** One scored sample of a problem. */
export interface ReferenceSample {
  readonly answer: string | null;
  readonly correct: boolean;
  readonly score: number;
}

/**
 * Exact expected accuracy on one problem when N of its samples are drawn uniformly without
 * replacement and one is selected by each rule (ties broken uniformly at random): the average over
 * all C(M, N) subsets, enumerated.
 */
export function referenceBestOfNExpectation(
  pool: readonly ReferenceSample[],
  n: number,
): { bestOfN: number; majorityVote: number; weightedVote: number; randomPick: number; oracle: number } {
  const m = pool.length;
  const totals = { bestOfN: 0, majorityVote: 0, weightedVote: 0, randomPick: 0, oracle: 0 };
  let count = 0;
  for (let mask = 0; mask < 1 << m; mask++) {
    let bits = 0;
    for (let i = 0; i < m; i++) if (mask & (1 << i)) bits++;
    if (bits !== n) continue;
    const subset = pool.filter((_, i) => mask & (1 << i));
    count++;
    // Best of N: the share of correct samples among those tied at the top score.
    const top = Math.max(...subset.map((s) => s.score));
    const tied = subset.filter((s) => s.score === top);
    totals.bestOfN += tied.filter((s) => s.correct).length / tied.length;
    totals.majorityVote += voteExpectation(subset, false);
    totals.weightedVote += voteExpectation(subset, true);
    totals.randomPick += subset.filter((s) => s.correct).length / n;
    totals.oracle += subset.some((s) => s.correct) ? 1 : 0;
  }
  return {
    bestOfN: totals.bestOfN / count,
    majorityVote: totals.majorityVote / count,
    weightedVote: totals.weightedVote / count,
    randomPick: totals.randomPick / count,
    oracle: totals.oracle / count,
  };
}

function voteExpectation(subset: readonly ReferenceSample[], weighted: boolean): number {
  const weight = new Map<string, number>();
  const correct = new Map<string, boolean>();
  for (const s of subset) {
    if (s.answer === null) continue;
    weight.set(s.answer, (weight.get(s.answer) ?? 0) + (weighted ? s.score : 1));
    correct.set(s.answer, s.correct);
  }
  if (weight.size === 0) return 0;
  const best = Math.max(...weight.values());
  const winners = [...weight.keys()].filter((a) => weight.get(a) === best);
  return winners.filter((a) => correct.get(a)).length / winners.length;
}
