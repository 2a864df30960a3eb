import { ComputeMeter, createRng, initialState, type RewardModel, type State } from '@o1lab/core';
import {
  buildRolloutBatch,
  completionRow,
  completionSteps,
  createSampler,
  DIGIT_ECHO_ALPHABET,
  digitEchoProblems,
  digitEchoTask,
  greedyPassAt1,
  maskedWhiten,
  type Rollout,
  rowsToTokens,
} from '@o1lab/learn-rollout';
import { CharTokenizer, createTinyGptModel, initTfBackend } from '@o1lab/model';
import {
  referenceAdaptiveKlCoef,
  referenceGae,
  referencePpoLoss,
  referencePpoTokenRewards,
  referenceWhiten,
} from '@o1lab/reference';
import { heuristicPotential } from '@o1lab/reward-shaping';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolvePpoConfig } from './config.js';
import { adaptiveKlCoef, gae, ppoLoss, ppoTokenRewards, ppoTrain, stepRewardTokens } from './ppo.js';
import { prmStepRewards, shapedStepRewards } from './step-rewards.js';

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

const f = Math.fround;
const tokenizer = new CharTokenizer(DIGIT_ECHO_ALPHABET);
const problems = digitEchoProblems(1);

function rolloutOf(completion: number[], logprobs: number[], promptLength = 3): Rollout {
  return {
    state: initialState(digitEchoTask, problems[0]!),
    group: 0,
    promptIds: [
      tokenizer.bosId,
      ...tokenizer.encode('0='.padStart(promptLength - 1, '0').slice(-(promptLength - 1))),
    ],
    completionIds: completion,
    completionLogprobs: logprobs.map(f),
    text: '',
    finishReason: 'length',
    policyVersion: 0,
  };
}

/** A random batch with ragged completions, and per-row random arrays. */
function randomCase(seed: number, B: number) {
  const rng = createRng(seed);
  const rollouts = Array.from({ length: B }, () => {
    const n = 1 + rng.int(5);
    return rolloutOf(
      Array.from({ length: n }, () => 3 + rng.int(10)),
      Array.from({ length: n }, () => -0.1 - 2 * rng.nextFloat()),
      2 + rng.int(3),
    );
  });
  const batch = buildRolloutBatch(rollouts);
  const rows = (fn: () => number) => rollouts.map((r) => r.completionIds.map(() => f(fn())));
  return { rng, rollouts, batch, rows };
}

