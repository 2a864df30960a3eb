/**
 * Scalar float64 oracles for `@o1lab/learn-dpo`: the DPO loss with optional label smoothing
 * (Rafailov et al. 2023, eq. 7; conservative DPO, Mitchell 2023) and the IPO loss (Azar et al.
 * 2023, eq. 17), written as TRL's `DPOTrainer.dpo_loss` writes them, and TRL's `rpo_alpha` term
 * (RPO, Liu et al. 2024; Iterative RPO, Pang et al. 2024, eq. 1): α times the chosen completions'
 * negative log-likelihood per token.
 */

/** Sequence log-probabilities of one preference pair under the policy and the frozen reference. */
export interface ReferencePreferenceLogps {
  readonly policyChosen: number;
  readonly policyRejected: number;
  readonly referenceChosen: number;
  readonly referenceRejected: number;
}

/** Loss and implicit rewards of one pair. */
export interface ReferenceDpoResult {
  readonly loss: number;
  /** β (log π(y_w|x) - log π_ref(y_w|x)). */
  readonly chosenReward: number;
  /** β (log π(y_l|x) - log π_ref(y_l|x)). */
  readonly rejectedReward: number;
}

/** A chosen completion as the NLL term sees it: its summed token log-probability and its length. */
export interface ReferenceChosenCompletion {
  /** Σ_t log π(y_t | x, y_<t) over the completion tokens. */
  readonly logprob: number;
  readonly numTokens: number;
}

/** log σ(x) = -softplus(-x), without overflow. */
export function referenceLogSigmoid(x: number): number {
  return x < 0 ? x - Math.log1p(Math.exp(x)) : -Math.log1p(Math.exp(-x));
}

/**
 * h = (log π(y_w) - log π(y_l)) - (log π_ref(y_w) - log π_ref(y_l)).
 * sigmoid (DPO): -(1 - ε) log σ(β h) - ε log σ(-β h);
 * ipo: (h - 1 / (2 β))².
 */
export function referenceDpoLoss(
  logps: ReferencePreferenceLogps,
  beta: number,
  lossType: 'sigmoid' | 'ipo' = 'sigmoid',
  labelSmoothing = 0,
  dpopLambda = 0,
): ReferenceDpoResult {
  const chosenRatio = logps.policyChosen - logps.referenceChosen;
  const rejectedRatio = logps.policyRejected - logps.referenceRejected;
  // DPO-Positive (Pal et al. 2024, eq. 3): minus lambda times how far the chosen log-likelihood fell
  // below the reference's.
  const h = chosenRatio - rejectedRatio - dpopLambda * Math.max(0, -chosenRatio);
  const loss =
    lossType === 'ipo'
      ? (h - 1 / (2 * beta)) ** 2
      : -(1 - labelSmoothing) * referenceLogSigmoid(beta * h) -
        labelSmoothing * referenceLogSigmoid(-beta * h);
  return { loss, chosenReward: beta * chosenRatio, rejectedReward: beta * rejectedRatio };
}

/**
 * Mean of {@link referenceDpoLoss} over a batch of pairs, plus `rpoAlpha` · {@link referenceChosenNll}
 * of `chosen` (one entry per pair) when `rpoAlpha` > 0.
 */
export function referenceDpoBatchLoss(
  pairs: readonly ReferencePreferenceLogps[],
  beta: number,
  lossType: 'sigmoid' | 'ipo' = 'sigmoid',
  labelSmoothing = 0,
  rpoAlpha = 0,
  chosen: readonly ReferenceChosenCompletion[] = [],
  dpopLambda = 0,
): number {
  let s = 0;
  for (const p of pairs) s += referenceDpoLoss(p, beta, lossType, labelSmoothing, dpopLambda).loss;
  const preference = s / pairs.length;
  if (rpoAlpha === 0) return preference;
  if (chosen.length !== pairs.length) {
    throw new Error(
      `referenceDpoBatchLoss: rpoAlpha needs one chosen completion per pair, got ${chosen.length}`,
    );
  }
  return preference + rpoAlpha * referenceChosenNll(chosen);
}

/**
 * -Σ_i logprob_i / Σ_i numTokens_i: the negative log-likelihood per token over all chosen tokens of
 * the batch, as TRL's `nll_loss` (a cross-entropy over the flattened chosen rows) averages it.
 */
export function referenceChosenNll(chosen: readonly ReferenceChosenCompletion[]): number {
  let logprob = 0;
  let numTokens = 0;
  for (const c of chosen) {
    logprob += c.logprob;
    numTokens += c.numTokens;
  }
  return -logprob / Math.max(numTokens, 1);
}
