/**
 * Scalar float64 oracles for `@o1lab/learn-search-distill`: AlphaZero's loss (Silver et al. 2017,
 * eq. 1, without the L2 term, which AdamW's decay carries) over sampled sibling steps:
 * l = c_v (z - v)² - Σ_a π(a|s) log p(a|s), with p the policy's sequence probabilities of the
 * sibling steps renormalised over the siblings (or, unnormalised, the cross-entropy over all steps
 * with π = 0 off the sampled siblings).
 */

/** log Σ exp(x_i), shifted by the maximum. */
function logSumExp(xs: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of xs) if (x > max) max = x;
  let s = 0;
  for (const x of xs) s += Math.exp(x - max);
  return max + Math.log(s);
}

/**
 * Cross-entropy -Σ_i π_i log softmax(ℓ)_i between the visit distribution π over the siblings and
 * the policy's step log-probabilities ℓ_i = log π_θ(step_i | s) renormalised over the siblings;
 * with `normalise` false, -Σ_i π_i ℓ_i (the cross-entropy over all steps, π = 0 off the siblings).
 */
export function referenceVisitCrossEntropy(
  visitProbs: readonly number[],
  stepLogps: readonly number[],
  normalise = true,
): number {
  const lse = normalise ? logSumExp(stepLogps) : 0;
  let s = 0;
  for (let i = 0; i < visitProbs.length; i++) {
    if (visitProbs[i]! > 0) s -= visitProbs[i]! * (stepLogps[i]! - lse);
  }
  return s;
}

/** One state's AlphaZero loss: policy cross-entropy + valueCoef (z - v)². */
export function referenceSearchDistillLoss(
  visitProbs: readonly number[],
  stepLogps: readonly number[],
  value: number,
  valueTarget: number,
  valueCoef: number,
  normalise = true,
): { readonly loss: number; readonly policyLoss: number; readonly valueLoss: number } {
  const policyLoss = referenceVisitCrossEntropy(visitProbs, stepLogps, normalise);
  const valueLoss = (value - valueTarget) ** 2;
  return { loss: policyLoss + valueCoef * valueLoss, policyLoss, valueLoss };
}
