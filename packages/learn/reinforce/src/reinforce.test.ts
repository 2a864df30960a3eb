import { createRng, initialState } from '@o1lab/core';
import {
  buildRolloutBatch,
  completionRow,
  createSampler,
  DIGIT_ECHO_ALPHABET,
  digitEchoProblems,
  digitEchoTask,
  greedyPassAt1,
  type Rollout,
  rowsToTokens,
} from '@o1lab/learn-rollout';
import { CharTokenizer, createTinyGptModel, initTfBackend } from '@o1lab/model';
import {
  referenceMovingBaseline,
  referencePpoLoss,
  referenceReinforceLoss,
  referenceReinforcePlusPlusAdvantages,
  referenceRlooAdvantages,
} from '@o1lab/reference';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ReinforceEstimator, resolveReinforceConfig } from './config.js';
import {
  clippedSurrogateLoss,
  movingBaselineAdvantages,
  reinforceLoss,
  reinforcePlusPlusAdvantages,
  reinforceTrain,
  rlooAdvantages,
} from './reinforce.js';

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

const f = Math.fround;

/** Fake rollouts with random lengths and logprobs, their batch, and random reference logprobs. */
function randomBatch(seed: number, B: number) {
  const rng = createRng(seed);
  const state = initialState(digitEchoTask, digitEchoProblems(1)[0]!);
  const rollouts: Rollout[] = Array.from({ length: B }, () => {
    const n = 1 + rng.int(6);
    return {
      state,
      group: 0,
      promptIds: [1, 3, 4, 5].slice(0, 1 + rng.int(4)),
      completionIds: Array.from({ length: n }, () => 3 + rng.int(10)),
      completionLogprobs: Array.from({ length: n }, () => f(-0.1 - 2 * rng.nextFloat())),
      text: '',
      finishReason: 'length',
      policyVersion: 0,
    };
  });
  const batch = buildRolloutBatch(rollouts);
  const oldRows = rollouts.map((r) => [...r.completionLogprobs]);
  const refRows = oldRows.map((row) => row.map((x) => f(x + rng.normal(0, 0.4))));
  const newRows = oldRows.map((row) => row.map((x) => f(x + rng.normal(0, 0.3))));
  const scores = rollouts.map(() => (rng.nextFloat() < 0.5 ? 1 : 0));
  return { rollouts, batch, oldRows, refRows, newRows, scores, rng };
}

describe('advantages match the float64 oracles', () => {
  it('RLOO and the moving baseline', () => {
    const rng = createRng(2);
    const rewards = Array.from({ length: 12 }, () => rng.normal(0.5, 0.5));
    const got = rlooAdvantages(rewards, 4);
    for (const [i, a] of referenceRlooAdvantages(rewards, 4).entries()) expect(got[i]).toBeCloseTo(a, 12);
    let b: number | undefined;
    let bRef: number | undefined;
    for (let step = 0; step < 3; step++) {
      const r = rewards.slice(step * 4, step * 4 + 4);
      const mine = movingBaselineAdvantages(r, b, 0.9);
      const ref = referenceMovingBaseline(r, bRef, 0.9);
      for (const [i, a] of ref.advantages.entries()) expect(mine.advantages[i]).toBeCloseTo(a, 12);
      b = mine.baseline;
      bRef = ref.baseline;
    }
    expect(b).toBeCloseTo(bRef!, 12);
    expect(() => rlooAdvantages([1, 2, 3], 2)).toThrow(/groups of k = 2/);
  });

  it('REINFORCE++ token advantages, within 1e-5', () => {
    const { batch, oldRows, refRows, scores } = randomBatch(3, 9);
    const kl = rowsToTokens(
      batch,
      oldRows.map((row, b) => row.map((x, t) => x - refRows[b]![t]!)),
    );
    const got = reinforcePlusPlusAdvantages(batch, scores, kl, 0.1, 0.95);
    const want = referenceReinforcePlusPlusAdvantages(scores, oldRows, refRows, 0.1, 0.95);
    want.forEach((row, b) => {
      const mine = completionRow(batch, got, b);
      for (const [t, a] of row.entries()) expect(Math.abs(mine[t]! - a)).toBeLessThan(1e-5);
    });
  });
});

