import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSftBatch, type TrainBatch } from './batch.js';
import { resolveTinyGptConfig, type TinyGptConfig } from './config.js';
import { initTfBackend } from './tf-backend.js';
import { attentionBias, createTinyGptModel, positionIdsFromMask } from './tf-model.js';
import { CharTokenizer } from './tokenizer.js';
import { defaultTrainConfig, learningRateAt, resolveTrainConfig } from './train-config.js';
import { createTrainer } from './trainer.js';

const tiny: TinyGptConfig = resolveTinyGptConfig({
  vocabSize: 16,
  nLayer: 1,
  nHead: 2,
  dModel: 8,
  context: 8,
});
const tokenizer = new CharTokenizer('0123456789+=');

function sftBatch(): TrainBatch {
  return buildSftBatch(tokenizer, [
    { prompt: '1+2=', completion: '3' },
    { prompt: '4+4=', completion: '8' },
    { prompt: '2+7=', completion: '9' },
    { prompt: '9+0=', completion: '9' },
  ]);
}

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

describe('resolveTrainConfig', () => {
  it('fills defaults and names the option that is wrong', () => {
    expect(resolveTrainConfig()).toEqual(defaultTrainConfig);
    expect(() => resolveTrainConfig({ beta2: 1 })).toThrow(/`beta2` must be < 1/);
    expect(() => resolveTrainConfig({ gradAccumulation: 0 })).toThrow(/`gradAccumulation` must be >= 1/);
    expect(() => resolveTrainConfig({ batchSize: 30, gradAccumulation: 4 })).toThrow(/`batchSize` \(30\)/);
    expect(() => resolveTrainConfig({ minLearningRate: 1 })).toThrow(/`minLearningRate`/);
    expect(() => resolveTrainConfig({ learnRate: 1 } as never)).toThrow(/unknown option `learnRate`/);
  });
});

describe('learningRateAt', () => {
  it('warms up linearly, then follows a cosine down to minLearningRate', () => {
    const c = resolveTrainConfig({ learningRate: 1, minLearningRate: 0.1, warmupSteps: 10, totalSteps: 110 });
    expect(learningRateAt(c, 0)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(c, 9)).toBeCloseTo(1, 12);
    expect(learningRateAt(c, 10)).toBeCloseTo(1, 12);
    expect(learningRateAt(c, 60)).toBeCloseTo(0.55, 12);
    expect(learningRateAt(c, 110)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(c, 500)).toBeCloseTo(0.1, 12);
  });
});

describe('buildSftBatch', () => {
  it('trains on completion tokens and EOS only, right-padded', () => {
    const b = buildSftBatch(tokenizer, [
      { prompt: '1+2=', completion: '3' },
      { prompt: '10+2=', completion: '12' },
    ]);
    expect(b.T).toBe(8);
    const enc = (s: string) => tokenizer.encode(s);
    expect(Array.from(b.inputIds.subarray(0, 8))).toEqual([1, ...enc('1+2=3'), 0, 0]);
    expect(Array.from(b.targets!.subarray(0, 8))).toEqual([...enc('1+2=3'), 2, 0, 0]);
    expect(Array.from(b.lossMask!.subarray(0, 8))).toEqual([0, 0, 0, 0, 1, 1, 0, 0]);
    expect(Array.from(b.lossMask!.subarray(8))).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(b.attentionMask!.subarray(0, 8))).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(() => buildSftBatch(tokenizer, [{ prompt: '1+2=', completion: '3' }], { context: 4 })).toThrow(
      /pair 0 needs 6 positions, more than context 4/,
    );
  });
});

