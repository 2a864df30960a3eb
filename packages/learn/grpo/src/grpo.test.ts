import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, type Problem, type Task, writeJsonl } from '@o1lab/core';
import {
  completionSteps,
  createSampler,
  DIGIT_ECHO_ALPHABET,
  digitEchoProblems,
  digitEchoTask,
  greedyPassAt1,
  type PromptCompletionReward,
  type Rollout,
  readRolloutsJsonl,
  rolloutRecords,
} from '@o1lab/learn-rollout';
import { buildSftBatch, CharTokenizer, createTinyGptModel, createTrainer, initTfBackend } from '@o1lab/model';
import {
  type ReferenceLossAggregation,
  referenceGroupAdvantages,
  referenceGrpoLoss,
  referenceOverlongPenalty,
  referenceProcessAdvantages,
} from '@o1lab/reference';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRPO_VARIANTS, resolveGrpoConfig } from './config.js';
import { grpoAdvantages, grpoLoss, grpoProcessAdvantages, grpoTrain, overlongShaping } from './grpo.js';

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

/** Random ragged per-token inputs and their padded [B, T] form. */
function randomTokens(seed: number, B: number, T: number) {
  const rng = createRng(seed);
  const lengths = Array.from({ length: B }, () => 1 + rng.int(T));
  const rows = lengths.map((n) => {
    const logprobs = Array.from({ length: n }, () => -0.1 - 3 * rng.nextFloat());
    return {
      logprobs,
      oldLogprobs: logprobs.map((x) => x + rng.normal(0, 0.3)),
      refLogprobs: logprobs.map((x) => x + rng.normal(0, 0.5)),
    };
  });
  const seqAdvantages = Array.from({ length: B }, () => rng.normal(0, 1));
  const pad = (get: (b: number, t: number) => number) => {
    const out = new Float32Array(B * T);
    lengths.forEach((n, b) => {
      for (let t = 0; t < n; t++) out[b * T + t] = get(b, t);
    });
    return tf.tensor2d(out, [B, T]);
  };
  // Float32 round-trip so the oracle sees the values the tensors hold.
  const f = Math.fround;
  const ragged = {
    logprobs: rows.map((r) => r.logprobs.map(f)),
    oldLogprobs: rows.map((r) => r.oldLogprobs.map(f)),
    refLogprobs: rows.map((r) => r.refLogprobs.map(f)),
    advantages: rows.map((r, b) => r.logprobs.map(() => f(seqAdvantages[b]!))),
  };
  const tensors = {
    logprobs: pad((b, t) => rows[b]!.logprobs[t]!),
    oldLogprobs: pad((b, t) => rows[b]!.oldLogprobs[t]!),
    refLogprobs: pad((b, t) => rows[b]!.refLogprobs[t]!),
    advantages: pad((b) => seqAdvantages[b]!),
    mask: pad(() => 1),
  };
  return { ragged, tensors };
}

/** Mean batch reward of the first three and of the last three steps. */
function firstAndLastRewards(steps: readonly { readonly meanReward: number }[]) {
  const r = steps.map((s) => s.meanReward);
  return { first: (r[0]! + r[1]! + r[2]!) / 3, last: (r.at(-1)! + r.at(-2)! + r.at(-3)!) / 3 };
}

describe('grpoAdvantages', () => {
  it('matches the float64 oracle with and without std scaling', () => {
    const rng = createRng(1);
    const rewards = Array.from({ length: 24 }, () => (rng.nextFloat() < 0.4 ? 1 : 0) + rng.normal(0, 0.1));
    for (const scaleRewards of [true, false]) {
      const got = grpoAdvantages(rewards, 6, { scaleRewards });
      const want = referenceGroupAdvantages(rewards, 6, scaleRewards, 1e-4);
      for (const [i, a] of got.entries()) expect(a).toBeCloseTo(want[i]!, 12);
    }
    expect(() => grpoAdvantages([1, 2, 3], 2)).toThrow(/do not split into groups of 2/);
  });
});