describe('losses match the float64 oracles within 1e-5', () => {
  it('sequence-level REINFORCE loss and the clipped surrogate of REINFORCE++', () => {
    for (const seed of [4, 5, 6]) {
      const { batch, newRows, oldRows, rng } = randomBatch(seed, 8);
      const seqAdv = newRows.map(() => rng.normal(0, 1));
      const tokAdv = newRows.map((row) => row.map(() => f(rng.normal(0, 1))));
      const shape: [number, number] = [batch.B, batch.T];
      const [reinforce, clipped] = tf.tidy(() => {
        const logp = tf.tensor2d(rowsToTokens(batch, newRows), shape);
        const mask = tf.tensor2d(batch.completionMask, shape);
        const seq = tf.tensor2d(
          rowsToTokens(
            batch,
            newRows.map((row, b) => row.map(() => f(seqAdv[b]!))),
          ),
          shape,
        );
        const tok = tf.tensor2d(rowsToTokens(batch, tokAdv), shape);
        return [
          reinforceLoss(logp, seq, mask).dataSync()[0]!,
          clippedSurrogateLoss(logp, tf.tensor2d(batch.oldLogprobs, shape), tok, mask, 0.2).dataSync()[0]!,
        ];
      });
      expect(Math.abs(reinforce - referenceReinforceLoss(newRows, seqAdv.map(f)))).toBeLessThan(1e-5);
      const zeros = newRows.map((row) => row.map(() => 0));
      const ppo = referencePpoLoss(
        {
          logprobs: newRows,
          oldLogprobs: oldRows,
          advantages: tokAdv,
          values: zeros,
          oldValues: zeros,
          returns: zeros,
        },
        { clipRange: 0.2, clipRangeValue: 0.2, vfCoef: 0, entropyCoef: 0 },
      );
      expect(Math.abs(clipped - ppo.policyLoss)).toBeLessThan(1e-5);
    }
  });
});

describe('resolveReinforceConfig', () => {
  it('names the option at fault', () => {
    expect(resolveReinforceConfig().estimator).toBe('rloo');
    expect(() => resolveReinforceConfig({ estimator: 'ppo' as never })).toThrow(/`estimator`/);
    expect(() => resolveReinforceConfig({ rollout: { numGenerations: 1 } })).toThrow(
      />= 2 for the RLOO baseline/,
    );
    expect(() => resolveReinforceConfig({ estimator: 'rloo', numIterations: 2 })).toThrow(
      /`numIterations` must be 1/,
    );
    expect(() => resolveReinforceConfig({ baseline: 1 } as never)).toThrow(/unknown option `baseline`/);
  });
});

describe('reinforceTrain learns to echo a digit from scratch', () => {
  const tokenizer = new CharTokenizer(DIGIT_ECHO_ALPHABET);
  const problems = digitEchoProblems(1);
  const cases: [ReinforceEstimator, number][] = [
    ['reinforce', 3e-3],
    ['rloo', 3e-3],
    ['reinforce++', 3e-3],
  ];
  for (const [estimator, learningRate] of cases) {
    it(`${estimator}: greedy pass@1 and mean reward rise`, async () => {
      const model = createTinyGptModel({
        vocabSize: tokenizer.vocabSize,
        nLayer: 1,
        nHead: 2,
        dModel: 32,
        context: 8,
        seed: 1,
      });
      const sampler = await createSampler(model, tokenizer, { runtime: { intraOpNumThreads: 1 } });
      const before = await greedyPassAt1(sampler.policy, digitEchoTask, problems, 1);
      const result = await reinforceTrain(
        { model, sampler, tokenizer, task: digitEchoTask, problems },
        {
          estimator,
          numSteps: 60,
          numPrompts: 10,
          seed: 3,
          ...(estimator === 'reinforce++' ? { numIterations: 2 } : {}),
          rollout: { numGenerations: 8, maxCompletionTokens: 1 },
          optimizer: { learningRate, minLearningRate: learningRate },
        },
      );
      const after = await greedyPassAt1(sampler.policy, digitEchoTask, problems, 1);
      const rewards = result.steps.map((s) => s.meanReward);
      const first = (rewards[0]! + rewards[1]! + rewards[2]!) / 3;
      const last = (rewards.at(-1)! + rewards.at(-2)! + rewards.at(-3)!) / 3;
      console.log(
        `${estimator} digit echo: pass@1 ${before.passAt1} -> ${after.passAt1}, reward ${first.toFixed(3)} -> ${last.toFixed(3)}`,
      );
      expect(before.passAt1).toBeLessThanOrEqual(0.2);
      expect(after.passAt1).toBeGreaterThanOrEqual(0.8);
      expect(last - first).toBeGreaterThan(0.3);
      await sampler.runtime.dispose();
      model.dispose();
    });
  }
});
