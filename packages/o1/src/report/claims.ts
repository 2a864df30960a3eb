import type { Claim, CurvePoint, RunMetrics, TestTimeSweep } from '../metrics.js';
import { groupByMethod, interpolateLog2, logLinearFits } from './fits.js';
import { formatCount, formatEstimate, formatSigned, formatValue, intervalsSeparate } from './format.js';

/** R^2 from which a log-linear fit counts as a log-linear trend in claim 1. */
export const LOG_LINEAR_MIN_R2 = 0.7;

/** The roadmap's claims in the order reports list them, with the statement each verdict is about. */
export const CLAIM_STATEMENTS: Readonly<Record<Claim['id'], string>> = Object.freeze({
  'log-linear-test-time':
    'Accuracy grows log-linearly with test-time compute: best-of-N and majority vote gain a steady amount per doubling of generated tokens.',
  'prm-beats-majority':
    'Search guided by a process reward model beats majority vote at equal compute (generated tokens).',
  'learning-raises-pass1': 'Learning from search raises the policy’s greedy pass@1 on held-out problems.',
  'search-plus-learning':
    'Search plus learning beats either alone: the trained policy with search beats search with the initial policy and the trained policy without search.',
});

type Verdict = Pick<Claim, 'holds' | 'evidence'>;

/**
 * Tests the roadmap's four claims (Zeng et al. 2024) on one run's numbers. Each verdict is true,
 * false, or null where the run lacks the data (no sweep, no train round, no PRM method, ...), and
 * carries the numbers it was decided on.
 */
export function evaluateClaims(metrics: Omit<RunMetrics, 'claims'>): Claim[] {
  const verdicts: Record<Claim['id'], Verdict> = {
    'log-linear-test-time': logLinearTestTime(metrics),
    'prm-beats-majority': prmBeatsMajority(metrics),
    'learning-raises-pass1': learningRaisesPass1(metrics),
    'search-plus-learning': searchPlusLearning(metrics),
  };
  return (Object.keys(CLAIM_STATEMENTS) as Claim['id'][]).map((id) => ({
    id,
    statement: CLAIM_STATEMENTS[id],
    ...verdicts[id],
  }));
}

// Claim 1: log-linear test-time scaling of the sampling baselines in the last sweep.
function logLinearTestTime(metrics: Omit<RunMetrics, 'claims'>): Verdict {
  const sweep = lastSweep(metrics);
  if (sweep === undefined) return missing('the run has no test-time sweep');
  const sampling = sweep.points.filter((p) => isSamplingBaseline(p.method));
  const fits = logLinearFits(sampling, 'generatedTokens');
  if (fits.length === 0) {
    return missing(
      `round ${sweep.round}'s sweep has no best-of-n* or majority-vote* method with two or more token budgets`,
    );
  }
  const holds = fits.every((f) => f.slope > 0 && f.r2 >= LOG_LINEAR_MIN_R2);
  const parts = fits.map((f) => {
    const fit = `${f.method}: ${formatSigned(f.slope)} accuracy per doubling of tokens, R^2 ${formatValue(f.r2, 2)}`;
    const values = sampling.filter((p) => p.method === f.method).map((p) => p.accuracy.value);
    // A vote over answers cannot move when every completion states the same answer (a task whose
    // answer is given and that defines no vote key): say so rather than leave a bare zero slope.
    return f.method.startsWith('majority-vote') && values.every((v) => v === values[0])
      ? `${fit} (flat at every N: the vote never changes its pick, as when every completion states the same answer and the task defines no vote key to tell them apart)`
      : fit;
  });
  return {
    holds,
    evidence: `Round ${sweep.round}: ${parts.join('; ')} (needs slope > 0 and R^2 >= ${LOG_LINEAR_MIN_R2} for every method).`,
  };
}

// Claim 2: a PRM-guided method above majority vote's curve (interpolated in log2 tokens).
function prmBeatsMajority(metrics: Omit<RunMetrics, 'claims'>): Verdict {
  const sweep = lastSweep(metrics);
  if (sweep === undefined) return missing('the run has no test-time sweep');
  const groups = groupByMethod(sweep.points);
  const majorityName = groups.has('majority-vote')
    ? 'majority-vote'
    : [...groups.keys()].find((m) => m.startsWith('majority-vote'));
  const majority = majorityName === undefined ? undefined : groups.get(majorityName);
  if (majority === undefined) return missing(`round ${sweep.round}'s sweep has no majority-vote method`);
  const prmMethods = [...groups.keys()].filter((m) => m.endsWith('-prm'));
  if (prmMethods.length === 0) return missing(`round ${sweep.round}'s sweep has no *-prm method`);

  const tokens = majority.map((p) => p.compute.generatedTokens);
  const curve = (key: 'value' | 'lo' | 'hi') => majority.map((q) => q.accuracy[key]);
  const [values, los, his] = [curve('value'), curve('lo'), curve('hi')];
  const comparisons: Comparison[] = [];
  for (const method of prmMethods) {
    let best: Comparison | undefined;
    for (const p of groups.get(method)!) {
      const x = p.compute.generatedTokens;
      const value = interpolateLog2(tokens, values, x);
      if (value === null) continue;
      const lo = interpolateLog2(tokens, los, x)!;
      const hi = interpolateLog2(tokens, his, x)!;
      const margin = p.accuracy.value - value;
      if (best === undefined || margin > best.margin) {
        best = { point: p, majority: { value, lo, hi }, margin };
      }
    }
    if (best !== undefined) comparisons.push(best);
  }
  if (comparisons.length === 0) {
    return missing(
      `no *-prm point of round ${sweep.round} lies within majority vote's token range [${formatCount(Math.min(...tokens))}, ${formatCount(Math.max(...tokens))}]`,
    );
  }
  // Holds when some PRM method is above majority vote beyond noise; fails when none is above at all;
  // otherwise (above, but within the intervals) the run cannot tell.
  const above = comparisons.filter((c) => c.margin > 0);
  const holds = above.some((c) => intervalsSeparate(c.point.accuracy, c.majority))
    ? true
    : above.length === 0
      ? false
      : null;
  const parts = comparisons.map((c) => {
    const separate = c.margin > 0 && intervalsSeparate(c.point.accuracy, c.majority);
    return (
      `${c.point.method} at ${formatCount(c.point.compute.generatedTokens)} tokens: ` +
      `${formatEstimate(c.point.accuracy)} vs majority vote ${formatEstimate({ ...c.majority, n: 0 })} ` +
      `(${formatSigned(c.margin)}; CIs ${separate ? 'separate' : 'overlap'})`
    );
  });
  return {
    holds,
    evidence: `Round ${sweep.round}, each PRM method at its best budget against majority vote interpolated in log2 tokens: ${parts.join('; ')}.${holds === null ? WITHIN_NOISE : ''}`,
  };
}

