import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@o1lab/core';
import {
  createToyModel,
  createToyPolicy,
  toyAnswer,
  toyGreedyAccuracy,
  toyPairs,
  toyPrompt,
  toyTokenizer,
} from '@o1lab/learn-rollout';
import { buildSftBatch, createTrainer, initTfBackend, type TinyGptModel } from '@o1lab/model';
import {
  referenceChosenNll,
  referenceDpoBatchLoss,
  referenceDpoLoss,
  referenceSequenceLogprob,
} from '@o1lab/reference';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DpoLossType, defaultDpoConfig, resolveDpoConfig } from './config.js';
import { createReferenceModel, dpoTrain } from './dpo.js';
import { completionLogprobs, dpoLoss, meanTokenNll, sequenceLogprobs } from './loss.js';
import { iterativeDpo } from './online.js';
import {
  pairsFromOutcomes,
  pairsFromScores,
  preferenceBatch,
  readPreferenceDataset,
  type StepTreeNode,
  stepPairsFromTree,
  writePreferenceDataset,
} from './pairs.js';

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

describe('resolveDpoConfig', () => {
  it('fills defaults and names the wrong option', () => {
    expect(resolveDpoConfig()).toEqual(defaultDpoConfig);
    expect(() => resolveDpoConfig({ beta: 0 })).toThrow(/`beta` must be > 0/);
    expect(() => resolveDpoConfig({ labelSmoothing: 0.5 })).toThrow(/`labelSmoothing` must be < 0.5/);
    expect(() => resolveDpoConfig({ lossType: 'ipo', labelSmoothing: 0.1 })).toThrow(
      /`labelSmoothing` applies/,
    );
    expect(() => resolveDpoConfig({ lossType: 'kto' as never })).toThrow(/`lossType`/);
    expect(() => resolveDpoConfig({ rpoAlpha: -1 })).toThrow(/`rpoAlpha` must be >= 0/);
    expect(() => resolveDpoConfig({ lossType: 'ipo', dpopLambda: 50 })).toThrow(
      /`dpopLambda` applies to lossType `sigmoid` only/,
    );
  });
});

