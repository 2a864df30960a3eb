/**
 * Scalar float64 oracles for `@o1lab/learn-ppo`: token-level PPO as in RLHF (Ouyang et al. 2022;
 * TRL's PPOTrainer): per-token rewards with a KL penalty, GAE (Schulman et al. 2016, eq. 16),
 * masked whitening, the clipped surrogate (Schulman et al. 2017, eq. 7), the clipped value loss
 * and the adaptive KL controller (Ziegler et al. 2019, sec. 2.2). Ragged inputs: one array per
 * completion, in token order.
 */

/**
 * Per-token rewards of one completion: -klCoef (logp - refLogp) at every token, plus
 * `stepRewards[t]` where given (a PRM or shaping reward on the last token of a step), plus the
 * outcome `score` on the last token.
 */
export function referencePpoTokenRewards(
  score: number,
  logprobs: readonly number[],
  refLogprobs: readonly number[],
  klCoef: number,
  stepRewards?: readonly number[],
): number[] {
  const out = logprobs.map((lp, t) => -klCoef * (lp - refLogprobs[t]!) + (stepRewards?.[t] ?? 0));
  out[out.length - 1]! += score;
  return out;
}

/**
 * Generalised advantage estimation over one completion: delta_t = r_t + gamma V_{t+1} - V_t
 * (V after the last token is 0), A_t = delta_t + gamma lambda A_{t+1}; returns R_t = A_t + V_t.
 */
export function referenceGae(
  rewards: readonly number[],
  values: readonly number[],
  gamma: number,
  lambda: number,
): { advantages: number[]; returns: number[] } {
  const n = rewards.length;
  const advantages = new Array<number>(n).fill(0);
  let next = 0;
  for (let t = n - 1; t >= 0; t--) {
    const nextValue = t + 1 < n ? values[t + 1]! : 0;
    const delta = rewards[t]! + gamma * nextValue - values[t]!;
    next = delta + gamma * lambda * next;
    advantages[t] = next;
  }
  return { advantages, returns: advantages.map((a, t) => a + values[t]!) };
}

/** Whitening over every token of every row, Bessel-corrected variance (TRL `masked_whiten`). */
export function referenceWhiten(
  rows: readonly (readonly number[])[],
  shiftMean = true,
  eps = 1e-8,
): number[][] {
  const flat = rows.flat();
  const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
  const variance = flat.length > 1 ? flat.reduce((a, b) => a + (b - mean) ** 2, 0) / (flat.length - 1) : 0;
  const scale = 1 / Math.sqrt(variance + eps);
  return rows.map((row) => row.map((x) => (x - mean) * scale + (shiftMean ? 0 : mean)));
}

/** Per-token inputs of the PPO loss. */
export interface ReferencePpoTokens {
  readonly logprobs: readonly (readonly number[])[];
  readonly oldLogprobs: readonly (readonly number[])[];
  readonly advantages: readonly (readonly number[])[];
  readonly values: readonly (readonly number[])[];
  readonly oldValues: readonly (readonly number[])[];
  readonly returns: readonly (readonly number[])[];
  /** Needed when `entropyCoef` > 0. */
  readonly entropy?: readonly (readonly number[])[];
}

/** Options of {@link referencePpoLoss}. */
export interface ReferencePpoLossOptions {
  readonly clipRange: number;
  readonly clipRangeValue: number;
  readonly vfCoef: number;
  readonly entropyCoef: number;
}

/**
 * Token-mean PPO loss: policy max(-A rho, -A clip(rho, 1 - eps, 1 + eps)), value
 * 0.5 max((V - R)^2, (clip(V, V_old - epsV, V_old + epsV) - R)^2), loss = policy + vfCoef value
 * - entropyCoef entropy.
 */
export function referencePpoLoss(
  x: ReferencePpoTokens,
  o: ReferencePpoLossOptions,
): { policyLoss: number; valueLoss: number; entropy: number; loss: number } {
  let policy = 0;
  let value = 0;
  let entropy = 0;
  let n = 0;
  x.logprobs.forEach((row, b) => {
    row.forEach((lp, t) => {
      const rho = Math.exp(lp - x.oldLogprobs[b]![t]!);
      const a = x.advantages[b]![t]!;
      policy += Math.max(-a * rho, -a * Math.min(Math.max(rho, 1 - o.clipRange), 1 + o.clipRange));
      const v = x.values[b]![t]!;
      const vOld = x.oldValues[b]![t]!;
      const r = x.returns[b]![t]!;
      const vClipped = Math.min(Math.max(v, vOld - o.clipRangeValue), vOld + o.clipRangeValue);
      value += 0.5 * Math.max((v - r) ** 2, (vClipped - r) ** 2);
      entropy += x.entropy?.[b]?.[t] ?? 0;
      n++;
    });
  });
  const policyLoss = policy / n;
  const valueLoss = value / n;
  const meanEntropy = entropy / n;
  return {
    policyLoss,
    valueLoss,
    entropy: meanEntropy,
    loss: policyLoss + o.vfCoef * valueLoss - o.entropyCoef * meanEntropy,
  };
}

/**
 * Adaptive KL coefficient (Ziegler et al. 2019): e = clip(KL / target - 1, -0.2, 0.2),
 * coef <- coef (1 + e nSteps / horizon).
 */
export function referenceAdaptiveKlCoef(
  coef: number,
  kl: number,
  target: number,
  horizon: number,
  nSteps: number,
): number {
  const error = Math.min(Math.max(kl / target - 1, -0.2), 0.2);
  return coef * (1 + (error * nSteps) / horizon);
}
