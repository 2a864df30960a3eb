/**
 * Scalar float64 oracle for `@o1lab/learn-sft` (and the M-step of `@o1lab/learn-expert-iteration`):
 * the masked next-token cross-entropy of behaviour cloning.
 */

/** log Σ exp(x_i), shifted by the maximum. */
export function referenceLogSumExp(xs: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of xs) if (x > max) max = x;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let s = 0;
  for (const x of xs) s += Math.exp(x - max);
  return max + Math.log(s);
}

/**
 * Mean next-token cross-entropy over masked positions:
 * Σ_t m_t (logsumexp(z_t) - z_t[y_t]) / Σ_t m_t, for position logits z_t (one row of V per
 * position), targets y_t and weights m_t. 0 when no position is masked in.
 */
export function referenceMaskedCrossEntropy(
  logits: readonly (readonly number[])[],
  targets: readonly number[],
  mask: readonly number[],
): number {
  let sum = 0;
  let count = 0;
  for (let t = 0; t < logits.length; t++) {
    const m = mask[t]!;
    if (m === 0) continue;
    const z = logits[t]!;
    sum += m * (referenceLogSumExp(z) - z[targets[t]!]!);
    count += m;
  }
  return count > 0 ? sum / count : 0;
}

/** Σ_t m_t log softmax(z_t)[y_t]: the log-probability of the masked tokens of one sequence. */
export function referenceSequenceLogprob(
  logits: readonly (readonly number[])[],
  targets: readonly number[],
  mask: readonly number[],
): number {
  let sum = 0;
  for (let t = 0; t < logits.length; t++) {
    const m = mask[t]!;
    if (m === 0) continue;
    const z = logits[t]!;
    sum += m * (z[targets[t]!]! - referenceLogSumExp(z));
  }
  return sum;
}