describe('dpoLoss', () => {
  it('matches the float64 oracle within 1e-5 on random inputs (DPO, cDPO, IPO, DPOP, each with and without RPO)', () => {
    const rng = createRng(11);
    for (const [lossType, beta, eps, rpoAlpha, lambda] of [
      ['sigmoid', 0.1, 0, 0],
      ['sigmoid', 0.5, 0.2, 0],
      ['sigmoid', 2, 0, 0],
      ['ipo', 0.1, 0, 0],
      ['ipo', 1, 0, 0],
      ['sigmoid', 0.1, 0, 1],
      ['sigmoid', 0.5, 0.2, 0.3],
      ['ipo', 0.1, 0, 1],
      ['ipo', 1, 0, 2.5],
      ['sigmoid', 0.1, 0, 0, 5],
      ['sigmoid', 0.3, 0.1, 1, 50],
    ] as [DpoLossType, number, number, number, number?][]) {
      const dpopLambda = lambda ?? 0;
      const N = 16;
      const draw = () => Array.from({ length: N }, () => -20 * rng.nextFloat());
      // The chosen completions' summed log-probabilities and lengths feed the NLL term; IPO compares
      // per-token means, as dpoTrain passes them.
      const chosenSums = draw();
      const chosenTokens = Array.from({ length: N }, () => 1 + rng.int(8));
      const pc = chosenSums.map((v, i) => (lossType === 'ipo' ? v / chosenTokens[i]! : v));
      const pr = draw();
      const rc = draw();
      const rr = draw();
      const sums = tf.tensor1d(chosenSums);
      const numTokens = tf.tensor1d(chosenTokens);
      const chosenNll = meanTokenNll(sums, numTokens);
      const out = dpoLoss(
        {
          policyChosen: tf.tensor1d(pc),
          policyRejected: tf.tensor1d(pr),
          referenceChosen: tf.tensor1d(rc),
          referenceRejected: tf.tensor1d(rr),
          chosenNll,
        },
        beta,
        lossType,
        eps,
        rpoAlpha,
        dpopLambda,
      );
      const pairs = pc.map((_, i) => ({
        policyChosen: pc[i]!,
        policyRejected: pr[i]!,
        referenceChosen: rc[i]!,
        referenceRejected: rr[i]!,
      }));
      const chosen = chosenSums.map((logprob, i) => ({ logprob, numTokens: chosenTokens[i]! }));
      const want = referenceDpoBatchLoss(pairs, beta, lossType, eps, rpoAlpha, chosen, dpopLambda);
      const loss = out.loss.dataSync()[0]!;
      expect(Math.abs(loss - want) / Math.max(1, Math.abs(want))).toBeLessThan(1e-5);
      const nll = chosenNll.dataSync()[0]!;
      expect(Math.abs(nll - referenceChosenNll(chosen)) / Math.max(1, nll)).toBeLessThan(1e-5);
      const chosenRewards = out.chosenRewards.dataSync();
      const rejectedRewards = out.rejectedRewards.dataSync();
      for (let i = 0; i < N; i++) {
        const ref = referenceDpoLoss(pairs[i]!, beta, lossType, eps);
        expect(Math.abs(chosenRewards[i]! - ref.chosenReward)).toBeLessThan(1e-5);
        expect(Math.abs(rejectedRewards[i]! - ref.rejectedReward)).toBeLessThan(1e-5);
      }
      tf.dispose([out.loss, out.chosenRewards, out.rejectedRewards, chosenNll, sums, numTokens]);
    }
  });

  it('DPOP charges a chosen completion that lost likelihood, and nothing while it has not', () => {
    // Same log-ratio margin h = 2 in both pairs; in the second the chosen fell 3 nats below the reference.
    const logps = (policyChosen: number) => ({
      policyChosen: tf.tensor1d([policyChosen]),
      policyRejected: tf.tensor1d([policyChosen - 2 - 1]),
      referenceChosen: tf.tensor1d([-5]),
      referenceRejected: tf.tensor1d([-6]),
    });
    const lossOf = (policyChosen: number, lambda: number) => {
      const x = logps(policyChosen);
      const out = dpoLoss(x, 0.1, 'sigmoid', 0, 0, lambda);
      const v = out.loss.dataSync()[0]!;
      tf.dispose([out.loss, out.chosenRewards, out.rejectedRewards, ...Object.values(x)]);
      return v;
    };
    // log sigma(0.1 * 2) for the first; the second's margin is 2 - 50 * 3 = -148.
    expect(lossOf(-4, 50)).toBeCloseTo(Math.log1p(Math.exp(-0.2)), 6);
    expect(lossOf(-4, 50)).toBeCloseTo(lossOf(-4, 0), 6);
    expect(lossOf(-8, 50)).toBeCloseTo(Math.log1p(Math.exp(14.8)), 4);
    expect(lossOf(-8, 0)).toBeCloseTo(Math.log1p(Math.exp(-0.2)), 6);
  });

  it('asks for the chosen NLL when rpoAlpha > 0', () => {
    const x = tf.tensor1d([-1]);
    const logps = { policyChosen: x, policyRejected: x, referenceChosen: x, referenceRejected: x };
    expect(() => dpoLoss(logps, 0.1, 'sigmoid', 0, 1)).toThrow(/`rpoAlpha` 1 needs `logps.chosenNll`/);
    x.dispose();
  });

  it('sequenceLogprobs sums the completion tokens as the oracle does, EOS included or not; the chosen NLL pools their tokens', () => {
    const model = createToyModel(5);
    const pairs = [
      { prompt: '12>', chosen: '3', rejected: '45' },
      { prompt: '9>', chosen: '0>1', rejected: '7' },
    ];
    for (const appendEos of [true, false]) {
      const batch = preferenceBatch(toyTokenizer, pairs, { context: 8, appendEos });
      expect(batch.B).toBe(4);
      const { logits } = model.forward(batch.inputIds, {
        batchSize: batch.B,
        attentionMask: batch.attentionMask!,
      });
      const V = model.config.vocabSize;
      const got = sequenceLogprobs(model, batch);
      const gotMean = sequenceLogprobs(model, batch, true);
      const { sums, numTokens } = completionLogprobs(model, batch);
      const gotNll = meanTokenNll(sums.slice(0, 2), numTokens.slice(0, 2));
      const values = got.dataSync();
      const means = gotMean.dataSync();
      const counts = numTokens.dataSync();
      const chosen: { logprob: number; numTokens: number }[] = [];
      for (let b = 0; b < batch.B; b++) {
        const rows: number[][] = [];
        const targets: number[] = [];
        const mask: number[] = [];
        for (let t = 0; t < batch.T; t++) {
          const i = b * batch.T + t;
          rows.push(Array.from(logits.subarray(i * V, (i + 1) * V)));
          targets.push(batch.targets![i]!);
          mask.push(batch.lossMask![i]!);
        }
        const want = referenceSequenceLogprob(rows, targets, mask);
        const count = mask.reduce((s, m) => s + m, 0);
        expect(Math.abs(values[b]! - want)).toBeLessThan(1e-5);
        expect(Math.abs(means[b]! - want / count)).toBeLessThan(1e-5);
        expect(counts[b]).toBe(count);
        if (b < 2) chosen.push({ logprob: want, numTokens: count });
      }
      // Chosen '3' and '0>1' have 1 and 3 tokens, plus EOS each when appended.
      expect(chosen.map((c) => c.numTokens)).toEqual(appendEos ? [2, 4] : [1, 3]);
      expect(Math.abs(gotNll.dataSync()[0]! - referenceChosenNll(chosen))).toBeLessThan(1e-5);
      tf.dispose([got, gotMean, sums, numTokens, gotNll]);
    }
    model.dispose();
  });
});