describe('PPO math matches the float64 oracles within 1e-5', () => {
  it('token rewards with KL and step rewards, GAE and whitening', () => {
    for (const seed of [1, 2, 3]) {
      const { rng, rollouts, batch, rows } = randomCase(seed, 6);
      const oldRows = rollouts.map((r) => [...r.completionLogprobs]);
      const refRows = rows(() => -0.1 - 2 * rng.nextFloat());
      const stepRows = rows(() => (rng.nextFloat() < 0.3 ? rng.normal(0, 1) : 0));
      const valueRows = rows(() => rng.normal(0, 1));
      const scores = rollouts.map(() => rng.nextFloat());
      const rewards = ppoTokenRewards(
        batch,
        scores,
        rowsToTokens(batch, refRows),
        0.1,
        rowsToTokens(batch, stepRows),
      );
      const { advantages, returns } = gae(batch, rewards, rowsToTokens(batch, valueRows), 0.99, 0.95);
      const whitened = maskedWhiten(advantages, batch.completionMask);
      const refAdv: number[][] = [];
      rollouts.forEach((_, b) => {
        const r = referencePpoTokenRewards(scores[b]!, oldRows[b]!, refRows[b]!, 0.1, stepRows[b]);
        const g = referenceGae(r, valueRows[b]!, 0.99, 0.95);
        refAdv.push(g.advantages);
        const mine = completionRow(batch, rewards, b);
        for (const [t, x] of r.entries()) expect(Math.abs(mine[t]! - x)).toBeLessThan(1e-5);
        const a = completionRow(batch, advantages, b);
        const ret = completionRow(batch, returns, b);
        for (const [t, x] of g.advantages.entries()) expect(Math.abs(a[t]! - x)).toBeLessThan(1e-5);
        for (const [t, x] of g.returns.entries()) expect(Math.abs(ret[t]! - x)).toBeLessThan(1e-5);
      });
      const w = referenceWhiten(refAdv);
      rollouts.forEach((_, b) => {
        const mine = completionRow(batch, whitened, b);
        for (const [t, x] of w[b]!.entries()) expect(Math.abs(mine[t]! - x)).toBeLessThan(1e-4);
      });
    }
  });

  it('clipped policy and value loss with entropy bonus', () => {
    for (const seed of [4, 5, 6]) {
      const { rng, rollouts, batch, rows } = randomCase(seed, 7);
      const logprobs = rows(() => -0.1 - 2 * rng.nextFloat());
      const oldLogprobs = logprobs.map((row) => row.map((x) => f(x + rng.normal(0, 0.3))));
      const advantages = rows(() => rng.normal(0, 1));
      const values = rows(() => rng.normal(0, 1));
      const oldValues = values.map((row) => row.map((x) => f(x + rng.normal(0, 0.3))));
      const returns = rows(() => rng.normal(0, 1));
      const entropy = rows(() => 2 * rng.nextFloat());
      const options = { clipRange: 0.2, clipRangeValue: 0.15, vfCoef: 0.1, entropyCoef: 0.01 };
      const shape: [number, number] = [batch.B, batch.T];
      const t = (r: number[][]) => tf.tensor2d(rowsToTokens(batch, r), shape);
      const got = tf.tidy(() => {
        const p = ppoLoss(
          {
            logprobs: t(logprobs),
            oldLogprobs: t(oldLogprobs),
            advantages: t(advantages),
            values: t(values),
            oldValues: t(oldValues),
            returns: t(returns),
            entropy: t(entropy),
            mask: tf.tensor2d(batch.completionMask, shape),
          },
          options,
        );
        return [p.loss, p.policyLoss, p.valueLoss, p.entropy].map((x) => x.dataSync()[0]!);
      });
      const want = referencePpoLoss(
        { logprobs, oldLogprobs, advantages, values, oldValues, returns, entropy },
        options,
      );
      expect(rollouts.length).toBe(7);
      expect(Math.abs(got[0]! - want.loss)).toBeLessThan(1e-5);
      expect(Math.abs(got[1]! - want.policyLoss)).toBeLessThan(1e-5);
      expect(Math.abs(got[2]! - want.valueLoss)).toBeLessThan(1e-5);
      expect(Math.abs(got[3]! - want.entropy)).toBeLessThan(1e-5);
    }
  });

  it('adaptive KL coefficient', () => {
    for (const kl of [0, 3, 6, 7, 100]) {
      expect(adaptiveKlCoef(0.2, kl, 6, 10000, 256)).toBeCloseTo(
        referenceAdaptiveKlCoef(0.2, kl, 6, 10000, 256),
        14,
      );
    }
  });
});

describe('step rewards', () => {
  const enc = (s: string) => tokenizer.encode(s);

  it('land on the last token of each step (the delimiter), the last step on the last token', () => {
    const ids = [...enc('12\n3\n45'), tokenizer.eosId];
    const { steps, endTokens } = completionSteps(ids, tokenizer, '\n');
    expect(steps).toEqual(['12', '3', '45']);
    expect(endTokens).toEqual([2, 4, 7]);
    const r = rolloutOf(
      ids,
      ids.map(() => -1),
    );
    const batch = buildRolloutBatch([r]);
    const tokens = stepRewardTokens(batch, [r], [[0.5, -1, 2, 7]], tokenizer, '\n');
    expect(completionRow(batch, tokens, 0)).toEqual([0, 0, 0.5, 0, -1, 0, 0, 9]);
  });

  it('come from a PRM in one batched scoreSteps call, or from potential-based shaping', async () => {
    let calls = 0;
    const prm: RewardModel = {
      name: 'length-prm',
      meter: new ComputeMeter(),
      async scoreOutcome(states: readonly State[]) {
        return states.map(() => 0);
      },
      async scoreSteps(states: readonly State[]) {
        calls++;
        return states.map((s) => s.steps.map((step) => step.text.length / 10));
      },
    };
    const a = rolloutOf([...enc('12\n3')], [-1, -1, -1, -1]);
    const b = rolloutOf([...enc('7')], [-1]);
    expect(await prmStepRewards(prm, tokenizer, '\n', 2)([a, b])).toEqual([[0.4, 0.2], [0.2]]);
    expect(calls).toBe(1);
    // Phi(s) = number of steps: F = Phi(s') - Phi(s) = 1 per step, last potential 0 (terminal).
    const shaped = await shapedStepRewards(
      heuristicPotential((s) => s.steps.length),
      tokenizer,
      '\n',
    )([a]);
    expect(shaped).toEqual([[1, -1]]);
  });
});

