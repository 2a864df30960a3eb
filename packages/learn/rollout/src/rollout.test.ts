import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, initialState } from '@o1lab/core';
import {
  CharTokenizer,
  createTinyGptModel,
  greedyDecode,
  initTfBackend,
  type TinyGptModel,
} from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildRolloutBatch,
  completionRow,
  rowsToTokens,
  sequenceToTokens,
  sliceRolloutBatch,
} from './batch.js';
import { resolveRolloutConfig } from './config.js';
import { readRolloutsJsonl, writeRolloutsJsonl } from './jsonl.js';
import { klPenalty, policyForward, readPolicyForward } from './logprobs.js';
import { createPolicyOptimizer } from './optimizer.js';
import { RolloutQueue } from './queue.js';
import { collectRollouts, greedyPassAt1, type Rollout, verifierRewards } from './rollout.js';
import { maskedWhiten } from './stats.js';
import { createSampler, type Sampler, syncWeights } from './sync.js';
import { DIGIT_ECHO_ALPHABET, digitEchoProblems, digitEchoScore, digitEchoTask } from './toy-task.js';

const tokenizer = new CharTokenizer(DIGIT_ECHO_ALPHABET);
let model: TinyGptModel;
let sampler: Sampler;

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
  model = createTinyGptModel({
    vocabSize: tokenizer.vocabSize,
    nLayer: 1,
    nHead: 2,
    dModel: 16,
    context: 16,
    seed: 3,
  });
  sampler = await createSampler(model, tokenizer, { runtime: { intraOpNumThreads: 1 } });
});
afterAll(async () => {
  await sampler.runtime.dispose();
  model.dispose();
});

const states = digitEchoProblems(2)
  .slice(0, 3)
  .map((p) => initialState(digitEchoTask, p));