describe('grpoProcessAdvantages', () => {
  it('matches the float64 oracle on ragged completions, with and without std scaling', () => {
    const rng = createRng(2);
    const G = 4;
    const lengths = Array.from({ length: 3 * G }, () => rng.int(12));
    const endTokens = lengths.map((n) => {
      if (n === 0) return [-1];
      const ends = new Set<number>([n - 1]);
      for (let t = 0; t < n - 1; t++) if (rng.nextFloat() < 0.3) ends.add(t);
      return [...ends].sort((a, b) => a - b);
    });
    const stepRewards = endTokens.map((ends) =>
      ends.map(() => (rng.nextFloat() < 0.5 ? 1 : 0) + rng.normal(0, 0.2)),
    );
    for (const scaleRewards of [true, false]) {
      const got = grpoProcessAdvantages(stepRewards, endTokens, lengths, G, { scaleRewards });
      const want = referenceProcessAdvantages(stepRewards, endTokens, lengths, G, scaleRewards, 1e-4);
      expect(got.map((r) => r.length)).toEqual(lengths);
      got.forEach((row, i) => {
        for (const [t, a] of row.entries()) expect(Math.abs(a - want[i]![t]!)).toBeLessThan(1e-9);
      });
    }
  });

  it('gives a token the normalised rewards of its step and every later step (known answer)', () => {
    // Group of two: A = two right steps (tokens 0-2, 3-5), B = a right step then a wrong one
    // (tokens 0-2, 3-4). Mean of {1, 1, 1, 0} = 0.75; without std scaling r~ = r - 0.75.
    const got = grpoProcessAdvantages(
      [
        [1, 1],
        [1, 0],
      ],
      [
        [2, 5],
        [2, 4],
      ],
      [6, 5],
      2,
      { scaleRewards: false },
    );
    expect(got[0]).toEqual([0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
    expect(got[1]).toEqual([-0.5, -0.5, -0.5, -0.75, -0.75]);
  });

  it('names what does not fit', () => {
    expect(() => grpoProcessAdvantages([[1]], [[0, 1]], [2], 1)).toThrow(/has 2 steps but 1 step rewards/);
    expect(() => grpoProcessAdvantages([[1], [0]], [[0], [0]], [1, 1], 3)).toThrow(/groups of 3/);
    expect(() => grpoProcessAdvantages([[1, 1]], [[1, 0]], [2], 1)).toThrow(/ascending token indices/);
  });
});

describe('grpoLoss', () => {
  it('matches the float64 oracle within 1e-5 for every aggregation, KL estimator and clip range', () => {
    const aggregations: ReferenceLossAggregation[] = ['sequence-mean', 'token-mean', 'constant'];
    let checked = 0;
    for (const [seed, aggregation] of aggregations.entries()) {
      for (const klEstimator of ['k1', 'k2', 'k3'] as const) {
        for (const [epsilon, epsilonHigh, beta] of [
          [0.2, 0.2, 0.04],
          [0.2, 0.28, 0],
          [0.1, 0.3, 0.5],
        ] as const) {
          const { ragged, tensors } = randomTokens(10 + seed, 7, 9);
          const options = {
            epsilon,
            epsilonHigh,
            beta,
            klEstimator,
            lossAggregation: aggregation,
            maxCompletionTokens: 9,
          };
          const got = tf.tidy(() => grpoLoss(tensors, options).loss.dataSync()[0]!);
          const want = referenceGrpoLoss(ragged, {
            epsilonLow: epsilon,
            epsilonHigh,
            beta,
            klEstimator,
            aggregation,
            maxCompletionTokens: 9,
          });
          expect(Math.abs(got - want)).toBeLessThan(1e-5);
          checked++;
        }
      }
    }
    expect(checked).toBe(27);
  });

  it('its gradient in the log-probabilities matches central differences of the oracle', () => {
    const { ragged, tensors } = randomTokens(5, 4, 5);
    const options = {
      epsilon: 0.2,
      epsilonHigh: 0.28,
      beta: 0.1,
      klEstimator: 'k3' as const,
      lossAggregation: 'sequence-mean' as const,
      maxCompletionTokens: 5,
    };
    const grad = tf.grad(
      (lp: tf.Tensor) => grpoLoss({ ...tensors, logprobs: lp as tf.Tensor2D }, options).loss,
    )(tensors.logprobs);
    const g = grad.dataSync();
    const h = 1e-5;
    ragged.logprobs.forEach((row, b) => {
      row.forEach((_, t) => {
        const at = (d: number) =>
          referenceGrpoLoss(
            {
              ...ragged,
              logprobs: ragged.logprobs.map((r, i) => r.map((x, j) => (i === b && j === t ? x + d : x))),
            },
            {
              epsilonLow: 0.2,
              epsilonHigh: 0.28,
              beta: 0.1,
              klEstimator: 'k3',
              aggregation: 'sequence-mean',
              maxCompletionTokens: 5,
            },
          );
        expect(g[b * 5 + t]!).toBeCloseTo((at(h) - at(-h)) / (2 * h), 4);
      });
    });
  });
});

describe('DAPO pieces', () => {
  it('overlong shaping matches the reward-shaping oracle', () => {
    for (const length of [0, 10, 12, 13, 15, 16, 17]) {
      expect(overlongShaping(length, 16, 4)).toBeCloseTo(referenceOverlongPenalty(length, 16, 4), 12);
    }
    expect(overlongShaping(100, 16, 0)).toBe(0);
  });

  it('presets and validation name the option at fault', () => {
    expect(resolveGrpoConfig(GRPO_VARIANTS.dapo).epsilonHigh).toBe(0.28);
    expect(resolveGrpoConfig(GRPO_VARIANTS['dr-grpo']).lossAggregation).toBe('constant');
    expect(() => resolveGrpoConfig({ epsilon: 1 })).toThrow(/`epsilon` must be < 1/);
    expect(() => resolveGrpoConfig({ rollout: { numGenerations: 1 } })).toThrow(
      /`rollout.numGenerations` must be >= 2/,
    );
    expect(() => resolveGrpoConfig({ numMiniBatches: 3 })).toThrow(/`numMiniBatches` \(3\) must divide/);
    expect(() => resolveGrpoConfig({ clip: 1 } as never)).toThrow(/unknown option `clip`/);
    expect(() => resolveGrpoConfig({ overlongBuffer: 40 })).toThrow(/`overlongBuffer` \(40\)/);
  });
});

describe('grpoTrain', () => {
  const tokenizer = new CharTokenizer(DIGIT_ECHO_ALPHABET);
  const modelConfig = {
    vocabSize: tokenizer.vocabSize,
    nLayer: 1,
    nHead: 2,
    dModel: 32,
    context: 8,
    seed: 1,
  };
  const problems = digitEchoProblems(1);

  it('learns to echo a digit from scratch: greedy pass@1 and mean reward rise', async () => {
    const model = createTinyGptModel(modelConfig);
    const sampler = await createSampler(model, tokenizer, { runtime: { intraOpNumThreads: 1 } });
    const before = await greedyPassAt1(sampler.policy, digitEchoTask, problems, 1);
    const result = await grpoTrain(
      { model, sampler, tokenizer, task: digitEchoTask, problems },
      {
        numSteps: 80,
        numPrompts: 10,
        beta: 0.04,
        seed: 3,
        rollout: { numGenerations: 8, maxCompletionTokens: 1 },
        optimizer: { learningRate: 3e-3, minLearningRate: 3e-3 },
      },
    );
    const after = await greedyPassAt1(sampler.policy, digitEchoTask, problems, 1);
    const { first, last } = firstAndLastRewards(result.steps);
    console.log(
      `grpo digit echo: pass@1 ${before.passAt1} -> ${after.passAt1}, reward ${first.toFixed(3)} -> ${last.toFixed(3)}`,
    );
    expect(before.passAt1).toBeLessThanOrEqual(0.2);
    expect(after.passAt1).toBeGreaterThanOrEqual(0.8);
    expect(last - first).toBeGreaterThan(0.4);
    expect(result.steps.every((s) => s.staleness === 0 && s.syncMs > 0)).toBe(true);
    await sampler.runtime.dispose();
    model.dispose();
  });

  it('with process supervision from a step checker, learns the second step of a two-step echo after a format warm start', async () => {
    // Prompt `ab=`, answer `a` then `b` on its own line; each step is checked on its own.
    type Pair = { readonly a: string; readonly b: string };
    const pairTask = {
      name: 'digit-pair',
      stepDelimiter: '\n',
      generate: () => {
        throw new Error('fixed problems only');
      },
      prompt: (p: Problem<Pair>) => `${p.data.a}${p.data.b}=`,
      parseAnswer: (text: string) => text,
      verify: (p: Problem<Pair>, text: string) => ({
        correct: text === `${p.data.a}\n${p.data.b}`,
        answer: text,
      }),
    } as unknown as Task<Pair>;
    const pairs: Problem<Pair>[] = Array.from({ length: 10 }, (_, d) => {
      const data = { a: String(d), b: String((d + 3) % 10) };
      return { id: `pair-${d}`, task: 'digit-pair', question: `${data.a}${data.b}`, data, answer: '' };
    });
    // Each step by itself; the last step carries the outcome, so that stopping early never pays.
    const stepRewards = async (rollouts: readonly Rollout[]) =>
      rollouts.map((r) => {
        const { steps } = completionSteps(r.completionIds, tokenizer, '\n');
        const want = [(r.state.problem.data as Pair).a, (r.state.problem.data as Pair).b];
        const rewards = steps.map((s, k) => (s === want[k] ? 1 : 0));
        rewards[rewards.length - 1] = pairTask.verify(r.state.problem as Problem<Pair>, r.text).correct
          ? 1
          : 0;
        return rewards;
      });
    // Warm start: SFT on the format with a random second digit (`a`, newline, any digit), so that
    // the first step is mostly right and the second right by chance (about 10%).
    const model = createTinyGptModel({ ...modelConfig, seed: 2 });
    const trainer = createTrainer(model, { learningRate: 3e-3, warmupSteps: 0, totalSteps: 150, seed: 2 });
    const sftRng = createRng(5);
    for (let i = 0; i < 150; i++) {
      const examples = Array.from({ length: 16 }, () => {
        const p = pairs[sftRng.int(pairs.length)]!;
        return { prompt: pairTask.prompt(p), completion: `${p.data.a}\n${sftRng.int(10)}` };
      });
      trainer.step(buildSftBatch(tokenizer, examples));
    }
    trainer.dispose();
    const sampler = await createSampler(model, tokenizer, { runtime: { intraOpNumThreads: 1 } });
    const before = await greedyPassAt1(sampler.policy, pairTask, pairs, 4);
    const result = await grpoTrain(
      { model, sampler, tokenizer, task: pairTask, problems: pairs, stepRewards },
      {
        supervision: 'process',
        numSteps: 100,
        numPrompts: 10,
        beta: 0.04,
        seed: 3,
        rollout: { numGenerations: 8, maxCompletionTokens: 4 },
        optimizer: { learningRate: 3e-3, minLearningRate: 3e-3 },
      },
    );
    const after = await greedyPassAt1(sampler.policy, pairTask, pairs, 4);
    const { first, last } = firstAndLastRewards(result.steps);
    console.log(
      `grpo process supervision, two-step echo: pass@1 ${before.passAt1} -> ${after.passAt1}, outcome reward ${first.toFixed(3)} -> ${last.toFixed(3)}`,
    );
    expect(before.passAt1).toBeLessThanOrEqual(0.3);
    expect(after.passAt1).toBeGreaterThanOrEqual(0.6);
    expect(last - first).toBeGreaterThan(0.3);
    await expect(
      grpoTrain({ model, sampler, tokenizer, task: pairTask, problems: pairs }, { supervision: 'process' }),
    ).rejects.toThrow(/needs the context's `stepRewards`/);
    await sampler.runtime.dispose();
    model.dispose();
  });

  it('DAPO with async rollouts drops uninformative groups and keeps staleness at most 1', async () => {
    const model = createTinyGptModel(modelConfig);
    const sampler = await createSampler(model, tokenizer, { runtime: { intraOpNumThreads: 1 } });
    // A reward that no completion earns: every group is uninformative and dropped.
    const none = await grpoTrain(
      { model, sampler, tokenizer, task: digitEchoTask, problems, reward: (_r: Rollout) => 0 },
      {
        ...GRPO_VARIANTS.dapo,
        numSteps: 2,
        numPrompts: 2,
        maxSamplingRounds: 2,
        rollout: { numGenerations: 4, maxCompletionTokens: 1 },
      },
    );
    expect(none.steps.map((s) => [s.numSamples, s.droppedGroups])).toEqual([
      [0, 4],
      [0, 4],
    ]);
    const records: PromptCompletionReward[] = [];
    const result = await grpoTrain(
      { model, sampler, tokenizer, task: digitEchoTask, problems },
      {
        ...GRPO_VARIANTS.dapo,
        numSteps: 4,
        numPrompts: 4,
        maxStaleness: 1,
        overlongBuffer: 1,
        rollout: { numGenerations: 4, maxCompletionTokens: 2 },
        optimizer: { learningRate: 1e-3, minLearningRate: 1e-3 },
      },
      { onRollouts: (rollouts, rewards) => records.push(...rolloutRecords(rollouts, rewards)) },
    );
    expect(result.steps.map((s) => s.staleness)).toEqual([0, 1, 1, 1]);
    // Rollouts out as TRL prompt/completion/reward JSONL.
    const path = join(await mkdtemp(join(tmpdir(), 'learn-grpo-')), 'rollouts.jsonl');
    await writeJsonl(path, records);
    const back = await readRolloutsJsonl(path);
    expect(back.length).toBe(result.steps.reduce((n, s) => n + s.numSamples, 0));
    expect(back.every((r) => /^\d=$/.test(r.prompt) && (r.reward === 0 || r.reward === 1))).toBe(true);
    expect(result.staleness).toEqual({ batches: 4, maxStaleness: 1, meanStaleness: 0.75 });
    for (const s of result.steps) expect(s.numSamples % 4).toBe(0);
    await sampler.runtime.dispose();
    model.dispose();
  });
});
