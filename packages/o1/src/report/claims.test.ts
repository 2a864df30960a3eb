import { wilsonInterval } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import type { Claim, CurvePoint, RunMetrics } from '../metrics.js';
import { evaluateClaims } from './claims.js';
import { emptyMetrics, fixtureMetrics, point, sweep, trainRound } from './test-metrics.js';

function claim(metrics: Omit<RunMetrics, 'claims'>, id: Claim['id']): Claim {
  const found = evaluateClaims(metrics).find((c) => c.id === id);
  if (found === undefined) throw new Error(`no claim ${id}`);
  return found;
}

const curve = (method: string, accuracies: readonly number[], tokens = [10, 20, 40, 80]): CurvePoint[] =>
  accuracies.map((a, i) => point(method, 2 ** i, a, tokens[i]!));

describe('evaluateClaims', () => {
  it('returns the four claims in order, each with a statement', () => {
    const claims = evaluateClaims(emptyMetrics());
    expect(claims.map((c) => c.id)).toEqual([
      'log-linear-test-time',
      'prm-beats-majority',
      'learning-raises-pass1',
      'search-plus-learning',
    ]);
    for (const c of claims) {
      expect(c.holds).toBeNull();
      expect(c.statement.length).toBeGreaterThan(20);
      expect(c.evidence).toMatch(/^Not enough data/);
    }
  });

  it('decides the fixture run on its numbers', () => {
    // The fixture's PRM-vs-majority and search-plus-learning margins are within the intervals.
    const claims = evaluateClaims(fixtureMetrics());
    expect(claims.map((c) => c.holds)).toEqual([true, null, true, null]);
  });
});

describe('claim log-linear-test-time', () => {
  it('holds when best-of-N and majority vote gain steadily per doubling', () => {
    const metrics = emptyMetrics({
      testTime: [
        sweep(0, [
          ...curve('majority-vote', [0.2, 0.3, 0.4, 0.5]),
          ...curve('best-of-n-orm', [0.25, 0.33, 0.42, 0.5]),
        ]),
      ],
    });
    const c = claim(metrics, 'log-linear-test-time');
    expect(c.holds).toBe(true);
    expect(c.evidence).toContain('majority-vote: +0.100 accuracy per doubling of tokens, R^2 1.00');
    expect(c.evidence).toContain('best-of-n-orm: +0.084');
  });

  it('does not hold when one method falls with compute or is not log-linear', () => {
    const falling = emptyMetrics({
      testTime: [
        sweep(0, [
          ...curve('majority-vote', [0.2, 0.3, 0.4, 0.5]),
          ...curve('best-of-n', [0.5, 0.45, 0.4, 0.35]),
        ]),
      ],
    });
    expect(claim(falling, 'log-linear-test-time').holds).toBe(false);
    const zigzag = emptyMetrics({ testTime: [sweep(0, curve('majority-vote', [0.3, 0.6, 0.3, 0.6]))] });
    const c = claim(zigzag, 'log-linear-test-time');
    expect(c.holds).toBe(false);
    expect(c.evidence).toContain('R^2 0.20');
  });

  it('says why a flat majority vote is flat', () => {
    const flat = emptyMetrics({
      testTime: [
        sweep(0, [
          ...curve('majority-vote', [0.3, 0.3, 0.3, 0.3]),
          ...curve('best-of-n', [0.3, 0.4, 0.5, 0.6]),
        ]),
      ],
    });
    const c = claim(flat, 'log-linear-test-time');
    expect(c.holds).toBe(false);
    expect(c.evidence).toContain('flat at every N');
    expect(c.evidence.match(/flat at every N/g)).toHaveLength(1);
  });

  it('judges the last sweep only', () => {
    const metrics = emptyMetrics({
      testTime: [
        sweep(0, curve('majority-vote', [0.2, 0.3, 0.4, 0.5])),
        sweep(1, curve('majority-vote', [0.6, 0.55, 0.5, 0.45])),
      ],
    });
    const c = claim(metrics, 'log-linear-test-time');
    expect(c.holds).toBe(false);
    expect(c.evidence).toMatch(/^Round 1:/);
  });

  it('has no verdict without a sampling baseline of two budgets', () => {
    expect(
      claim(emptyMetrics({ testTime: [sweep(0, curve('beam-prm', [0.2, 0.3]))] }), 'log-linear-test-time')
        .holds,
    ).toBeNull();
    const one = emptyMetrics({ testTime: [sweep(0, [point('majority-vote', 1, 0.3, 10)])] });
    expect(claim(one, 'log-linear-test-time').holds).toBeNull();
  });
});