describe('collectRollouts and buildRolloutBatch', () => {
  it('groups G completions per prompt and lays completion tokens after the prompt', async () => {
    const config = resolveRolloutConfig({ numGenerations: 4, maxCompletionTokens: 5 });
    const rollouts = await collectRollouts(sampler.policy, tokenizer, states, config, { seed: 1 });
    expect(rollouts.map((r) => r.group)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(rollouts[0]!.promptIds).toEqual([tokenizer.bosId, ...tokenizer.encode('00=')]);
    const batch = buildRolloutBatch(rollouts, { context: 16 });
    expect(batch.T).toBe(Math.max(...rollouts.map((r) => r.promptIds.length + r.completionIds.length - 1)));
    rollouts.forEach((r, b) => {
      expect(batch.completionStart[b]).toBe(r.promptIds.length - 1);
      expect(completionRow(batch, batch.targets, b)).toEqual(r.completionIds);
      expect(completionRow(batch, batch.oldLogprobs, b)).toEqual(r.completionLogprobs.map(Math.fround));
    });
    const total = rollouts.reduce((n, r) => n + r.completionIds.length, 0);
    expect(batch.completionMask.reduce((a, b) => a + b, 0)).toBe(total);
    expect(
      sequenceToTokens(
        batch,
        rollouts.map((_, i) => i + 1),
      ).reduce((a, b) => a + b, 0),
    ).toBe(rollouts.reduce((n, r, i) => n + (i + 1) * r.completionIds.length, 0));
    const rows = rollouts.map((r) => r.completionIds.map((_, j) => j));
    expect(completionRow(batch, rowsToTokens(batch, rows), 5)).toEqual(rows[5]);
    const sub = sliceRolloutBatch(batch, [5, 0]);
    expect(completionRow(sub, sub.targets, 0)).toEqual(rollouts[5]!.completionIds);
  });

  it('tfjs log-probabilities of the sampled tokens equal ONNX Runtime sampling log-probabilities', async () => {
    const config = resolveRolloutConfig({ numGenerations: 3, maxCompletionTokens: 6 });
    const rollouts = await collectRollouts(sampler.policy, tokenizer, states, config, { seed: 2 });
    const batch = buildRolloutBatch(rollouts);
    const { logprobs } = readPolicyForward(model, batch);
    let worst = 0;
    for (let i = 0; i < logprobs.length; i++) {
      if (batch.completionMask[i] === 1)
        worst = Math.max(worst, Math.abs(logprobs[i]! - batch.oldLogprobs[i]!));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('rejects rows longer than the context, naming the rollout', () => {
    const r: Rollout = {
      state: states[0]!,
      group: 0,
      promptIds: [1, 3, 4],
      completionIds: [5, 6, 7],
      completionLogprobs: [-1, -1, -1],
      text: '',
      finishReason: 'length',
      policyVersion: 0,
    };
    expect(() => buildRolloutBatch([r, r], { context: 4 })).toThrow(/rollout 0 needs 5 positions/);
  });
});

describe('klPenalty', () => {
  it('k1, k2 and k3 match their closed forms and k3 is never negative', () => {
    const logp = [-0.5, -2, -1.2];
    const ref = [-1, -0.3, -1.2];
    const read = (k: 'k1' | 'k2' | 'k3') =>
      Array.from(tf.tidy(() => klPenalty(tf.tensor1d(logp), tf.tensor1d(ref), k)).dataSync());
    const r = logp.map((x, i) => x - ref[i]!);
    r.forEach((d, i) => {
      expect(read('k1')[i]).toBeCloseTo(d, 6);
      expect(read('k2')[i]).toBeCloseTo(d * d * 0.5, 6);
      expect(read('k3')[i]).toBeCloseTo(Math.exp(-d) - 1 + d, 6);
      expect(read('k3')[i]).toBeGreaterThanOrEqual(0);
    });
  });
});

describe('createPolicyOptimizer', () => {
  it('raises the log-probability of a chosen completion step after step', () => {
    const m = createTinyGptModel({
      vocabSize: tokenizer.vocabSize,
      nLayer: 1,
      nHead: 2,
      dModel: 16,
      context: 16,
      seed: 4,
    });
    const target = [...tokenizer.encode('42'), tokenizer.eosId];
    const rollout: Rollout = {
      state: states[0]!,
      group: 0,
      promptIds: [tokenizer.bosId, ...tokenizer.encode('42=')],
      completionIds: target,
      completionLogprobs: [0, 0, 0],
      text: '42',
      finishReason: 'eos',
      policyVersion: 0,
    };
    const batch = buildRolloutBatch([rollout]);
    const mask = tf.tensor2d(batch.completionMask, [1, batch.T]);
    const opt = createPolicyOptimizer(m, { learningRate: 1e-2, warmupSteps: 0, weightDecay: 0 });
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = opt.step(() => tf.neg(tf.sum(tf.mul(policyForward(m, batch).logprobs, mask))) as tf.Scalar);
      losses.push(r.loss);
      expect(r.gradNorm).toBeGreaterThan(0);
    }
    expect(opt.stepCount).toBe(5);
    expect(losses[4]!).toBeLessThan(losses[0]! * 0.7);
    mask.dispose();
    m.dispose();
  });
});

describe('syncWeights', () => {
  it('makes ONNX Runtime sample from the updated tfjs weights', async () => {
    const m = createTinyGptModel({
      vocabSize: tokenizer.vocabSize,
      nLayer: 1,
      nHead: 2,
      dModel: 16,
      context: 16,
      seed: 5,
    });
    const s = await createSampler(m, tokenizer, { runtime: { intraOpNumThreads: 1 } });
    const prompt = [tokenizer.bosId, ...tokenizer.encode('7=')];
    const before = (await s.runtime.logprobs([{ prompt, continuation: [3] }])).logprobs[0]![0]!;
    const rng = createRng(1);
    m.setWeights(new Map([...m.getWeights()].map(([k, w]) => [k, w.map((x) => x + rng.normal(0, 0.5))])));
    const stats = await syncWeights(m, s.runtime);
    expect(stats.totalMs).toBeGreaterThanOrEqual(stats.exportMs);
    const after = (await s.runtime.logprobs([{ prompt, continuation: [3] }])).logprobs[0]![0]!;
    const fresh = m.forward([[...prompt]]);
    const V = tokenizer.vocabSize;
    const row = fresh.logits.subarray((prompt.length - 1) * V, prompt.length * V);
    const max = Math.max(...row);
    const expected = row[3]! - max - Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
    expect(after).not.toBeCloseTo(before, 3);
    expect(after).toBeCloseTo(expected, 4);
    await s.runtime.dispose();
    m.dispose();
  });
});

describe('RolloutQueue', () => {
  it('bounds staleness by maxStaleness and reports it', async () => {
    for (const maxStaleness of [0, 1, 2]) {
      const started: number[] = [];
      const queue = new RolloutQueue(
        async (v) => {
          started.push(v);
          return v;
        },
        { maxStaleness },
      );
      const seen: number[] = [];
      for (let step = 0; step < 6; step++) {
        const batch = await queue.next();
        expect(batch.rollouts).toBe(batch.generatedAt);
        expect(batch.staleness).toBeLessThanOrEqual(maxStaleness);
        seen.push(batch.staleness);
        queue.markUpdated();
      }
      await queue.drain();
      const stats = queue.stats();
      expect(stats.batches).toBe(6);
      expect(stats.maxStaleness).toBe(maxStaleness);
      expect(seen.at(-1)).toBe(maxStaleness);
    }
  });
});

describe('maskedWhiten', () => {
  it('gives zero mean and unit (Bessel) variance over the mask and zero elsewhere', () => {
    const out = maskedWhiten([1, 2, 3, 100, 5], [1, 1, 1, 0, 1]);
    const kept = [out[0]!, out[1]!, out[2]!, out[4]!];
    const mean = kept.reduce((a, b) => a + b, 0) / 4;
    const variance = kept.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
    expect(mean).toBeCloseTo(0, 6);
    expect(variance).toBeCloseTo(1, 5);
    expect(out[3]).toBe(0);
  });
});

describe('digit echo task, rewards and JSONL', () => {
  it('verifies exact echoes, scores prefixes and round-trips TRL prompt/completion/reward records', async () => {
    const p = digitEchoTask.generate(createRng(3), { length: 3 });
    expect(p.data.digits).toMatch(/^\d{3}$/);
    expect(digitEchoTask.verify(p, p.data.digits).correct).toBe(true);
    expect(digitEchoTask.verify(p, `${p.data.digits}0`).correct).toBe(false);
    expect(digitEchoScore({ ...p, data: { digits: '123' } }, '129')).toBeCloseTo(2 / 3);
    const state = initialState(digitEchoTask, p);
    const base = {
      state,
      group: 0,
      promptIds: [1],
      completionIds: [3],
      completionLogprobs: [-1],
      finishReason: 'eos' as const,
      policyVersion: 0,
    };
    const rollouts: Rollout[] = [
      { ...base, text: p.data.digits },
      { ...base, text: 'x' },
    ];
    const rewards = verifierRewards(digitEchoTask, rollouts);
    expect(rewards).toEqual([1, 0]);
    const dir = await mkdtemp(join(tmpdir(), 'learn-rollout-'));
    await writeRolloutsJsonl(join(dir, 'r.jsonl'), rollouts, rewards);
    expect(await readRolloutsJsonl(join(dir, 'r.jsonl'))).toEqual([
      { prompt: `${p.data.digits}=`, completion: p.data.digits, reward: 1 },
      { prompt: `${p.data.digits}=`, completion: 'x', reward: 0 },
    ]);
    await writeFile(join(dir, 'bad.jsonl'), '{"prompt":"a","completion":"b"}\n');
    await expect(readRolloutsJsonl(join(dir, 'bad.jsonl'))).rejects.toThrow(
      /`reward` must be a finite number/,
    );
  });

  it('greedy pass@1 counts verified greedy completions', async () => {
    const problems = digitEchoProblems(1);
    const result = await greedyPassAt1(sampler.policy, digitEchoTask, problems, 3);
    const decoded = greedyDecode(
      model,
      problems.map((p) => [tokenizer.bosId, ...tokenizer.encode(digitEchoTask.prompt(p))]),
      { maxNewTokens: 3 },
    );
    const correct = decoded.filter(
      (ids, i) => digitEchoTask.verify(problems[i]!, tokenizer.decode(ids)).correct,
    );
    expect(result.n).toBe(10);
    expect(result.passAt1).toBe(correct.length / 10);
    expect(result.lo).toBeLessThanOrEqual(result.passAt1);
    expect(result.hi).toBeGreaterThanOrEqual(result.passAt1);
  });
});
