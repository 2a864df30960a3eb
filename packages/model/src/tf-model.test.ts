import { createRng } from '@o1lab/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTinyGptConfig, type TinyGptConfig, weightShapes } from './config.js';
import { initTfBackend } from './tf-backend.js';
import {
  attentionBias,
  createTinyGptModel,
  MASK_BIAS,
  positionIdsFromMask,
  type TinyGptModel,
} from './tf-model.js';
import { initTinyGptWeights, type TinyGptWeights } from './weights.js';

/** Scalar float64 forward pass written from the doc comment of config.ts, one row at a time. */
function scalarForward(
  c: TinyGptConfig,
  w: TinyGptWeights,
  ids: readonly number[],
  mask: readonly number[],
  positions: readonly number[],
): { logits: number[][]; values: number[] } {
  const { dModel: D, nHead: H, vocabSize: V, dFF: F } = c;
  const Dh = D / H;
  const T = ids.length;
  const get = (n: string) => w.get(n)!;
  const ln = (x: number[], g: Float32Array, b: Float32Array) => {
    const mu = x.reduce((s, v) => s + v, 0) / D;
    const varr = x.reduce((s, v) => s + (v - mu) ** 2, 0) / D;
    return x.map((v, i) => ((v - mu) / Math.sqrt(varr + c.layerNormEps)) * g[i]! + b[i]!);
  };
  const lin = (x: number[], W: Float32Array, b: Float32Array | undefined, nOut: number) => {
    const out = new Array<number>(nOut).fill(0);
    for (let o = 0; o < nOut; o++) {
      let s = b?.[o] ?? 0;
      for (let i = 0; i < x.length; i++) s += x[i]! * W[i * nOut + o]!;
      out[o] = s;
    }
    return out;
  };
  let h = ids.map((id, t) =>
    Array.from({ length: D }, (_, d) => get('wte')[id * D + d]! + get('wpe')[positions[t]! * D + d]!),
  );
  for (let l = 0; l < c.nLayer; l++) {
    const p = `h.${l}.`;
    const qkv = h.map((x) =>
      lin(ln(x, get(`${p}ln1.g`), get(`${p}ln1.b`)), get(`${p}attn.wqkv`), get(`${p}attn.bqkv`), 3 * D),
    );
    const merged = h.map(() => new Array<number>(D).fill(0));
    for (let hd = 0; hd < H; hd++) {
      for (let i = 0; i < T; i++) {
        const scores: number[] = [];
        for (let j = 0; j < T; j++) {
          let s = 0;
          for (let d = 0; d < Dh; d++) s += qkv[i]![hd * Dh + d]! * qkv[j]![D + hd * Dh + d]!;
          scores.push(j > i || mask[j] === 0 ? s / Math.sqrt(Dh) + MASK_BIAS : s / Math.sqrt(Dh));
        }
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < Dh; d++) {
          let s = 0;
          for (let j = 0; j < T; j++) s += (e[j]! / z) * qkv[j]![2 * D + hd * Dh + d]!;
          merged[i]![hd * Dh + d] = s;
        }
      }
    }
    h = h.map((x, t) => {
      const a = lin(merged[t]!, get(`${p}attn.wo`), get(`${p}attn.bo`), D);
      const r = x.map((v, i) => v + a[i]!);
      const m = lin(ln(r, get(`${p}ln2.g`), get(`${p}ln2.b`)), get(`${p}mlp.w1`), get(`${p}mlp.b1`), F).map(
        (u) => 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u ** 3))),
      );
      const o = lin(m, get(`${p}mlp.w2`), get(`${p}mlp.b2`), D);
      return r.map((v, i) => v + o[i]!);
    });
  }
  const f = h.map((x) => ln(x, get('lnf.g'), get('lnf.b')));
  const logits = f.map((x) => {
    if (!c.tiedEmbeddings) return lin(x, get('lmHead'), undefined, V);
    return Array.from({ length: V }, (_, v) => x.reduce((s, xi, d) => s + xi * get('wte')[v * D + d]!, 0));
  });
  const values = c.valueHead ? f.map((x) => lin(x, get('valueW'), get('valueB'), 1)[0]!) : [];
  return { logits, values };
}

/** Initial weights with every entry perturbed, so biases and gains are exercised too. */
function randomWeights(c: TinyGptConfig, seed: number): TinyGptWeights {
  const rng = createRng(seed);
  const w = initTinyGptWeights(c);
  const out = new Map<string, Float32Array>();
  for (const [name] of weightShapes(c)) {
    out.set(
      name,
      w.get(name)!.map((v) => v + rng.normal(0, 0.1)),
    );
  }
  return out;
}

