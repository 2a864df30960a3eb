import { createRng, O1labError } from '@o1lab/core';
import { type TinyGptConfig, weightShapes } from './config.js';

/** TinyGPT weights by name (see {@link weightShapes}), row-major float32. */
export type TinyGptWeights = ReadonlyMap<string, Float32Array>;

/**
 * Deterministic GPT-2 initialisation from `config.seed` (Radford et al. 2019): matrices and
 * embeddings ~ N(0, 0.02), residual output projections (attn.wo, mlp.w2) scaled by 1/sqrt(2 nLayer),
 * LayerNorm gains 1, biases 0. Drawn in `weightShapes` order from one Rng, so every platform gets
 * the same weights.
 */
export function initTinyGptWeights(config: TinyGptConfig): TinyGptWeights {
  const rng = createRng(config.seed);
  const residualStd = 0.02 / Math.sqrt(2 * config.nLayer);
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of weightShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(size);
    if (name.endsWith('.g')) w.fill(1);
    else if (shape.length === 2) {
      const std = name.endsWith('attn.wo') || name.endsWith('mlp.w2') ? residualStd : 0.02;
      for (let i = 0; i < size; i++) w[i] = rng.normal(0, std);
    }
    weights.set(name, w);
  }
  return weights;
}

/** Checks that `weights` has exactly the names and sizes `config` asks for. */
export function validateTinyGptWeights(config: TinyGptConfig, weights: TinyGptWeights, where: string): void {
  const expected = weightShapes(config);
  for (const [name, shape] of expected) {
    const w = weights.get(name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (w === undefined) {
      throw new O1labError('INVALID_INPUT', `missing weight '${name}' [${shape.join(', ')}]`, { where });
    }
    if (w.length !== size) {
      throw new O1labError(
        'INVALID_INPUT',
        `weight '${name}' has ${w.length} values, expected [${shape.join(', ')}] = ${size}`,
        {
          where,
        },
      );
    }
  }
  if (weights.size !== expected.length) {
    const known = new Set(expected.map(([n]) => n));
    const extra = [...weights.keys()].filter((n) => !known.has(n));
    throw new O1labError('INVALID_INPUT', `unexpected weights: ${extra.join(', ')}`, { where });
  }
}