describe('resolvePpoConfig', () => {
  it('names the option at fault', () => {
    expect(resolvePpoConfig().gaeLambda).toBe(0.95);
    expect(() => resolvePpoConfig({ gaeLambda: 2 })).toThrow(/`gaeLambda` must be <= 1/);
    expect(() => resolvePpoConfig({ clipRange: 0 })).toThrow(/`clipRange` must be > 0/);
    expect(() => resolvePpoConfig({ numPrompts: 6, numMiniBatches: 4 })).toThrow(/`numMiniBatches` \(4\)/);
    expect(() => resolvePpoConfig({ lam: 1 } as never)).toThrow(/unknown option `lam`/);
  });
});

describe('ppoTrain learns to echo a digit from scratch', () => {
  const modelConfig = {
    vocabSize: tokenizer.vocabSize,
    nLayer: 1,
    nHead: 2,
    dModel: 32,
    context: 8,
    seed: 1,
    valueHead: true,
  };

  it('refuses a model without a value head', async () => {
    const model = createTinyGptModel({ ...modelConfig, valueHead: false });
    const sampler = await createSampler(model, tokenizer, { runtime: { intraOpNumThreads: 1 } });
    await expect(
      ppoTrain({ model, sampler, tokenizer, task: digitEchoTask, problems }, { numSteps: 1 }),
    ).rejects.toThrow(/no value head/);
    await sampler.runtime.dispose();
    model.dispose();
  });

  for (const mode of ['outcome', 'prm-steps'] as const) {
    it(`${mode} rewards: greedy pass@1 and mean reward rise`, async () => {
      const model = createTinyGptModel(modelConfig);
      const sampler = await createSampler(model, tokenizer, { runtime: { intraOpNumThreads: 1 } });
      const before = await greedyPassAt1(sampler.policy, digitEchoTask, problems, 1);
      // The PRM judges the (only) step against the answer; the outcome reward is then left out,
      // so the learning signal comes through the dense step-reward path alone.
      const prm: RewardModel = {
        name: 'oracle-prm',
        meter: new ComputeMeter(),
        async scoreOutcome(states: readonly State[]) {
          return states.map(() => 0);
        },
        async scoreSteps(states: readonly State[]) {
          return states.map((s) =>
            s.steps.map((step) => (digitEchoTask.verify(s.problem as never, step.text).correct ? 1 : 0)),
          );
        },
      };
      const result = await ppoTrain(
        {
          model,
          sampler,
          tokenizer,
          task: digitEchoTask,
          problems,
          ...(mode === 'prm-steps'
            ? { reward: () => 0, stepRewards: prmStepRewards(prm, tokenizer, '\n') }
            : {}),
        },
        {
          numSteps: 60,
          numPrompts: 40,
          numPpoEpochs: 2,
          numMiniBatches: 2,
          seed: mode === 'outcome' ? 3 : 4,
          rollout: { maxCompletionTokens: 1 },
          optimizer: { learningRate: 3e-3, minLearningRate: 3e-3 },
        },
      );
      const after = await greedyPassAt1(sampler.policy, digitEchoTask, problems, 1);
      const signal = result.steps.map((s) => (mode === 'outcome' ? s.meanReward : s.meanStepReward));
      const first = (signal[0]! + signal[1]! + signal[2]!) / 3;
      const last = (signal.at(-1)! + signal.at(-2)! + signal.at(-3)!) / 3;
      console.log(
        `ppo (${mode}) digit echo: pass@1 ${before.passAt1} -> ${after.passAt1}, reward ${first.toFixed(3)} -> ${last.toFixed(3)}, value loss ${result.steps[0]!.valueLoss.toFixed(3)} -> ${result.steps.at(-1)!.valueLoss.toFixed(3)}`,
      );
      expect(before.passAt1).toBeLessThanOrEqual(0.2);
      expect(after.passAt1).toBeGreaterThanOrEqual(0.8);
      expect(last - first).toBeGreaterThan(0.3);
      await sampler.runtime.dispose();
      model.dispose();
    });
  }
});
