/**
 * Scalar float64 oracles for `@o1lab/learn-reinforce`: REINFORCE with a moving-average baseline
 * (Williams 1992), the RLOO leave-one-out baseline (Ahmadian et al. 2024, eq. 5 / Kool et al.
 * 2019) and REINFORCE++ (Hu 2025: token-level KL in the reward, returns, global batch advantage
 * normalisation, clipped surrogate).
 */

/**
 * Advantages r_i - b with the baseline b before this batch, and the next baseline
 * decay b + (1 - decay) mean(r) (the first batch starts from its own mean when b is undefined).
 */
export function referenceMovingBaseline(
  rewards: readonly number[],
  baseline: number | undefined,
  decay: number,
): { advantages: number[]; baseline: number } {
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  const b = baseline ?? mean;
  return { advantages: rewards.map((r) => r - b), baseline: decay * b + (1 - decay) * mean };
}

/** RLOO: r_i - mean of the other k - 1 rewards of its group of `k`. */
export function referenceRlooAdvantages(rewards: readonly number[], k: number): number[] {
  const out: number[] = [];
  for (let g = 0; g < rewards.length; g += k) {
    const group = rewards.slice(g, g + k);
    const sum = group.reduce((a, b) => a + b, 0);
    for (const r of group) out.push(r - (sum - r) / (k - 1));
  }
  return out;
}

/**
 * Sequence-level REINFORCE loss -(1/B) sum_i A_i sum_t logp_{i,t} (the score-function estimator
 * of every completion, averaged over the batch).
 */
export function referenceReinforceLoss(
  logprobs: readonly (readonly number[])[],
  advantages: readonly number[],
): number {
  let total = 0;
  logprobs.forEach((row, i) => {
    total -= advantages[i]! * row.reduce((a, b) => a + b, 0);
  });
  return total / logprobs.length;
}

/**
 * REINFORCE++ advantages: token rewards r_t = -klCoef (logp_t - refLogp_t) plus the score on the
 * last token, returns G_t = sum_{s >= t} gamma^(s - t) r_s, whitened over all tokens of the batch
 * (mean 0, Bessel-corrected std, eps 1e-8 inside the square root).
 */
export function referenceReinforcePlusPlusAdvantages(
  scores: readonly number[],
  logprobs: readonly (readonly number[])[],
  refLogprobs: readonly (readonly number[])[],
  klCoef: number,
  gamma: number,
): number[][] {
  const returns = logprobs.map((row, i) => {
    const rewards = row.map((lp, t) => -klCoef * (lp - refLogprobs[i]![t]!));
    rewards[rewards.length - 1]! += scores[i]!;
    const out = new Array<number>(row.length).fill(0);
    let running = 0;
    for (let t = row.length - 1; t >= 0; t--) {
      running = rewards[t]! + gamma * running;
      out[t] = running;
    }
    return out;
  });
  const flat = returns.flat();
  const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
  const variance = flat.length > 1 ? flat.reduce((a, b) => a + (b - mean) ** 2, 0) / (flat.length - 1) : 0;
  const scale = 1 / Math.sqrt(variance + 1e-8);
  return returns.map((row) => row.map((g) => (g - mean) * scale));
}
