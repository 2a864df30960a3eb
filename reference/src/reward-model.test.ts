import { describe, expect, it } from 'vitest';
import { readReferenceJson } from './index.js';
import {
  referenceBceWithLogits,
  referenceBestOfNExpectation,
  referenceBradleyTerryLoss,
  referenceRocAuc,
} from './reward-model.js';

interface LossVectors {
  readonly bradleyTerry: readonly { chosen: number; rejected: number; loss: number }[];
  readonly bceWithLogits: readonly { logit: number; target: number; loss: number }[];
}

const close = (got: number, want: number) => Math.abs(got - want) <= 1e-12 * Math.max(Math.abs(want), 1e-300);

describe('reward-model oracles', () => {
  const vectors = readReferenceJson<LossVectors>('reward-model-losses.json');

  it('Bradley–Terry loss matches 60-digit values, finite at |margin| = 1600', () => {
    expect(vectors.bradleyTerry.length).toBe(10);
    for (const v of vectors.bradleyTerry) {
      const got = referenceBradleyTerryLoss(v.chosen, v.rejected);
      expect(close(got, v.loss) || got === v.loss, `${v.chosen} vs ${v.rejected}: ${got} != ${v.loss}`).toBe(
        true,
      );
    }
  });

  it('BCE with logits matches 60-digit values, finite at |logit| = 750', () => {
    expect(vectors.bceWithLogits.length).toBe(12);
    for (const v of vectors.bceWithLogits) {
      const got = referenceBceWithLogits(v.logit, v.target);
      expect(close(got, v.loss), `${v.logit}, ${v.target}: ${got} != ${v.loss}`).toBe(true);
    }
  });

  it('ROC AUC counts pairs with ties as half', () => {
    expect(referenceRocAuc([0.9, 0.8, 0.3, 0.1], [true, true, false, false])).toBe(1);
    expect(referenceRocAuc([0.5, 0.5], [true, false])).toBe(0.5);
    // pos {0.8, 0.4}, neg {0.6, 0.4}: (1 + 1) + (0 + 0.5) = 2.5 of 4 pairs
    expect(referenceRocAuc([0.8, 0.4, 0.6, 0.4], [true, true, false, false])).toBe(0.625);
    expect(referenceRocAuc([1, 2], [true, true])).toBeNaN();
  });

  it('enumerates best-of-N expectations of a small pool by hand', () => {
    const pool = [
      { answer: 'a', correct: true, score: 0.9 },
      { answer: 'b', correct: false, score: 0.8 },
      { answer: 'b', correct: false, score: 0.1 },
    ];
    // Subsets of 2: {0,1} {0,2} {1,2}; best picks 0, 0, 1 -> 2/3; votes: tie, tie, b -> (0.5 + 0.5 + 0) / 3.
    const e = referenceBestOfNExpectation(pool, 2);
    expect(e.bestOfN).toBeCloseTo(2 / 3, 15);
    expect(e.majorityVote).toBeCloseTo(1 / 3, 15);
    // Weighted: {0,1} a 0.9 > b 0.8; {0,2} a; {1,2} b -> 2/3.
    expect(e.weightedVote).toBeCloseTo(2 / 3, 15);
    expect(e.randomPick).toBeCloseTo(1 / 3, 15);
    expect(e.oracle).toBeCloseTo(2 / 3, 15);
    expect(referenceBestOfNExpectation(pool, 3).majorityVote).toBe(0);
  });
});
