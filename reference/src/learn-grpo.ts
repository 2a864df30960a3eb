/**
 * Scalar float64 oracles for `@o1lab/learn-grpo`: group-relative advantages (Shao et al. 2024,
 * DeepSeekMath, sec. 4.1.2), the clipped surrogate with the k3 KL term (eq. 3-4), and the loss
 * aggregations of GRPO, DAPO (Yu et al. 2025, eq. 8) and Dr. GRPO (Liu et al. 2025).
 * Per-token inputs are ragged: one array per completion, in token order.
 */

/** Which per-token KL estimator (Schulman 2020). */
export type ReferenceKlEstimator = 'k1' | 'k2' | 'k3';

/** Per-token KL(pi || pi_ref) estimate from d = log pi - log pi_ref. */
export function referenceKl(logprob: number, refLogprob: number, estimator: ReferenceKlEstimator): number {
  const d = logprob - refLogprob;
  if (estimator === 'k1') return d;
  if (estimator === 'k2') return 0.5 * d * d;
  return Math.exp(-d) - 1 + d;
}

/**
 * (r_i - mean(r_group)) / (std(r_group) + eps) within consecutive groups of `groupSize`, std with
 * Bessel's correction (torch.std, as TRL); with `scaleRewards` false (Dr. GRPO) r_i - mean only.
 */
export function referenceGroupAdvantages(
  rewards: readonly number[],
  groupSize: number,
  scaleRewards: boolean,
  eps = 1e-4,
): number[] {
  const out: number[] = [];
  for (let g = 0; g < rewards.length; g += groupSize) {
    const group = rewards.slice(g, g + groupSize);
    const mean = group.reduce((a, b) => a + b, 0) / group.length;
    const variance =
      group.length > 1 ? group.reduce((a, b) => a + (b - mean) ** 2, 0) / (group.length - 1) : 0;
    for (const r of group) out.push(scaleRewards ? (r - mean) / (Math.sqrt(variance) + eps) : r - mean);
  }
  return out;
}

/**
 * Process supervision (DeepSeekMath sec. 4.1.3), written from its definition: with R the step
 * rewards of all completions of a group, r~ = (r - mean(R)) / (std(R) + eps) (Bessel's std; r -
 * mean(R) without `scaleRewards`), and A_{i,t} = sum of r~_{i,k} over the steps k of completion i
 * with end(k) >= t. One array of `lengths[i]` numbers per completion.
 */
export function referenceProcessAdvantages(
  stepRewards: readonly (readonly number[])[],
  endTokens: readonly (readonly number[])[],
  lengths: readonly number[],
  groupSize: number,
  scaleRewards: boolean,
  eps = 1e-4,
): number[][] {
  const out: number[][] = [];
  for (let g = 0; g < stepRewards.length; g += groupSize) {
    const all: number[] = [];
    for (let i = g; i < g + groupSize; i++) all.push(...stepRewards[i]!);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const variance = all.length > 1 ? all.reduce((a, b) => a + (b - mean) ** 2, 0) / (all.length - 1) : 0;
    const normalised = (r: number) => (scaleRewards ? (r - mean) / (Math.sqrt(variance) + eps) : r - mean);
    for (let i = g; i < g + groupSize; i++) {
      const row: number[] = [];
      for (let t = 0; t < lengths[i]!; t++) {
        let a = 0;
        endTokens[i]!.forEach((end, k) => {
          if (end >= t) a += normalised(stepRewards[i]![k]!);
        });
        row.push(a);
      }
      out.push(row);
    }
  }
  return out;
}

/** Per-token inputs of a clipped policy-gradient loss. */
export interface ReferencePolicyTokens {
  readonly logprobs: readonly (readonly number[])[];
  readonly oldLogprobs: readonly (readonly number[])[];
  /** Needed when `beta` > 0. */
  readonly refLogprobs?: readonly (readonly number[])[];
  /** One advantage per token. */
  readonly advantages: readonly (readonly number[])[];
}

/** How per-token losses become one number. */
export type ReferenceLossAggregation = 'sequence-mean' | 'token-mean' | 'constant';

/** Options of {@link referenceGrpoLoss}. */
export interface ReferenceGrpoLossOptions {
  readonly epsilonLow: number;
  readonly epsilonHigh: number;
  readonly beta: number;
  readonly klEstimator: ReferenceKlEstimator;
  readonly aggregation: ReferenceLossAggregation;
  /** The constant of the `constant` aggregation (Dr. GRPO divides by B x this). */
  readonly maxCompletionTokens: number;
}

/**
 * Clipped surrogate per token, min(rho A, clip(rho, 1 - epsLow, 1 + epsHigh) A) with
 * rho = exp(logp - oldLogp), minus beta KL, negated; aggregated as GRPO (mean over each sequence's
 * tokens, then over sequences), DAPO (mean over all tokens) or Dr. GRPO (sum / (B x maxTokens)).
 */
export function referenceGrpoLoss(x: ReferencePolicyTokens, o: ReferenceGrpoLossOptions): number {
  const B = x.logprobs.length;
  let total = 0;
  let tokens = 0;
  let sequenceMeans = 0;
  for (let b = 0; b < B; b++) {
    const lp = x.logprobs[b]!;
    let rowSum = 0;
    for (let t = 0; t < lp.length; t++) {
      const rho = Math.exp(lp[t]! - x.oldLogprobs[b]![t]!);
      const a = x.advantages[b]![t]!;
      const clipped = Math.min(Math.max(rho, 1 - o.epsilonLow), 1 + o.epsilonHigh);
      let loss = -Math.min(rho * a, clipped * a);
      if (o.beta > 0) loss += o.beta * referenceKl(lp[t]!, x.refLogprobs![b]![t]!, o.klEstimator);
      rowSum += loss;
    }
    total += rowSum;
    tokens += lp.length;
    sequenceMeans += lp.length > 0 ? rowSum / lp.length : 0;
  }
  if (o.aggregation === 'sequence-mean') return sequenceMeans / B;
  if (o.aggregation === 'token-mean') return total / Math.max(tokens, 1);
  return total / (B * o.maxCompletionTokens);
}