describe('createTrainer', () => {
  it('reports the masked mean cross-entropy of the logits', () => {
    const model = createTinyGptModel(tiny);
    const trainer = createTrainer(model);
    const batch = sftBatch();
    const out = model.forward(batch.inputIds, { batchSize: batch.B, attentionMask: batch.attentionMask! });
    let nll = 0;
    let n = 0;
    const V = tiny.vocabSize;
    for (let i = 0; i < batch.B * batch.T; i++) {
      if (batch.lossMask![i] === 0) continue;
      const row = out.logits.subarray(i * V, (i + 1) * V);
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((s, x) => s + Math.exp(x - mx), 0));
      nll += lse - row[batch.targets![i]!]!;
      n++;
    }
    expect(trainer.evaluate(batch).lmLoss).toBeCloseTo(nll / n, 5);
    // A target under a zero loss mask does not count.
    const changed = {
      ...batch,
      targets: Int32Array.from(batch.targets!, (t, i) => (batch.lossMask![i] ? t : 5)),
    };
    expect(trainer.evaluate(changed).lmLoss).toBeCloseTo(nll / n, 6);
    model.dispose();
  });

  it('decays weight matrices but not biases, LayerNorm or embeddings', () => {
    const base = { learningRate: 0.01, minLearningRate: 0, warmupSteps: 0, gradClipNorm: 0 };
    const a = createTinyGptModel(tiny);
    const b = createTinyGptModel(tiny);
    const w0 = a.getWeights();
    createTrainer(a, { ...base, weightDecay: 0 }).step(sftBatch());
    createTrainer(b, { ...base, weightDecay: 0.5 }).step(sftBatch());
    const wa = a.getWeights();
    const wb = b.getWeights();
    const lr = learningRateAt(resolveTrainConfig(base), 0);
    for (const [name, p0] of w0) {
      const decayed =
        name.endsWith('wqkv') || name.endsWith('wo') || name.endsWith('w1') || name.endsWith('w2');
      for (let i = 0; i < p0.length; i += 7) {
        const expected = decayed ? -lr * 0.5 * p0[i]! : 0;
        expect(wb.get(name)![i]! - wa.get(name)![i]!).toBeCloseTo(expected, 6);
      }
    }
    a.dispose();
    b.dispose();
  });

  it('takes the same step with gradient accumulation as on the whole batch', () => {
    const a = createTinyGptModel(tiny);
    const b = createTinyGptModel(tiny);
    const ta = createTrainer(a, { warmupSteps: 0, batchSize: 4 });
    const tb = createTrainer(b, { warmupSteps: 0, batchSize: 4, gradAccumulation: 2 });
    for (let s = 0; s < 3; s++) {
      const ra = ta.step(sftBatch());
      const rb = tb.step(sftBatch());
      expect(rb.loss).toBeCloseTo(ra.loss, 5);
      expect(rb.gradNorm).toBeCloseTo(ra.gradNorm, 4);
    }
    const wa = a.getWeights();
    for (const [name, w] of b.getWeights()) {
      for (let i = 0; i < w.length; i++) expect(w[i]).toBeCloseTo(wa.get(name)![i]!, 4);
    }
    a.dispose();
    b.dispose();
  });

  it('clips the global gradient norm', () => {
    const a = createTinyGptModel(tiny);
    const b = createTinyGptModel(tiny);
    const w0 = a.getWeights();
    const base = { warmupSteps: 0, weightDecay: 0, beta1: 0, beta2: 0 };
    // With beta1 = beta2 = 0 Adam's step is g / (|g| + eps): scaling g barely matters unless
    // |g| nears eps, so compare the second moment read back from the state instead.
    const ra = createTrainer(a, { ...base, gradClipNorm: 0 });
    const rb = createTrainer(b, { ...base, gradClipNorm: 1e-3 });
    const normA = ra.step(sftBatch()).gradNorm;
    rb.step(sftBatch());
    const va = ra.getState().moments.get('wte')!.v;
    const vb = rb.getState().moments.get('wte')!.v;
    const scale = (1e-3 / normA) ** 2;
    for (let i = 0; i < va.length; i += 5) expect(vb[i]!).toBeCloseTo(va[i]! * scale, 10);
    expect(w0.size).toBe(a.getWeights().size);
    a.dispose();
    b.dispose();
  });

  it('drives the loss of a small batch towards zero', () => {
    const model = createTinyGptModel(tiny);
    const trainer = createTrainer(model, { learningRate: 1e-2, warmupSteps: 5, totalSteps: 150 });
    const first = trainer.step(sftBatch()).loss;
    let last = first;
    for (let s = 0; s < 150; s++) last = trainer.step(sftBatch()).loss;
    expect(first).toBeGreaterThan(1.5);
    expect(last).toBeLessThan(0.1);
    expect(trainer.stepCount).toBe(151);
    model.dispose();
  });

  it('fits a value head with MSE and with BCE', () => {
    const config = { ...tiny, valueHead: true };
    for (const valueLoss of ['mse', 'bce'] as const) {
      const model = createTinyGptModel(config);
      const trainer = createTrainer(model, { valueLoss, lmLossCoef: 0, learningRate: 1e-2, warmupSteps: 0 });
      const b = sftBatch();
      // Label each row by whether its answer digit is odd, at the position of that digit.
      const valueTargets = new Float32Array(b.B * b.T);
      const valueMask = new Float32Array(b.B * b.T);
      for (let r = 0; r < b.B; r++) {
        const i = r * b.T + 5;
        valueMask[i] = 1;
        valueTargets[i] = Number(tokenizer.decode([b.inputIds[i]!])) % 2;
      }
      const batch = { ...b, valueTargets, valueMask };
      const first = trainer.step(batch);
      let last = first;
      for (let s = 0; s < 100; s++) last = trainer.step(batch);
      expect(first.loss).toBe(first.valueLoss);
      expect(last.valueLoss!).toBeLessThan(valueLoss === 'mse' ? 0.01 : 0.1);
      expect(last.valueLoss!).toBeLessThan(first.valueLoss! / 4);
      model.dispose();
    }
  });

  it('resumes from its state exactly', () => {
    const a = createTinyGptModel(tiny);
    const ta = createTrainer(a, { warmupSteps: 2, seed: 9 });
    for (let s = 0; s < 4; s++) ta.step(sftBatch());

    const b = createTinyGptModel(tiny);
    const tb = createTrainer(b, { warmupSteps: 2, seed: 9 });
    tb.step(sftBatch());
    tb.step(sftBatch());
    tb.rng.nextUint32();
    const state = tb.getState();
    const c = createTinyGptModel(tiny, b.getWeights());
    const tc = createTrainer(c, { warmupSteps: 2, seed: 1 });
    tc.setState(state);
    expect(tc.rng.nextUint32()).toBe(tb.rng.nextUint32());
    tc.step(sftBatch());
    tc.step(sftBatch());
    expect(tc.stepCount).toBe(4);
    expect(c.getWeights()).toEqual(a.getWeights());
    for (const m of [a, b, c]) m.dispose();
  });

  it('keeps tensor count and memory flat over 1000 steps', () => {
    const model = createTinyGptModel({ vocabSize: 16, nLayer: 1, nHead: 1, dModel: 4, context: 8 });
    const trainer = createTrainer(model, { gradAccumulation: 2, batchSize: 4 });
    const batch = sftBatch();
    for (let s = 0; s < 10; s++) trainer.step(batch);
    const before = tf.memory();
    for (let s = 0; s < 990; s++) trainer.step(batch);
    trainer.evaluate(batch);
    model.forward([[1, 2, 3]]);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    trainer.dispose();
    model.dispose();
    // The model's weights were the only tensors it held.
    expect(tf.memory().numTensors).toBe(before.numTensors - model.variables.size);
  });

  it('rejects batches that do not fit the model', () => {
    const model = createTinyGptModel(tiny);
    const trainer = createTrainer(model);
    const b = sftBatch();
    expect(() => trainer.step({ ...b, targets: undefined } as TrainBatch)).toThrow(/no `targets`/);
    expect(() => trainer.step({ ...b, valueTargets: new Float32Array(b.B * b.T) })).toThrow(/no value head/);
    expect(() => trainer.step({ ...b, lossMask: new Float32Array(3) })).toThrow(/`lossMask` has 3 entries/);
    expect(() => createTrainer(model, { gradAccumulation: 3, batchSize: 3 }).step(b)).toThrow(
      /gradAccumulation/,
    );
    const withValue = createTinyGptModel({ ...tiny, valueHead: true });
    const valueTrainer = createTrainer(withValue, { lmLossCoef: 0 });
    const valueTargets = new Float32Array(b.B * b.T).fill(Number.POSITIVE_INFINITY);
    const weights = withValue.getWeights();
    expect(() => valueTrainer.step({ ...b, valueTargets })).toThrow(/gradient norm is (NaN|Infinity)/);
    expect(withValue.getWeights()).toEqual(weights);
    withValue.dispose();
    model.dispose();
  });
});

