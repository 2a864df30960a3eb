import { assertInteger, assertNumber, type Rng } from '@o1lab/core';

/** How a token is drawn from one row of logits. */
export interface SamplingConfig {
  /** Divides the logits; 0 means greedy (argmax). @default 1 */
  readonly temperature: number;
  /** Keep only the k most likely tokens (0 = off). @default 0 */
  readonly topK: number;
  /** Nucleus: keep the smallest set of most likely tokens with this much mass (1 = off). @default 1 */
  readonly topP: number;
}

export const defaultSamplingConfig: SamplingConfig = Object.freeze({ temperature: 1, topK: 0, topP: 1 });

/** Validates sampling options, naming the option that is out of range. */
export function resolveSamplingConfig(
  options: Partial<SamplingConfig> = {},
  where = 'sampling',
): SamplingConfig {
  const c = {
    temperature: options.temperature ?? defaultSamplingConfig.temperature,
    topK: options.topK ?? defaultSamplingConfig.topK,
    topP: options.topP ?? defaultSamplingConfig.topP,
  };
  assertNumber('temperature', c.temperature, { min: 0 }, where);
  assertInteger('topK', c.topK, { min: 0 }, where);
  assertNumber('topP', c.topP, { gt: 0, max: 1 }, where);
  return Object.freeze(c);
}

/**
 * Draws tokens from rows of logits. Scratch arrays are sized once for the vocabulary, so drawing
 * allocates nothing. Every draw that is not greedy consumes exactly one `rng.nextFloat()`, which
 * keeps per-sample streams reproducible whatever the batch around them.
 */
export class TokenSampler {
  private readonly probs: Float64Array;
  private readonly order: Int32Array;

  constructor(readonly vocabSize: number) {
    this.probs = new Float64Array(vocabSize);
    this.order = new Int32Array(vocabSize);
  }

  /**
   * The sampled token of `logits[offset .. offset + V)`; `out.logprob` receives its log-probability
   * under the model (log-softmax of the raw logits, temperature 1, no truncation), which is what
   * `Policy.logprobs` returns for the same token.
   */
  sample(
    logits: Float32Array,
    offset: number,
    config: SamplingConfig,
    rng: Rng,
    out: { logprob: number },
  ): number {
    const V = this.vocabSize;
    let max = -Infinity;
    let argmax = 0;
    for (let i = 0; i < V; i++) {
      const x = logits[offset + i]!;
      if (x > max) {
        max = x;
        argmax = i;
      }
    }
    // probs holds exp(x - max): the temperature-1 weights, reused by draw() when temperature is 1.
    const probs = this.probs;
    let sum = 0;
    for (let i = 0; i < V; i++) {
      const p = Math.exp(logits[offset + i]! - max);
      probs[i] = p;
      sum += p;
    }
    const logZ = max + Math.log(sum);
    const token = config.temperature === 0 ? argmax : this.draw(logits, offset, max, sum, config, rng);
    out.logprob = logits[offset + token]! - logZ;
    return token;
  }

  private draw(
    logits: Float32Array,
    offset: number,
    max: number,
    sum: number,
    config: SamplingConfig,
    rng: Rng,
  ): number {
    const V = this.vocabSize;
    const probs = this.probs;
    let total = sum;
    if (config.temperature !== 1) {
      const invT = 1 / config.temperature;
      total = 0;
      for (let i = 0; i < V; i++) {
        const p = Math.exp((logits[offset + i]! - max) * invT);
        probs[i] = p;
        total += p;
      }
    }
    const truncate = (config.topK > 0 && config.topK < V) || config.topP < 1;
    if (!truncate) {
      let r = rng.nextFloat() * total;
      for (let i = 0; i < V; i++) {
        r -= probs[i]!;
        if (r < 0) return i;
      }
      return lastPositive(probs, V);
    }
    // Candidates sorted by probability, descending: the top k, or all of them for top-p alone.
    const k = config.topK > 0 ? Math.min(config.topK, V) : V;
    const n = this.topIndices(k);
    let kept = 0;
    for (let j = 0; j < n; j++) kept += probs[this.order[j]!]!;
    let cut = n;
    if (config.topP < 1) {
      const target = config.topP * kept;
      let mass = 0;
      for (let j = 0; j < n; j++) {
        mass += probs[this.order[j]!]!;
        if (mass >= target) {
          cut = j + 1;
          break;
        }
      }
      kept = mass;
    }
    let r = rng.nextFloat() * kept;
    for (let j = 0; j < cut; j++) {
      const id = this.order[j]!;
      r -= probs[id]!;
      if (r < 0) return id;
    }
    return this.order[cut - 1]!;
  }

  // The k most probable ids into order[0..k), descending (ties: lower id first).
  private topIndices(k: number): number {
    const V = this.vocabSize;
    const probs = this.probs;
    const order = this.order;
    if (k >= V) {
      for (let i = 0; i < V; i++) order[i] = i;
      const sorted = Array.from(order).sort((a, b) => probs[b]! - probs[a]! || a - b);
      for (let i = 0; i < V; i++) order[i] = sorted[i]!;
      return V;
    }
    // Insertion into a sorted window of size k: O(V k), cheap for the small k used in practice.
    let n = 0;
    for (let i = 0; i < V; i++) {
      const p = probs[i]!;
      if (n === k && p <= probs[order[k - 1]!]!) continue;
      let j = n < k ? n++ : k - 1;
      while (j > 0 && probs[order[j - 1]!]! < p) {
        order[j] = order[j - 1]!;
        j--;
      }
      order[j] = i;
    }
    return n;
  }
}

function lastPositive(probs: Float64Array, n: number): number {
  for (let i = n - 1; i >= 0; i--) if (probs[i]! > 0) return i;
  return n - 1;
}

/** Log-softmax of `logits[offset + token]` over `logits[offset .. offset + V)`. */
export function tokenLogprob(logits: Float32Array, offset: number, vocabSize: number, token: number): number {
  let max = -Infinity;
  for (let i = 0; i < vocabSize; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < vocabSize; i++) sum += Math.exp(logits[offset + i]! - max);
  return logits[offset + token]! - max - Math.log(sum);
}

/**
 * The earliest occurrence of any stop string in `text` that ends at or after `from` (the length of
 * the text before the last token was appended), or undefined.
 */
export function findStop(
  text: string,
  from: number,
  stops: readonly string[],
): { readonly index: number; readonly stop: string } | undefined {
  let best: { index: number; stop: string } | undefined;
  for (const stop of stops) {
    if (stop.length === 0) continue;
    const index = text.indexOf(stop, Math.max(0, from - stop.length + 1));
    if (index >= 0 && (best === undefined || index < best.index)) best = { index, stop };
  }
  return best;
}
