/**
 * Scalar float64 oracles for `@o1lab/reward-shaping`: potential-based shaping, exact value iteration
 * on a tabular MDP, Monte-Carlo step-label estimates and DAPO's overlong penalty. Plain loops, no
 * shortcuts: these are what the package is checked against.
 */

/**
 * Shaped rewards r'_t = r_t + gamma * Phi(s_{t+1}) - Phi(s_t) (Ng, Harada & Russell 1999, eq. 2).
 * `potentials` has one entry per visited state (`rewards.length + 1`); when `terminal` is true the
 * last state's potential is taken as 0.
 */
export function referenceShapedRewards(
  rewards: readonly number[],
  potentials: readonly number[],
  gamma: number,
  terminal: boolean,
): number[] {
  if (potentials.length !== rewards.length + 1) throw new Error('need rewards.length + 1 potentials');
  const out: number[] = [];
  for (let t = 0; t < rewards.length; t++) {
    const isLast = t === rewards.length - 1;
    const next = isLast && terminal ? 0 : potentials[t + 1]!;
    out.push(rewards[t]! + gamma * next - potentials[t]!);
  }
  return out;
}

/** Discounted return sum_t gamma^t r_t. */
export function referenceDiscountedReturn(rewards: readonly number[], gamma: number): number {
  let g = 0;
  let discount = 1;
  for (const r of rewards) {
    g += discount * r;
    discount *= gamma;
  }
  return g;
}

/** One outcome of taking an action: next state, its probability and the reward of the transition. */
export interface TabularTransition {
  readonly next: number;
  readonly prob: number;
  readonly reward: number;
}

/**
 * A finite MDP: `transitions[s][a]` lists the outcomes of action `a` in state `s`. Terminal states
 * have no actions (an empty list) and value 0.
 */
export interface TabularMdp {
  readonly numStates: number;
  readonly transitions: readonly (readonly (readonly TabularTransition[])[])[];
}

/** Optimal state values, Q-values and the set of optimal actions per state. */
export interface ValueIterationResult {
  readonly values: number[];
  readonly q: number[][];
  readonly iterations: number;
}

/**
 * Value iteration V(s) <- max_a sum_{s'} P(s'|s,a) [R(s,a,s') + gamma V(s')] in float64 until the
 * largest change is below `tolerance` (Sutton & Barto 2018, sec. 4.4).
 */
export function referenceValueIteration(
  mdp: TabularMdp,
  gamma: number,
  tolerance = 1e-13,
  maxIterations = 100_000,
): ValueIterationResult {
  const values = new Array<number>(mdp.numStates).fill(0);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let delta = 0;
    for (let s = 0; s < mdp.numStates; s++) {
      const actions = mdp.transitions[s]!;
      if (actions.length === 0) continue;
      let best = Number.NEGATIVE_INFINITY;
      for (const outcomes of actions) {
        let q = 0;
        for (const o of outcomes) q += o.prob * (o.reward + gamma * values[o.next]!);
        if (q > best) best = q;
      }
      delta = Math.max(delta, Math.abs(best - values[s]!));
      values[s] = best;
    }
    if (delta < tolerance) break;
  }
  const q = mdp.transitions.map((actions) =>
    actions.map((outcomes) => {
      let v = 0;
      for (const o of outcomes) v += o.prob * (o.reward + gamma * values[o.next]!);
      return v;
    }),
  );
  return { values, q, iterations };
}

/** Indices of the actions within `tolerance` of the best Q-value of each state. */
export function referenceGreedyActions(q: readonly (readonly number[])[], tolerance = 1e-9): number[][] {
  return q.map((qs) => {
    if (qs.length === 0) return [];
    const best = Math.max(...qs);
    const out: number[] = [];
    for (let a = 0; a < qs.length; a++) if (qs[a]! >= best - tolerance) out.push(a);
    return out;
  });
}

/**
 * Math-Shepherd estimates of one step from its rollouts' outcomes (Wang et al. 2024, eqs. 3-4):
 * hard = 1 if any rollout reaches the correct answer, soft = the fraction that does.
 */
export function referenceMonteCarloEstimate(outcomes: readonly boolean[]): { hard: number; soft: number } {
  let correct = 0;
  for (const o of outcomes) if (o) correct++;
  return { hard: correct > 0 ? 1 : 0, soft: outcomes.length === 0 ? Number.NaN : correct / outcomes.length };
}

/** Expected hard estimate from `n` rollouts each correct with probability `p`: 1 - (1 - p)^n. */
export function referenceHardEstimateExpectation(p: number, n: number): number {
  let miss = 1;
  for (let i = 0; i < n; i++) miss *= 1 - p;
  return 1 - miss;
}

/**
 * DAPO's soft overlong punishment (Yu et al. 2025, eq. 13) of a response of `length` tokens:
 * 0 up to maxLength - cacheLength, then linear down to -1 at maxLength, and -1 beyond.
 */
export function referenceOverlongPenalty(length: number, maxLength: number, cacheLength: number): number {
  const free = maxLength - cacheLength;
  if (length <= free) return 0;
  if (length <= maxLength) return (free - length) / cacheLength;
  return -1;
}