describe('pairs', () => {
  it('pairs distinct correct with distinct incorrect completions of one prompt', () => {
    const groups = [
      {
        prompt: 'p',
        completions: [
          { text: 'a', correct: true },
          { text: 'a', correct: true },
          { text: 'b', correct: false },
          { text: 'c', correct: false },
        ],
      },
      { prompt: 'q', completions: [{ text: 'x', correct: true }] },
    ];
    expect(pairsFromOutcomes(groups)).toEqual([
      { prompt: 'p', chosen: 'a', rejected: 'b' },
      { prompt: 'p', chosen: 'a', rejected: 'c' },
    ]);
    expect(pairsFromOutcomes(groups, { maxPairsPerPrompt: 1, rng: createRng(1) })).toHaveLength(1);
    expect(() => pairsFromOutcomes(groups, { maxPairsPerPrompt: 1 })).toThrow(/needs `rng`/);
  });

  it('pairs the best and worst scored completions above a margin', () => {
    const groups = [
      {
        prompt: 'p',
        completions: [
          { text: 'a', score: 0.2 },
          { text: 'b', score: 0.9 },
          { text: 'c', score: 0.5 },
        ],
      },
      {
        prompt: 'q',
        completions: [
          { text: 'x', score: 0.5 },
          { text: 'y', score: 0.55 },
        ],
      },
    ];
    expect(pairsFromScores(groups, { minMargin: 0.1 })).toEqual([
      { prompt: 'p', chosen: 'b', rejected: 'a' },
    ]);
  });

  it('pairs sibling steps by Q with the shared prefix in the prompt', () => {
    const node = (
      id: number,
      parent: number,
      step: string | null,
      n: number,
      w: number,
      children: number[],
    ) => ({ id, parent, step, visitCount: n, valueSum: w, children }) as StepTreeNode;
    const nodes = [
      node(0, -1, null, 10, 5, [1, 2, 3]),
      node(1, 0, '1+2=3', 6, 5, [4, 5]),
      node(2, 0, '1*2=2', 3, 0, []),
      node(3, 0, '2-1=1', 0, 0, []),
      node(4, 1, '3*3=9', 4, 4, []),
      node(5, 1, '3+3=6', 2, 0.5, []),
    ];
    expect(stepPairsFromTree(nodes, { prompt: 'go\n' })).toEqual([
      { prompt: 'go\n', chosen: '1+2=3\n', rejected: '1*2=2\n' },
      { prompt: 'go\n1+2=3\n', chosen: '3*3=9\n', rejected: '3+3=6\n' },
    ]);
    expect(stepPairsFromTree(nodes, { prompt: 'go\n', minVisits: 3 })).toHaveLength(1);
    expect(stepPairsFromTree(nodes, { prompt: 'go\n', minValueGap: 0.8 })).toHaveLength(1);
  });

  it('round-trips TRL prompt/chosen/rejected JSONL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dpo-'));
    const path = join(dir, 'pairs.jsonl');
    const pairs = [{ prompt: '1>', chosen: '2', rejected: '3' }];
    await writePreferenceDataset(path, pairs);
    expect(await readPreferenceDataset(path)).toEqual(pairs);
    await writePreferenceDataset(path, [{ prompt: '1>', chosen: '2' } as never]);
    await expect(readPreferenceDataset(path)).rejects.toThrow(/rejected/);
    await rm(dir, { recursive: true });
  });
});

