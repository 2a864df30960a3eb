import { createRng, type Estimate, meanInterval, O1labError, type Rng, wilsonInterval } from '@o1lab/core';
import { type BestOfNEvaluationConfig, resolveBestOfNEvaluationConfig } from './config.js';

/** Step-level accuracy of thresholded scores against ground-truth labels. */
export interface StepAccuracy {
  /** Fraction of steps where `score >= threshold` equals the label, with its Wilson interval. */
  readonly accuracy: Estimate;
  /** Accuracy on the good steps only (recall of good steps). */
  readonly positiveAccuracy: Estimate;
  /** Accuracy on the bad steps only (how many errors are caught). */
  readonly negativeAccuracy: Estimate;
}

/**
 * Step-level accuracy of a process reward model: a step is predicted good when its score is
 * >= `threshold`. Overall and per class, since step labels are usually unbalanced (PRM800K: most
 * steps are good), with 95% Wilson intervals.
 */
export function stepAccuracy(
  scores: readonly number[],
  labels: readonly boolean[],
  threshold = 0.5,
  z = 1.96,
): StepAccuracy {
  checkPairs(scores, labels, 'stepAccuracy');
  let right = 0;
  let pos = 0;
  let posRight = 0;
  let neg = 0;
  let negRight = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i]! >= threshold;
    const ok = predicted === labels[i];
    if (ok) right++;
    if (labels[i]) {
      pos++;
      if (ok) posRight++;
    } else {
      neg++;
      if (ok) negRight++;
    }
  }
  return {
    accuracy: wilsonInterval(right, scores.length, z),
    positiveAccuracy: wilsonInterval(posRight, pos, z),
    negativeAccuracy: wilsonInterval(negRight, neg, z),
  };
}

/**
 * ROC AUC as the Mann–Whitney statistic: the probability that a random good step scores above a
 * random bad one, ties counted half (Hanley & McNeil 1982). O(n log n) by average ranks. NaN when
 * either class is empty (the AUC is undefined there).
 */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number {
  checkPairs(scores, labels, 'rocAuc');
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let numPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    // Tied block i..j shares the average rank (1-based).
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]) {
        numPos++;
        rankSumPos += rank;
      }
    }
    i = j + 1;
  }
  const numNeg = scores.length - numPos;
  if (numPos === 0 || numNeg === 0) return Number.NaN;
  const u = rankSumPos - (numPos * (numPos + 1)) / 2;
  return u / (numPos * numNeg);
}

/** One sampled solution of a problem, scored. */
export interface BestOfNSample {
  /** The final answer (normalised so that equal answers compare equal), or null when none. */
  readonly answer: string | null;
  readonly correct: boolean;
  /** The scorer's score (reward model, aggregated PRM); higher is better. */
  readonly score: number;
}

/** Accuracy of each selection rule at one N. */
export interface BestOfNRow {
  readonly n: number;
  /** Highest score wins (ties broken at random). */
  readonly bestOfN: Estimate;
  /** Most frequent answer wins (self-consistency, Wang et al. 2023; ties at random). */
  readonly majorityVote: Estimate;
  /** Answer with the largest total score wins (weighted voting, Li et al. 2023; Math-Shepherd). */
  readonly weightedVote: Estimate;
  /** A uniformly random sample. */
  readonly randomPick: Estimate;
  /** Any sample correct (pass@N, the ceiling of every rule). */
  readonly oracle: Estimate;
  /**
   * Best-of-N minus majority vote, paired: both rules pick from the same subsets, so the difference
   * is taken per problem and its interval is the normal one over problems.
   */
  readonly bestOfNMinusMajority: Estimate;
}

/** Result of {@link bestOfNEvaluation}. */
export interface BestOfNEvaluation {
  readonly rows: readonly BestOfNRow[];
  readonly numProblems: number;
  readonly config: BestOfNEvaluationConfig;
}

/**
 * Best-of-N reranking evaluation on precomputed samples and scores: for each N, `numTrials` random
 * subsets of N samples are drawn from each problem's pool and each selection rule picks one answer
 * from the same subset. A problem's accuracy is the mean over its trials; the interval is Wilson's
 * with those per-problem accuracies summed as the successes over the problems (the unit of
 * independence), which is exact when `numTrials` = 1 or N is the whole pool.
 */
