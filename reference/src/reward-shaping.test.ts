import { describe, expect, it } from 'vitest';
import {
  referenceHardEstimateExpectation,
  referenceMonteCarloEstimate,
  referenceOverlongPenalty,
  referenceShapedRewards,
  referenceValueIteration,
} from './reward-shaping.js';

describe('reward-shaping oracles', () => {
  it('solves a two-state chain by hand', () => {
    // State 0: action 0 pays 1 and stays with prob 0.5 or ends (state 1) with 0.5; action 1 ends paying 1.5.
    const mdp = {
      numStates: 2,
      transitions: [
        [
          [
            { next: 0, prob: 0.5, reward: 1 },
            { next: 1, prob: 0.5, reward: 1 },
          ],
          [{ next: 1, prob: 1, reward: 1.5 }],
        ],
        [],
      ],
    };
    // Action 0: V = 1 + 0.9 * 0.5 V -> V = 1 / 0.55 = 1.8181...; beats 1.5.
    const { values, q } = referenceValueIteration(mdp, 0.9);
    expect(values[0]).toBeCloseTo(1 / 0.55, 12);
    expect(q[0]![1]).toBeCloseTo(1.5, 12);
    expect(values[1]).toBe(0);
  });

  it('shapes, estimates and penalises known cases', () => {
    expect(referenceShapedRewards([1, 0], [0.5, 0.25, 9], 1, true)).toEqual([0.75, -0.25]);
    expect(referenceShapedRewards([1, 0], [0.5, 0.25, 9], 0.5, false)).toEqual([0.625, 4.25]);
    expect(referenceMonteCarloEstimate([false, true, false, false])).toEqual({ hard: 1, soft: 0.25 });
    expect(referenceMonteCarloEstimate([false, false])).toEqual({ hard: 0, soft: 0 });
    expect(referenceHardEstimateExpectation(0.5, 3)).toBe(0.875);
    expect(referenceOverlongPenalty(16384, 20480, 4096)).toBe(0);
    expect(referenceOverlongPenalty(18432, 20480, 4096)).toBe(-0.5);
    expect(referenceOverlongPenalty(20481, 20480, 4096)).toBe(-1);
  });
});