interface Comparison {
  readonly point: CurvePoint;
  readonly majority: { readonly value: number; readonly lo: number; readonly hi: number };
  /** PRM accuracy minus majority vote's interpolated accuracy. */
  readonly margin: number;
}

// Claim 3: the last round's held-out pass@1 above the initial policy's.
function learningRaisesPass1(metrics: Omit<RunMetrics, 'claims'>): Verdict {
  const last = metrics.trainTime[metrics.trainTime.length - 1];
  if (last === undefined) return missing('the run has no train round');
  const initial = metrics.initialPass1;
  if (initial === null) return missing('the run has no pass@1 of the initial policy');
  const gain = last.pass1.value - initial.value;
  const separate = intervalsSeparate(initial, last.pass1);
  const holds = gain <= 0 ? false : separate ? true : null;
  return {
    holds,
    evidence:
      `Held-out greedy pass@1 ${formatEstimate(initial)} initially, ${formatEstimate(last.pass1)} after round ${last.round} ` +
      `(${formatSigned(gain)}; CIs ${separate ? 'separate' : 'overlap'}).${holds === null ? WITHIN_NOISE : ''}`,
  };
}

// Claim 4: the last round's best searched accuracy vs search alone (round 0) and learning alone.
function searchPlusLearning(metrics: Omit<RunMetrics, 'claims'>): Verdict {
  const sweep = lastSweep(metrics);
  if (sweep === undefined || sweep.round === 0) return missing('the run has no sweep after a train round');
  const round = metrics.trainTime.find((r) => r.round === sweep.round);
  if (round === undefined) return missing(`the run has no train round ${sweep.round} to compare with`);
  const best = bestAtLargestBudget(sweep.points);
  if (best === undefined) return missing(`round ${sweep.round}'s sweep has no points`);
  const initialSweep = metrics.testTime.find((s) => s.round === 0);
  const searchAlone = initialSweep?.points.find((p) => p.method === best.method && p.level === best.level);
  if (searchAlone === undefined) {
    return missing(`the run has no round-0 point of ${best.method} at level ${best.level} to compare with`);
  }
  const a = best.accuracy;
  const overSearch = a.value - searchAlone.accuracy.value;
  const overLearning = a.value - round.pass1.value;
  const ci = (other: Parameters<typeof intervalsSeparate>[0]) =>
    intervalsSeparate(a, other) ? 'CIs separate' : 'CIs overlap';
  const beyondNoise = intervalsSeparate(a, searchAlone.accuracy) && intervalsSeparate(a, round.pass1);
  const holds = overSearch <= 0 || overLearning <= 0 ? false : beyondNoise ? true : null;
  return {
    holds,
    evidence:
      `Round ${sweep.round} ${best.method} at level ${best.level}: ${formatEstimate(a)}; ` +
      `search alone (round 0, same method and level) ${formatEstimate(searchAlone.accuracy)} (${formatSigned(overSearch)}, ${ci(searchAlone.accuracy)}); ` +
      `learning alone (round ${round.round} greedy pass@1) ${formatEstimate(round.pass1)} (${formatSigned(overLearning)}, ${ci(round.pass1)}).${holds === null ? WITHIN_NOISE : ''}`,
  };
}

/** The most accurate method at its own largest budget level (levels differ in meaning across methods). */
function bestAtLargestBudget(points: readonly CurvePoint[]): CurvePoint | undefined {
  let best: CurvePoint | undefined;
  for (const group of groupByMethod(points).values()) {
    const top = group.reduce((a, b) => (b.level > a.level ? b : a));
    if (best === undefined || top.accuracy.value > best.accuracy.value) best = top;
  }
  return best;
}

function lastSweep(metrics: Omit<RunMetrics, 'claims'>): TestTimeSweep | undefined {
  let last: TestTimeSweep | undefined;
  for (const s of metrics.testTime) if (last === undefined || s.round >= last.round) last = s;
  return last;
}

function isSamplingBaseline(method: string): boolean {
  return method.startsWith('best-of-n') || method.startsWith('majority-vote');
}

/** Appended when the direction is right but the 95% intervals overlap: the verdict is left open. */
const WITHIN_NOISE =
  ' Not shown: the difference is within the 95% intervals; more problems or seeds would tell.';

function missing(why: string): Verdict {
  return { holds: null, evidence: `Not enough data: ${why}.` };
}
