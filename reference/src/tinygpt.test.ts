import { describe, expect, it } from 'vitest';
import { geluTanh, logSoftmaxRef, type TinyGptRefConfig, tinyGptForwardRef } from './tinygpt.js';

const config: TinyGptRefConfig = {
  vocabSize: 7,
  nLayer: 2,
  nHead: 2,
  dModel: 8,
  dFF: 16,
  context: 12,
  tiedEmbeddings: true,
  valueHead: true,
  layerNormEps: 1e-5,
};

function shapes(c: TinyGptRefConfig): [string, number][] {
  const { vocabSize: V, dModel: D, dFF: F, context: C } = c;
  const out: [string, number][] = [
    ['wte', V * D],
    ['wpe', C * D],
  ];
  for (let l = 0; l < c.nLayer; l++) {
    out.push(
      [`h.${l}.ln1.g`, D],
      [`h.${l}.ln1.b`, D],
      [`h.${l}.attn.wqkv`, D * 3 * D],
      [`h.${l}.attn.bqkv`, 3 * D],
      [`h.${l}.attn.wo`, D * D],
      [`h.${l}.attn.bo`, D],
      [`h.${l}.ln2.g`, D],
      [`h.${l}.ln2.b`, D],
      [`h.${l}.mlp.w1`, D * F],
      [`h.${l}.mlp.b1`, F],
      [`h.${l}.mlp.w2`, F * D],
      [`h.${l}.mlp.b2`, D],
    );
  }
  out.push(['lnf.g', D], ['lnf.b', D], ['valueW', D], ['valueB', 1]);
  return out;
}

// A small deterministic generator (an LCG) keeps this package free of dependencies.
function randomWeights(c: TinyGptRefConfig, seed: number): Map<string, Float64Array> {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  return new Map(
    shapes(c).map(([name, size]) => {
      const w = new Float64Array(size);
      for (let i = 0; i < size; i++) w[i] = name.endsWith('.g') ? 1 + 0.2 * next() : 0.6 * next();
      return [name, w];
    }),
  );
}

describe('tinyGptForwardRef', () => {
  it('gives the same logits with a KV cache as without', () => {
    const weights = randomWeights(config, 3);
    const tokens = [1, 4, 2, 6, 0, 3];
    const full = tinyGptForwardRef(config, weights, tokens);
    const head = tinyGptForwardRef(config, weights, tokens.slice(0, 4));
    const tail = tinyGptForwardRef(config, weights, tokens.slice(4), { past: head.present });
    for (let t = 0; t < 2; t++) {
      for (let v = 0; v < config.vocabSize; v++) {
        expect(tail.logits[t]![v]).toBeCloseTo(full.logits[t + 4]![v]!, 12);
      }
      expect(tail.values![t]).toBeCloseTo(full.values![t + 4]!, 12);
    }
    expect(tail.present[1]!.key[0]!.length).toBe(6);
  });

  it('is causal: later tokens do not change earlier logits', () => {
    const weights = randomWeights(config, 5);
    const a = tinyGptForwardRef(config, weights, [1, 2, 3, 4]);
    const b = tinyGptForwardRef(config, weights, [1, 2, 5, 6]);
    expect(b.logits[1]).toEqual(a.logits[1]);
    expect(b.logits[2]).not.toEqual(a.logits[2]);
  });

  it('reduces to LN(wte[x] + wpe[p]) @ wte^T when every block adds zero', () => {
    const weights = randomWeights(config, 7);
    for (const [name, w] of weights) {
      if (name.startsWith('h.')) w.fill(name.endsWith('.g') ? 1 : 0);
    }
    const out = tinyGptForwardRef(config, weights, [3], { positionIds: [5] });
    const D = config.dModel;
    const wte = weights.get('wte')!;
    const wpe = weights.get('wpe')!;
    const x = Array.from({ length: D }, (_, d) => wte[3 * D + d]! + wpe[5 * D + d]!);
    const mean = x.reduce((s, v) => s + v, 0) / D;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / D;
    const g = weights.get('lnf.g')!;
    const b = weights.get('lnf.b')!;
    const f = x.map((v, d) => ((v - mean) / Math.sqrt(variance + 1e-5)) * g[d]! + b[d]!);
    for (let v = 0; v < config.vocabSize; v++) {
      let expected = 0;
      for (let d = 0; d < D; d++) expected += f[d]! * wte[v * D + d]!;
      expect(out.logits[0]![v]).toBeCloseTo(expected, 12);
    }
  });

  it('uses the tanh approximation of GELU', () => {
    expect(geluTanh(0)).toBe(0);
    expect(geluTanh(1)).toBeCloseTo(0.8411919906082768, 14);
    expect(geluTanh(-3)).toBeCloseTo(-0.0036373920817729, 14);
  });

  it('log softmax sums to one in probability', () => {
    const lp = logSoftmaxRef([1, 2, 3, 1000]);
    expect(lp.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 12);
    expect(lp[3]).toBeCloseTo(0, 12);
  });
});