describe('claim prm-beats-majority', () => {
  const majority = [point('majority-vote', 1, 0.2, 10), point('majority-vote', 4, 0.4, 40)];

  it('holds when a PRM method lies above majority vote interpolated in log2 tokens', () => {
    // At 20 tokens (log2 halfway between 10 and 40) majority vote reads 0.3.
    const metrics = emptyMetrics({ testTime: [sweep(0, [...majority, point('beam-prm', 2, 0.5, 20)])] });
    const c = claim(metrics, 'prm-beats-majority');
    expect(c.holds).toBe(true);
    expect(c.evidence).toContain('beam-prm at 20 tokens');
    expect(c.evidence).toContain('vs majority vote 0.300');
    expect(c.evidence).toContain('+0.200; CIs separate');
  });

  it('leaves the verdict open when the intervals overlap', () => {
    const metrics = emptyMetrics({ testTime: [sweep(0, [...majority, point('mcts-prm', 8, 0.32, 20)])] });
    const c = claim(metrics, 'prm-beats-majority');
    expect(c.holds).toBeNull();
    expect(c.evidence).toContain('+0.020; CIs overlap');
    expect(c.evidence).toContain('Not shown: the difference is within the 95% intervals');
  });

  it('does not hold when every PRM point is at or below majority vote', () => {
    const metrics = emptyMetrics({
      testTime: [sweep(0, [...majority, point('beam-prm', 2, 0.25, 20), point('best-of-n-prm', 4, 0.4, 40)])],
    });
    const c = claim(metrics, 'prm-beats-majority');
    expect(c.holds).toBe(false);
    expect(c.evidence).toContain('-0.050');
    expect(c.evidence).toContain('best-of-n-prm at 40 tokens');
  });

  it('has no verdict without majority vote, without a PRM method, or outside the token range', () => {
    const outside = emptyMetrics({ testTime: [sweep(0, [...majority, point('beam-prm', 2, 0.9, 100)])] });
    expect(claim(outside, 'prm-beats-majority').holds).toBeNull();
    const noMajority = emptyMetrics({ testTime: [sweep(0, [point('beam-prm', 2, 0.9, 20)])] });
    expect(claim(noMajority, 'prm-beats-majority').holds).toBeNull();
    const noPrm = emptyMetrics({ testTime: [sweep(0, [...majority, point('beam-orm', 2, 0.9, 20)])] });
    expect(claim(noPrm, 'prm-beats-majority').holds).toBeNull();
  });
});

describe('claim learning-raises-pass1', () => {
  const initialPass1 = wilsonInterval(80, 400);

  it('holds when the last round beats the initial policy beyond noise, and is open within it', () => {
    const separate = claim(
      emptyMetrics({ initialPass1, trainTime: [trainRound(1, 0.15), trainRound(2, 0.3)] }),
      'learning-raises-pass1',
    );
    expect(separate.holds).toBe(true);
    expect(separate.evidence).toContain('after round 2');
    expect(separate.evidence).toContain('+0.100; CIs separate');
    const overlap = claim(
      emptyMetrics({ initialPass1, trainTime: [trainRound(1, 0.21)] }),
      'learning-raises-pass1',
    );
    expect(overlap.holds).toBeNull();
    expect(overlap.evidence).toContain('CIs overlap');
    expect(overlap.evidence).toContain('Not shown');
  });

  it('does not hold when pass@1 fell, and has no verdict without rounds or an initial pass@1', () => {
    expect(
      claim(emptyMetrics({ initialPass1, trainTime: [trainRound(1, 0.15)] }), 'learning-raises-pass1').holds,
    ).toBe(false);
    expect(claim(emptyMetrics({ initialPass1 }), 'learning-raises-pass1').holds).toBeNull();
    expect(
      claim(emptyMetrics({ trainTime: [trainRound(1, 0.3)] }), 'learning-raises-pass1').holds,
    ).toBeNull();
  });
});

describe('claim search-plus-learning', () => {
  const round0 = sweep(0, [
    point('majority-vote', 1, 0.2, 10),
    point('majority-vote', 4, 0.4, 40),
    point('beam-prm', 4, 0.45, 60),
  ]);
  const round1 = sweep(1, [
    point('majority-vote', 1, 0.3, 10),
    point('majority-vote', 4, 0.5, 40),
    point('beam-prm', 4, 0.6, 60),
  ]);

  const afterLearning = (pass1: number) =>
    claim(
      emptyMetrics({ testTime: [round0, round1], trainTime: [trainRound(1, pass1)] }),
      'search-plus-learning',
    );

  it('holds when the trained policy with search beats search alone and learning alone', () => {
    const c = afterLearning(0.35);
    expect(c.holds).toBe(true);
    expect(c.evidence).toContain('Round 1 beam-prm at level 4: 0.600');
    expect(c.evidence).toContain('search alone (round 0, same method and level) 0.450');
    expect(c.evidence).toContain('learning alone (round 1 greedy pass@1) 0.350');
  });

  it('does not hold when greedy decoding of the trained policy is as good as searching with it', () => {
    const c = afterLearning(0.7);
    expect(c.holds).toBe(false);
    expect(c.evidence).toContain('-0.100');
  });

  it('has no verdict without a trained sweep, its train round, or a round-0 point to compare with', () => {
    expect(
      claim(emptyMetrics({ testTime: [round0], trainTime: [trainRound(1, 0.35)] }), 'search-plus-learning')
        .holds,
    ).toBeNull();
    expect(claim(emptyMetrics({ testTime: [round0, round1] }), 'search-plus-learning').holds).toBeNull();
    const newMethod = sweep(1, [point('mcts-prm', 16, 0.7, 50)]);
    const c = claim(
      emptyMetrics({ testTime: [round0, newMethod], trainTime: [trainRound(1, 0.35)] }),
      'search-plus-learning',
    );
    expect(c.holds).toBeNull();
    expect(c.evidence).toContain('mcts-prm at level 16');
  });
});
