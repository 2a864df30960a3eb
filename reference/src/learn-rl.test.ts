import { describe, expect, it } from 'vitest';
import { referenceGroupAdvantages, referenceGrpoLoss, referenceKl } from './learn-grpo.js';
import {
  referenceAdaptiveKlCoef,
  referenceGae,
  referencePpoLoss,
  referencePpoTokenRewards,
  referenceWhiten,
} from './learn-ppo.js';
import {
  referenceMovingBaseline,
  referenceReinforceLoss,
  referenceReinforcePlusPlusAdvantages,
  referenceRlooAdvantages,
} from './learn-reinforce.js';

describe('GRPO oracles', () => {
  it('group advantages: scaled by the Bessel std, or only centred (Dr. GRPO)', () => {
    // Group [1, 0, 0, 1]: mean 0.5, sample std sqrt(1/3).
    const a = referenceGroupAdvantages([1, 0, 0, 1, 2, 2], 4, true, 0);
    expect(a[0]).toBeCloseTo(0.5 / Math.sqrt(1 / 3), 12);
    expect(a[1]).toBeCloseTo(-0.5 / Math.sqrt(1 / 3), 12);
    // An all-equal group has zero advantage (no signal, filtered by DAPO's dynamic sampling).
    expect(referenceGroupAdvantages([2, 2], 2, true)).toEqual([0, 0]);
    expect(referenceGroupAdvantages([1, 0, 0, 1], 4, false)).toEqual([0.5, -0.5, -0.5, 0.5]);
  });

  it('k3 is exp(-d) - 1 + d and zero when the policies agree', () => {
    expect(referenceKl(-1, -1, 'k3')).toBe(0);
    expect(referenceKl(-0.5, -1, 'k3')).toBeCloseTo(Math.exp(-0.5) - 1 + 0.5, 14);
    expect(referenceKl(-0.5, -1, 'k2')).toBeCloseTo(0.125, 14);
  });

  it('on-policy loss is -mean advantage; aggregations weigh tokens as GRPO, DAPO and Dr. GRPO do', () => {
    const x = {
      logprobs: [[-1, -1, -1], [-2]],
      oldLogprobs: [[-1, -1, -1], [-2]],
      advantages: [[1, 1, 1], [-1]],
    };
    const base = {
      epsilonLow: 0.2,
      epsilonHigh: 0.2,
      beta: 0,
      klEstimator: 'k3' as const,
      maxCompletionTokens: 4,
    };
    expect(referenceGrpoLoss(x, { ...base, aggregation: 'sequence-mean' })).toBeCloseTo(0, 12);
    expect(referenceGrpoLoss(x, { ...base, aggregation: 'token-mean' })).toBeCloseTo(-0.5, 12);
    expect(referenceGrpoLoss(x, { ...base, aggregation: 'constant' })).toBeCloseTo(-2 / 8, 12);
  });

  it('clips the ratio at 1 + epsHigh for positive advantages (clip-higher)', () => {
    const x = { logprobs: [[Math.log(2)]], oldLogprobs: [[0]], advantages: [[1]] };
    const o = {
      epsilonLow: 0.2,
      beta: 0,
      klEstimator: 'k3' as const,
      aggregation: 'token-mean' as const,
      maxCompletionTokens: 1,
    };
    expect(referenceGrpoLoss(x, { ...o, epsilonHigh: 0.2 })).toBeCloseTo(-1.2, 12);
    expect(referenceGrpoLoss(x, { ...o, epsilonHigh: 0.28 })).toBeCloseTo(-1.28, 12);
  });
});

describe('PPO oracles', () => {
  it('GAE with gamma = lambda = 1 gives return-to-go minus value', () => {
    const { advantages, returns } = referenceGae([0, 0, 1], [0.5, 0.25, 0.75], 1, 1);
    expect(advantages).toEqual([0.5, 0.75, 0.25]);
    expect(returns).toEqual([1, 1, 1]);
  });

  it('GAE with lambda = 0 gives one-step TD errors', () => {
    const { advantages } = referenceGae([0, 1], [0.5, 0.25], 0.9, 0);
    expect(advantages[0]).toBeCloseTo(0.9 * 0.25 - 0.5, 14);
    expect(advantages[1]).toBeCloseTo(1 - 0.25, 14);
  });

  it('token rewards put the KL penalty on every token, step rewards where given and the score last', () => {
    expect(referencePpoTokenRewards(1, [-1, -2], [-1.5, -2], 0.1, [0.25, 0])).toEqual([-0.1 * 0.5 + 0.25, 1]);
  });

  it('whitening has mean 0 and Bessel variance 1', () => {
    const w = referenceWhiten([
      [1, 2],
      [3, 6],
    ]).flat();
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(w.reduce((a, b) => a + b * b, 0) / 3).toBeCloseTo(1, 6);
  });

  it('value clipping keeps the larger of the clipped and unclipped errors', () => {
    const x = {
      logprobs: [[0]],
      oldLogprobs: [[0]],
      advantages: [[0]],
      values: [[1]],
      oldValues: [[0]],
      returns: [[1]],
    };
    const r = referencePpoLoss(x, { clipRange: 0.2, clipRangeValue: 0.2, vfCoef: 0.5, entropyCoef: 0 });
    expect(r.valueLoss).toBeCloseTo(0.5 * 0.8 ** 2, 12);
    expect(r.loss).toBeCloseTo(0.25 * 0.8 ** 2, 12);
  });

  it('the adaptive KL coefficient moves by at most 20% of nSteps / horizon', () => {
    expect(referenceAdaptiveKlCoef(0.1, 60, 6, 100, 10)).toBeCloseTo(0.1 * 1.02, 14);
    expect(referenceAdaptiveKlCoef(0.1, 3, 6, 100, 10)).toBeCloseTo(0.1 * 0.98, 14);
  });
});

describe('REINFORCE oracles', () => {
  it('RLOO subtracts the mean of the other samples', () => {
    const a = referenceRlooAdvantages([1, 0, 0, 1], 4);
    expect(a[0]).toBeCloseTo(1 - 1 / 3, 14);
    expect(a[1]).toBeCloseTo(-2 / 3, 14);
    expect(a.reduce((x, y) => x + y, 0)).toBeCloseTo(0, 14);
  });

  it('the moving baseline starts at the first mean and then lags', () => {
    const first = referenceMovingBaseline([1, 0], undefined, 0.9);
    expect(first.advantages).toEqual([0.5, -0.5]);
    const second = referenceMovingBaseline([1, 1], first.baseline, 0.9);
    expect(second.advantages).toEqual([0.5, 0.5]);
    expect(second.baseline).toBeCloseTo(0.9 * 0.5 + 0.1, 14);
  });

  it('REINFORCE loss is -mean A * sum logp; REINFORCE++ returns are whitened over the batch', () => {
    expect(referenceReinforceLoss([[-1, -1], [-3]], [1, -1])).toBeCloseTo((2 - 3) / 2, 14);
    const adv = referenceReinforcePlusPlusAdvantages([1, 0], [[-1, -1], [-1]], [[-1, -1], [-1]], 0.1, 1);
    // Returns [[1, 1], [0]] -> mean 2/3, std sqrt(1/3).
    expect(adv[0]![0]).toBeCloseTo((1 - 2 / 3) / Math.sqrt(1 / 3 + 1e-8), 10);
    expect(adv[1]![0]).toBeCloseTo(-2 / 3 / Math.sqrt(1 / 3 + 1e-8), 10);
  });
});
