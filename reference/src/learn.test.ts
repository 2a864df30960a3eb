import { describe, expect, it } from 'vitest';
import {
  referenceChosenNll,
  referenceDpoBatchLoss,
  referenceDpoLoss,
  referenceLogSigmoid,
} from './learn-dpo.js';
import { referenceSearchDistillLoss, referenceVisitCrossEntropy } from './learn-search-distill.js';
import { referenceMaskedCrossEntropy, referenceSequenceLogprob } from './learn-sft.js';

describe('learning oracles', () => {
  it('masked cross-entropy: uniform logits cost log V per masked token', () => {
    const logits = [
      [0, 0, 0, 0],
      [5, 1, 1, 1],
      [1, 2, 3, 4],
    ];
    expect(referenceMaskedCrossEntropy(logits.slice(0, 1), [2], [1])).toBeCloseTo(Math.log(4), 14);
    // Only the third row counts: logsumexp(1,2,3,4) - 4.
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4));
    expect(referenceMaskedCrossEntropy(logits, [0, 0, 3], [0, 0, 1])).toBeCloseTo(lse - 4, 14);
    expect(referenceSequenceLogprob(logits, [0, 0, 3], [0, 0, 1])).toBeCloseTo(4 - lse, 14);
    expect(referenceMaskedCrossEntropy(logits, [0, 0, 3], [0, 0, 0])).toBe(0);
  });

  it('DPO: zero margin costs log 2; IPO: zero margin costs 1/(4 beta^2)', () => {
    const even = { policyChosen: -3, policyRejected: -5, referenceChosen: -3, referenceRejected: -5 };
    expect(referenceDpoLoss(even, 0.1).loss).toBeCloseTo(Math.log(2), 14);
    expect(referenceDpoLoss(even, 0.1, 'ipo').loss).toBeCloseTo(25, 12);
    // h = (-1 - -4) - (-2 - -2) = 3; beta 0.5: -log sigmoid(1.5) = log(1 + e^-1.5).
    const p = { policyChosen: -1, policyRejected: -4, referenceChosen: -2, referenceRejected: -2 };
    const r = referenceDpoLoss(p, 0.5);
    expect(r.loss).toBeCloseTo(Math.log1p(Math.exp(-1.5)), 14);
    expect(r.chosenReward).toBeCloseTo(0.5, 14);
    expect(r.rejectedReward).toBeCloseTo(-1, 14);
    // cDPO with eps 0.2 mixes in the flipped label.
    const c = referenceDpoLoss(p, 0.5, 'sigmoid', 0.2).loss;
    expect(c).toBeCloseTo(0.8 * Math.log1p(Math.exp(-1.5)) + 0.2 * Math.log1p(Math.exp(1.5)), 14);
    expect(referenceDpoLoss(p, 0.5, 'ipo').loss).toBeCloseTo(4, 14);
    expect(referenceDpoBatchLoss([even, p], 0.5)).toBeCloseTo((Math.log(2) + r.loss) / 2, 14);
    expect(referenceLogSigmoid(-800)).toBeCloseTo(-800, 10);
    expect(referenceLogSigmoid(800)).toBe(-0);
  });

  it('RPO: adds alpha times the NLL per chosen token, pooled over the batch', () => {
    const even = { policyChosen: -3, policyRejected: -5, referenceChosen: -3, referenceRejected: -5 };
    // Chosen completions of 2 and 4 tokens with log-probabilities -3 and -9: NLL (3 + 9) / 6 = 2,
    // not the mean of per-row means (1.5 + 2.25) / 2.
    const chosen = [
      { logprob: -3, numTokens: 2 },
      { logprob: -9, numTokens: 4 },
    ];
    expect(referenceChosenNll(chosen)).toBeCloseTo(2, 14);
    expect(referenceDpoBatchLoss([even, even], 0.1, 'sigmoid', 0, 0.5, chosen)).toBeCloseTo(
      Math.log(2) + 1,
      14,
    );
    expect(referenceDpoBatchLoss([even, even], 0.1, 'ipo', 0, 1, chosen)).toBeCloseTo(27, 12);
    expect(referenceDpoBatchLoss([even], 0.1, 'sigmoid', 0, 0)).toBeCloseTo(Math.log(2), 14);
    expect(() => referenceDpoBatchLoss([even], 0.1, 'sigmoid', 0, 1)).toThrow(/one chosen completion/);
  });

  it('visit cross-entropy equals the entropy of pi when the policy matches the visits', () => {
    const pi = [0.5, 0.25, 0.25];
    const logps = pi.map((p) => Math.log(p) - 7); // renormalisation removes the shift
    const entropy = -pi.reduce((s, p) => s + p * Math.log(p), 0);
    expect(referenceVisitCrossEntropy(pi, logps)).toBeCloseTo(entropy, 12);
    expect(referenceVisitCrossEntropy([1, 0], [0, 0])).toBeCloseTo(Math.log(2), 14);
    // Unnormalised: -sum pi l, the cross-entropy over all steps.
    expect(referenceVisitCrossEntropy([0.5, 0.5], [-1, -3], false)).toBeCloseTo(2, 14);
    const l = referenceSearchDistillLoss([1, 0], [0, 0], 0.25, 1, 2);
    expect(l.valueLoss).toBeCloseTo(0.5625, 14);
    expect(l.loss).toBeCloseTo(Math.log(2) + 1.125, 14);
  });
});