describe('dpoTrain', () => {
  it('raises the chosen completion above the rejected one relative to the reference', async () => {
    const model = createToyModel(2);
    const reference = createReferenceModel(model);
    const pairs = Array.from({ length: 10 }, (_, d) => ({
      prompt: toyPrompt(d),
      chosen: toyAnswer(d),
      rejected: String(d),
    }));
    const result = await dpoTrain(model, reference, toyTokenizer, pairs, {
      config: { epochs: 5, batchSize: 10, beta: 0.5, learningRate: 3e-3, minLearningRate: 3e-3 },
    });
    const first = result.history[0]!;
    const last = result.history.at(-1)!;
    expect(first.loss).toBeCloseTo(Math.log(2), 5); // policy == reference at the start
    expect(last.loss).toBeLessThan(0.5);
    expect(last.rewardAccuracy).toBe(1);
    expect(last.chosenReward).toBeGreaterThan(last.rejectedReward);
    model.dispose();
    reference.dispose();
  });
  it('rpoAlpha raises the chosen log-likelihood where plain DPO lowers both chosen and rejected', async () => {
    // Chosen and rejected share the first two tokens `d>` and differ in the last digit: plain DPO
    // widens the margin by pushing both down, what Pang et al. 2024 add the NLL term against.
    const pairs = Array.from({ length: 10 }, (_, d) => ({
      prompt: toyPrompt(d),
      chosen: `${d}>${toyAnswer(d)}`,
      rejected: `${d}>${d}`,
    }));
    const batch = preferenceBatch(toyTokenizer, pairs, { context: 8, appendEos: true });
    const meanLogps = (m: TinyGptModel): [number, number] => {
      const v = sequenceLogprobs(m, batch);
      const x = v.dataSync();
      v.dispose();
      const mean = (from: number) => Array.from(x.subarray(from, from + 10)).reduce((s, y) => s + y, 0) / 10;
      return [mean(0), mean(10)];
    };
    const train = async (rpoAlpha: number) => {
      const model = createToyModel(1);
      const reference = createReferenceModel(model);
      const [chosen0, rejected0] = meanLogps(model);
      const result = await dpoTrain(model, reference, toyTokenizer, pairs, {
        config: { epochs: 10, batchSize: 10, beta: 0.1, learningRate: 3e-3, minLearningRate: 3e-3, rpoAlpha },
      });
      const [chosen1, rejected1] = meanLogps(model);
      model.dispose();
      reference.dispose();
      return { chosen: chosen1 - chosen0, rejected: rejected1 - rejected0, history: result.history };
    };
    const dpo = await train(0);
    const rpo = await train(0.2);
    // Plain DPO (measured: chosen -0.43, rejected -2.73 nats): both fall, the rejected more.
    expect(dpo.chosen).toBeLessThan(-0.2);
    expect(dpo.rejected).toBeLessThan(-2);
    expect(dpo.history.at(-1)!.nll).toBeGreaterThan(dpo.history[0]!.nll);
    // RPO, α 0.2 (measured: chosen +2.78, rejected +2.27): the chosen completion gains likelihood,
    // the margin over the rejected one still widens, and the logged per-token NLL falls.
    expect(rpo.chosen).toBeGreaterThan(2);
    expect(rpo.chosen - rpo.rejected).toBeGreaterThan(0.3);
    expect(rpo.history[0]!.nll).toBeCloseTo(dpo.history[0]!.nll, 5);
    expect(rpo.history.at(-1)!.nll).toBeLessThan(rpo.history[0]!.nll - 0.5);
    // The logged loss is DPO + α NLL: log 2 + 0.2 NLL at the start, where policy == reference.
    expect(rpo.history[0]!.loss).toBeCloseTo(Math.log(2) + 0.2 * rpo.history[0]!.nll, 5);
  });
});

describe('Step-DPO', () => {
  it('trains on sibling steps of a tree that share the prefix, without EOS', async () => {
    const model = createToyModel(6);
    const reference = createReferenceModel(model);
    // One search tree per prompt: the correct next digit has Q 1, a wrong one Q 0.
    const pairs = Array.from({ length: 10 }, (_, d) =>
      stepPairsFromTree(
        [
          { id: 0, parent: -1, step: null, visitCount: 4, valueSum: 2, children: [1, 2] },
          { id: 1, parent: 0, step: String(d), visitCount: 2, valueSum: 0, children: [] },
          { id: 2, parent: 0, step: toyAnswer(d), visitCount: 2, valueSum: 2, children: [] },
        ],
        { prompt: toyPrompt(d), stepDelimiter: '>' },
      ),
    ).flat();
    expect(pairs[3]).toEqual({ prompt: '3>', chosen: '4>', rejected: '3>' });
    const batch = preferenceBatch(toyTokenizer, pairs.slice(0, 1), { context: 8, appendEos: false });
    expect(Array.from(batch.targets!.subarray(0, batch.T))).toEqual(toyTokenizer.encode('0>1>'));
    const result = await dpoTrain(model, reference, toyTokenizer, pairs, {
      config: {
        appendEos: false,
        epochs: 10,
        batchSize: 10,
        beta: 0.5,
        learningRate: 3e-3,
        minLearningRate: 3e-3,
      },
    });
    expect(result.history[0]!.loss).toBeCloseTo(Math.log(2), 5);
    expect(result.history.at(-1)!.loss).toBeLessThan(0.5);
    model.dispose();
    reference.dispose();
  });
});

