import { referenceOverlongPenalty } from '@o1lab/reference';
import { describe, expect, it } from 'vitest';
import { defaultOverlongPenaltyConfig } from './config.js';
import {
  composeRewards,
  correctnessReward,
  formatReward,
  overlongPenalty,
  overlongPenaltyValue,
  type RewardInput,
} from './terms.js';
import { type CoinData, coinProblem, coinTask } from './test-fixtures.js';

const problem = coinProblem('t', { probs: [] });
const input = (text: string, numTokens = 10): RewardInput<CoinData> => ({ problem, text, numTokens });

describe('overlongPenalty', () => {
  it("follows DAPO's soft overlong punishment at its defaults (L_max 20480, L_cache 4096)", () => {
    const term = overlongPenalty();
    const at = (numTokens: number) => term.score(input('', numTokens));
    expect(at(0)).toBe(0);
    expect(at(16384)).toBe(0);
    expect(at(16385)).toBeCloseTo(-1 / 4096, 15);
    expect(at(18432)).toBeCloseTo(-0.5, 15);
    expect(at(20480)).toBe(-1);
    expect(at(30000)).toBe(-1);
  });

  it('matches the scalar oracle to 1e-6 across the ramp', () => {
    const config = { maxLength: 100, cacheLength: 30 };
    for (let length = 0; length <= 130; length += 0.5) {
      expect(
        Math.abs(overlongPenaltyValue(length, config) - referenceOverlongPenalty(length, 100, 30)),
      ).toBeLessThan(1e-6);
    }
    expect(overlongPenaltyValue(10, defaultOverlongPenaltyConfig)).toBe(0);
  });

  it('validates its options by name', () => {
    expect(() => overlongPenalty({ maxLength: 10, cacheLength: 20 })).toThrow(/`cacheLength` must be <= 10/);
    expect(() => overlongPenalty({ maxLength: 0 })).toThrow(/`maxLength` must be >= 1/);
    expect(() => overlongPenaltyValue(-1, defaultOverlongPenaltyConfig)).toThrow(/length must be/);
  });
});

describe('formatReward and correctnessReward', () => {
  it('pays the format bonus for any parsed answer and the outcome only for a correct one', () => {
    const format = formatReward(coinTask);
    const correct = correctnessReward(coinTask);
    expect(format.score(input('s1\nanswer: no'))).toBe(0.1);
    expect(format.score(input('s1\nno answer here'))).toBe(0);
    expect(correct.score(input('s1\nanswer: yes'))).toBe(1);
    expect(correct.score(input('s1\nanswer: no'))).toBe(0);
    const strict = formatReward(coinTask, { bonus: 0, penalty: -1 });
    expect(strict.score(input('nothing'))).toBe(-1);
  });
});

describe('composeRewards', () => {
  const reward = composeRewards([
    correctnessReward(coinTask),
    formatReward(coinTask),
    overlongPenalty({ maxLength: 100, cacheLength: 40 }),
  ]);

  it('sums the terms and reports each part', () => {
    expect(reward.names).toEqual(['correctness', 'format', 'overlong']);
    const right = reward.score(input('answer: yes', 80));
    expect(right.parts).toEqual({ correctness: 1, format: 0.1, overlong: -1 / 2 });
    expect(right.total).toBeCloseTo(0.6, 15);
    const batch = reward.scoreBatch([input('answer: no', 10), input('rambling', 200)]);
    expect(batch.map((b) => b.total)).toEqual([0.1, -1]);
  });

  it('takes custom terms and rejects duplicate names and non-finite values', () => {
    const brevity = { name: 'brevity', score: (x: RewardInput<CoinData>) => -0.001 * x.numTokens };
    expect(composeRewards([brevity]).score(input('', 500)).total).toBeCloseTo(-0.5, 15);
    expect(() => composeRewards([formatReward(coinTask), formatReward(coinTask)])).toThrow(
      /two reward terms are named 'format'/,
    );
    expect(() => composeRewards([])).toThrow(/at least one term/);
    const broken = composeRewards([{ name: 'broken', score: () => Number.NaN }]);
    expect(() => broken.score(input(''))).toThrow(/reward term 'broken' gave NaN/);
  });
});