describe('Trainer.stepWithLoss', () => {
  it('takes the same AdamW step as Trainer.step for the same loss', async () => {
    await initTfBackend();
    const config = resolveTinyGptConfig({
      vocabSize: 16,
      nLayer: 1,
      nHead: 2,
      dModel: 16,
      context: 12,
      seed: 3,
    });
    const batch = buildSftBatch(tokenizer, [
      { prompt: '12', completion: '34' },
      { prompt: '56', completion: '78' },
    ]);
    const a = createTinyGptModel(config);
    const b = createTinyGptModel(config);
    const ta = createTrainer(a, { learningRate: 1e-2, warmupSteps: 0, totalSteps: 10, seed: 1 });
    const tb = createTrainer(b, { learningRate: 1e-2, warmupSteps: 0, totalSteps: 10, seed: 1 });
    const ref = ta.step(batch);
    // The same masked next-token cross-entropy, written as a custom loss.
    const custom = tb.stepWithLoss((model) => {
      const { B, T } = batch;
      const mask = batch.attentionMask ?? new Int32Array(B * T).fill(1);
      const { logits } = model.apply({
        inputIds: tf.tensor2d(batch.inputIds, [B, T], 'int32'),
        positionIds: tf.tensor2d(positionIdsFromMask(mask, B, T), [B, T], 'int32'),
        maskBias: tf.tensor4d(attentionBias(mask, B, T, 0), [B, 1, T, T]),
      });
      const logp = tf.logSoftmax(logits.reshape([B * T, config.vocabSize]));
      const onehot = tf.cast(tf.oneHot(tf.tensor1d(batch.targets!, 'int32'), config.vocabSize), 'float32');
      const lossMask = tf.tensor1d(batch.lossMask!);
      const nll = tf.neg(tf.sum(tf.mul(logp, onehot), -1));
      const loss = tf.div(tf.sum(tf.mul(nll, lossMask)), tf.sum(lossMask)) as tf.Scalar;
      return { loss, metrics: { tokens: tf.sum(lossMask) as tf.Scalar } };
    });
    expect(custom.loss).toBeCloseTo(ref.loss, 5);
    expect(custom.gradNorm).toBeCloseTo(ref.gradNorm, 4);
    expect(custom.metrics.tokens).toBe(ref.numTokens);
    const wa = a.getWeights();
    const wb = b.getWeights();
    for (const [name, w] of wa) {
      const v = wb.get(name)!;
      for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - v[i]!)).toBeLessThan(1e-5);
    }
    a.dispose();
    b.dispose();
  });
});