describe('iterativeDpo', () => {
  it('learns the toy task after a brief SFT warm-up, rolling out through ONNX Runtime: sample reward rises by >= 0.3, greedy accuracy by >= 0.2', async () => {
    const model = createToyModel(1);
    // Brief SFT warm-up so that the policy samples correct answers now and then.
    const trainer = createTrainer(model, { learningRate: 1e-2, warmupSteps: 0, totalSteps: 100 });
    const warm = buildSftBatch(toyTokenizer, toyPairs());
    for (let i = 0; i < 4; i++) trainer.step(warm);
    const policy = await createToyPolicy(model);
    const before = await toyGreedyAccuracy(policy);
    const states = Array.from({ length: 10 }, (_, d) => ({
      problem: { id: `toy-${d}`, task: 'toy', question: toyPrompt(d), data: d },
      prompt: toyPrompt(d),
      steps: [],
    }));
    const rounds = await iterativeDpo({
      model,
      tokenizer: toyTokenizer,
      runtime: policy.runtime,
      numRounds: 8,
      maxPairsPerPrompt: 12,
      dpo: { beta: 1, epochs: 4, batchSize: 16, learningRate: 1e-2, minLearningRate: 1e-2 },
      generate: async (round) => {
        const samples = await policy.sampleCompletions(states, { n: 32, maxTokens: 1, seed: 100 + round });
        return samples.map((s, d) => ({
          prompt: toyPrompt(d),
          completions: s.map((x) => ({ text: x.text, correct: x.text === toyAnswer(d) })),
        }));
      },
    });
    const after = await toyGreedyAccuracy(policy);
    console.log(
      `iterativeDpo toy greedy accuracy ${before} -> ${after}; sample accuracy per round ${rounds.map((r) => r.sampleAccuracy.toFixed(2)).join(' ')}`,
    );
    expect(rounds.every((r) => r.syncTimeMs > 0 || r.dpo === null)).toBe(true);
    // Reward of the on-policy samples (the verifier's mean) and greedy accuracy both rise.
    expect(rounds.at(-1)!.sampleAccuracy - rounds[0]!.sampleAccuracy).toBeGreaterThanOrEqual(0.3);
    expect(after - before).toBeGreaterThanOrEqual(0.2);
    await policy.runtime.dispose();
    model.dispose();
  });

  it('async mode samples the next round before the update and still syncs every round', async () => {
    const model = createToyModel(3);
    const policy = await createToyPolicy(model);
    const states = Array.from({ length: 10 }, (_, d) => ({
      problem: { id: `toy-${d}`, task: 'toy', question: toyPrompt(d), data: d },
      prompt: toyPrompt(d),
      steps: [],
    }));
    const events: string[] = [];
    const rounds = await iterativeDpo({
      model,
      tokenizer: toyTokenizer,
      runtime: policy.runtime,
      numRounds: 3,
      async: true,
      dpo: { batchSize: 16 },
      generate: async (round) => {
        events.push(`sample ${round}`);
        const samples = await policy.sampleCompletions(states, { n: 16, maxTokens: 1, seed: round });
        return samples.map((s, d) => ({
          prompt: toyPrompt(d),
          completions: s.map((x) => ({ text: x.text, correct: x.text === toyAnswer(d) })),
        }));
      },
      onRound: (r) => events.push(`update ${r.round}`),
    });
    // Round r + 1 is requested before round r's update.
    expect(events).toEqual(['sample 0', 'sample 1', 'update 0', 'sample 2', 'update 1', 'update 2']);
    expect(rounds.filter((r) => r.dpo !== null).every((r) => r.syncTimeMs > 0)).toBe(true);
    await policy.runtime.dispose();
    model.dispose();
  });
});