describe('createTinyGptModel', () => {
  const config = resolveTinyGptConfig({
    vocabSize: 11,
    nLayer: 2,
    nHead: 2,
    dModel: 8,
    context: 8,
    tiedEmbeddings: false,
    valueHead: true,
  });
  const weights = randomWeights(config, 3);
  let model: TinyGptModel;
  beforeAll(async () => {
    await initTfBackend({ log: () => {} });
    model = createTinyGptModel(config, weights);
  });
  afterAll(() => model.dispose());

  it('matches a scalar float64 forward pass on a left-padded batch', () => {
    const rows = [
      [0, 0, 1, 5, 7, 3],
      [1, 4, 9, 10, 2, 6],
    ];
    const mask = [
      [0, 0, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 1],
    ];
    const out = model.forward(rows, { attentionMask: mask });
    const positions = positionIdsFromMask(mask.flat(), 2, 6);
    expect(Array.from(positions)).toEqual([1, 1, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5]);
    for (let b = 0; b < 2; b++) {
      const ref = scalarForward(
        config,
        weights,
        rows[b]!,
        mask[b]!,
        Array.from(positions.subarray(b * 6, b * 6 + 6)),
      );
      for (let t = 0; t < 6; t++) {
        if (mask[b]![t] === 0) continue;
        for (let v = 0; v < config.vocabSize; v++) {
          expect(out.logits[(b * 6 + t) * config.vocabSize + v]).toBeCloseTo(ref.logits[t]![v]!, 4);
        }
        expect(out.values![b * 6 + t]).toBeCloseTo(ref.values[t]!, 4);
      }
    }
  });

  it('ties the output projection to the token embedding', () => {
    const tied = resolveTinyGptConfig({ vocabSize: 7, nLayer: 1, nHead: 1, dModel: 4, context: 4 });
    const w = randomWeights(tied, 5);
    const m = createTinyGptModel(tied, w);
    const out = m.forward([[1, 2, 3]]);
    const ref = scalarForward(tied, w, [1, 2, 3], [1, 1, 1], [0, 1, 2]);
    expect(out.values).toBeUndefined();
    for (let t = 0; t < 3; t++) {
      for (let v = 0; v < 7; v++) expect(out.logits[t * 7 + v]).toBeCloseTo(ref.logits[t]![v]!, 4);
    }
    m.dispose();
  });

  it('gives a real token the same logits whatever padding precedes it', () => {
    const single = model.forward([[5, 7, 3]]);
    const padded = model.forward([[0, 0, 5, 7, 3]], { attentionMask: [[0, 0, 1, 1, 1]] });
    const V = config.vocabSize;
    for (let i = 0; i < 3 * V; i++) expect(padded.logits[2 * V + i]).toBeCloseTo(single.logits[i]!, 5);
  });

  it('returns the weights it was built from, and takes new ones', () => {
    const got = model.getWeights();
    for (const [name, w] of weights) expect(got.get(name)).toEqual(w);
    const m = createTinyGptModel(config);
    m.setWeights(weights);
    expect(m.forward([[3, 4]]).logits).toEqual(model.forward([[3, 4]]).logits);
    m.dispose();
  });

  it('rejects ids, positions and lengths outside the config', () => {
    expect(() => model.forward([[11]])).toThrow(/token id 11/);
    expect(() => model.forward([[1, 2]], { positionIds: [[0, 8]] })).toThrow(/position id 8/);
    expect(() => model.forward([Array.from({ length: 9 }, () => 1)])).toThrow(/context \(8\)/);
    expect(() => model.forward([[1, 2], [3]])).toThrow(/row 1 has 1 entries/);
    expect(() => model.forward(Int32Array.from([1, 2, 3]), { batchSize: 2 })).toThrow(/batchSize/);
  });

  it('has gradients that match central finite differences for every weight', () => {
    // Loss L = sum(logits * R) + sum(values * S) for fixed random R, S, on a left-padded batch.
    const rows = [
      [0, 3, 5, 7],
      [1, 4, 9, 2],
    ];
    const mask = [
      [0, 1, 1, 1],
      [1, 1, 1, 1],
    ];
    const rng = createRng(11);
    const R = Float32Array.from({ length: 2 * 4 * config.vocabSize }, () => rng.normal());
    const S = Float32Array.from({ length: 2 * 4 }, () => rng.normal());
    const lossOf = (w: TinyGptWeights): number => {
      model.setWeights(w);
      const out = model.forward(rows, { attentionMask: mask });
      let l = 0;
      for (let i = 0; i < R.length; i++) l += out.logits[i]! * R[i]!;
      for (let i = 0; i < S.length; i++) l += out.values![i]! * S[i]!;
      return l;
    };
    model.setWeights(weights);
    const flatMask = mask.flat();
    const grads = tf.tidy(() => {
      const { grads: g } = tf.variableGrads(() => {
        const out = model.apply({
          inputIds: tf.tensor2d(rows.flat(), [2, 4], 'int32'),
          positionIds: tf.tensor2d(positionIdsFromMask(flatMask, 2, 4), [2, 4], 'int32'),
          maskBias: tf.tensor4d(attentionBias(flatMask, 2, 4, 0), [2, 1, 4, 4]),
        });
        return tf.add(
          tf.sum(tf.mul(out.logits, tf.tensor3d(R, [2, 4, config.vocabSize]))),
          tf.sum(tf.mul(out.values!, tf.tensor2d(S, [2, 4]))),
        ) as tf.Scalar;
      });
      return g;
    });
    const byName = new Map([...model.variables].map(([name, v]) => [name, grads[v.name]!.dataSync()]));
    tf.dispose(Object.values(grads));
    const h = 1e-2;
    for (const [name] of weightShapes(config)) {
      const g = byName.get(name)!;
      for (const i of [0, Math.floor(g.length / 2), g.length - 1]) {
        const plus = new Map(weights);
        const minus = new Map(weights);
        plus.set(
          name,
          weights.get(name)!.map((x, j) => (j === i ? x + h : x)),
        );
        minus.set(
          name,
          weights.get(name)!.map((x, j) => (j === i ? x - h : x)),
        );
        const numeric = (lossOf(plus) - lossOf(minus)) / (2 * h);
        expect(Math.abs(g[i]! - numeric), `${name}[${i}]: ${g[i]} vs ${numeric}`).toBeLessThan(
          2e-2 * Math.max(1, Math.abs(numeric)),
        );
      }
    }
    model.setWeights(weights);
  });

  it('builds a causal and padding bias over cached keys', () => {
    // One query after two cached keys, the first of which is padding.
    expect(Array.from(attentionBias([0, 1, 1], 1, 1, 2))).toEqual([MASK_BIAS, 0, 0]);
    expect(Array.from(attentionBias([1, 1], 1, 2, 0))).toEqual([0, MASK_BIAS, 0, 0]);
  });
});