export function bestOfNEvaluation(
  problems: readonly (readonly BestOfNSample[])[],
  config?: Partial<BestOfNEvaluationConfig>,
): BestOfNEvaluation {
  const c = resolveBestOfNEvaluationConfig(config);
  const where = 'bestOfNEvaluation';
  if (problems.length === 0) throw new O1labError('INVALID_INPUT', 'no problems to evaluate', { where });
  let minPool = Number.POSITIVE_INFINITY;
  problems.forEach((samples, p) => {
    if (samples.length === 0) throw new O1labError('INVALID_INPUT', `problem ${p} has no samples`, { where });
    samples.forEach((s, i) => {
      if (!Number.isFinite(s.score)) {
        throw new O1labError('INVALID_INPUT', `problem ${p} sample ${i} has score ${s.score}`, { where });
      }
    });
    minPool = Math.min(minPool, samples.length);
  });
  const ns = c.ns.length > 0 ? [...c.ns] : powersOfTwoUpTo(minPool);
  for (const n of ns) {
    if (n > minPool) {
      throw new O1labError(
        'INVALID_CONFIG',
        `\`ns\` asks for N = ${n} but a problem has only ${minPool} samples`,
        {
          where,
        },
      );
    }
  }
  const rng = createRng(c.seed);
  const rows = ns.map((n): BestOfNRow => {
    const sums = { bestOfN: 0, majorityVote: 0, weightedVote: 0, randomPick: 0, oracle: 0 };
    const differences: number[] = [];
    for (const pool of problems) {
      const per = { bestOfN: 0, majorityVote: 0, weightedVote: 0, randomPick: 0, oracle: 0 };
      for (let t = 0; t < c.numTrials; t++) {
        const subset = sampleSubset(pool, n, rng);
        if (pickBest(subset, rng).correct) per.bestOfN++;
        if (voteCorrect(subset, rng, false)) per.majorityVote++;
        if (voteCorrect(subset, rng, true)) per.weightedVote++;
        if (subset[rng.int(subset.length)]!.correct) per.randomPick++;
        if (subset.some((s) => s.correct)) per.oracle++;
      }
      for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += per[key] / c.numTrials;
      differences.push((per.bestOfN - per.majorityVote) / c.numTrials);
    }
    const est = (k: keyof typeof sums) =>
      wilsonInterval(Math.min(sums[k], problems.length), problems.length, c.z);
    return {
      n,
      bestOfN: est('bestOfN'),
      majorityVote: est('majorityVote'),
      weightedVote: est('weightedVote'),
      randomPick: est('randomPick'),
      oracle: est('oracle'),
      bestOfNMinusMajority: meanInterval(differences, c.z),
    };
  });
  return { rows, numProblems: problems.length, config: c };
}

function powersOfTwoUpTo(max: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= max; n *= 2) out.push(n);
  return out;
}

/** N distinct samples, uniformly (partial Fisher–Yates). */
function sampleSubset(pool: readonly BestOfNSample[], n: number, rng: Rng): BestOfNSample[] {
  const idx = pool.map((_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(idx.length - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, n).map((i) => pool[i]!);
}

function pickBest(subset: readonly BestOfNSample[], rng: Rng): BestOfNSample {
  let best = Number.NEGATIVE_INFINITY;
  let tied: BestOfNSample[] = [];
  for (const s of subset) {
    if (s.score > best) {
      best = s.score;
      tied = [s];
    } else if (s.score === best) {
      tied.push(s);
    }
  }
  return tied.length === 1 ? tied[0]! : tied[rng.int(tied.length)]!;
}

/** Whether the vote's winner is correct; samples without an answer do not vote. */
function voteCorrect(subset: readonly BestOfNSample[], rng: Rng, weighted: boolean): boolean {
  const votes = new Map<string, { weight: number; correct: boolean }>();
  for (const s of subset) {
    if (s.answer === null) continue;
    const v = votes.get(s.answer) ?? { weight: 0, correct: s.correct };
    v.weight += weighted ? s.score : 1;
    votes.set(s.answer, v);
  }
  if (votes.size === 0) return false;
  let best = Number.NEGATIVE_INFINITY;
  let tied: boolean[] = [];
  for (const v of votes.values()) {
    if (v.weight > best) {
      best = v.weight;
      tied = [v.correct];
    } else if (v.weight === best) {
      tied.push(v.correct);
    }
  }
  return tied.length === 1 ? tied[0]! : tied[rng.int(tied.length)]!;
}

function checkPairs(scores: readonly number[], labels: readonly boolean[], where: string): void {
  if (scores.length !== labels.length) {
    throw new O1labError('INVALID_INPUT', `${scores.length} scores but ${labels.length} labels`, { where });
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new O1labError('INVALID_INPUT', `score ${i} is NaN`, { where });
  }
}
