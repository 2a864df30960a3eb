import {
  assertInteger,
  ComputeMeter,
  createRng,
  O1labError,
  type Policy,
  type Rng,
  renderState,
  type Sample,
  type SampleOptions,
  type State,
} from '@o1lab/core';
import { flopsPerToken } from './config.js';
import type { GeneratedSequence, OrtRuntime, RunStats } from './ort-runtime.js';
import type { Tokenizer } from './tokenizer.js';

/** Options of an {@link OrtPolicy}. */
export interface OrtPolicyConfig {
  /** @default 'tinygpt-ort' */
  readonly name: string;
  /** Seeds the calls that pass no `seed` (one draw per call). @default 0 */
  readonly seed: number;
  /** Delimiter used to render states for `sampleCompletions` and `logprobs`. @default '\n' */
  readonly stepDelimiter: string;
}

export const defaultOrtPolicyConfig: OrtPolicyConfig = Object.freeze({
  name: 'tinygpt-ort',
  seed: 0,
  stepDelimiter: '\n',
});

/**
 * The core `Policy` over an {@link OrtRuntime}: a state is rendered with `renderState`, encoded
 * as BOS + text, and continued in one batched call per frontier. Each sample draws from its own
 * generator, split in (state, sample) order from the call's seed, so results do not depend on how
 * rows are batched. Every call adds to `meter`: one policy call, its samples, computed and cached
 * prefill tokens, generated tokens, FLOPs and the call's wall time.
 */
export class OrtPolicy implements Policy {
  readonly name: string;
  readonly meter = new ComputeMeter();
  readonly flopsPerToken: number | undefined;
  readonly config: OrtPolicyConfig;
  private readonly rng: Rng;

  constructor(
    readonly runtime: OrtRuntime,
    readonly tokenizer: Tokenizer,
    options: Partial<OrtPolicyConfig> = {},
  ) {
    const c = { ...defaultOrtPolicyConfig, ...options };
    assertInteger('seed', c.seed, { min: 0 }, 'OrtPolicyConfig');
    if (typeof c.stepDelimiter !== 'string' || c.stepDelimiter.length === 0) {
      throw new O1labError('INVALID_CONFIG', '`stepDelimiter` must be a non-empty string', {
        where: 'OrtPolicyConfig',
      });
    }
    this.config = Object.freeze(c);
    this.name = c.name;
    this.rng = createRng(c.seed);
    const model = runtime.modelConfig;
    this.flopsPerToken = model === undefined ? undefined : flopsPerToken(model);
  }

  async sampleSteps(
    states: readonly State[],
    options: SampleOptions & { readonly stepDelimiter: string },
  ): Promise<Sample[][]> {
    const stop = [options.stepDelimiter, ...(options.stop ?? [])];
    return this.sample(states, { ...options, stop }, options.stepDelimiter, 'OrtPolicy.sampleSteps');
  }

  async sampleCompletions(states: readonly State[], options: SampleOptions): Promise<Sample[][]> {
    return this.sample(states, options, this.config.stepDelimiter, 'OrtPolicy.sampleCompletions');
  }

  /** Per-token log-probabilities of `continuation` after `state` (model distribution, temperature 1). */
  async logprobs(state: State, continuation: string): Promise<readonly number[]> {
    const startMs = performance.now();
    const prompt = this.encodeState(state, this.config.stepDelimiter);
    const { logprobs, stats } = await this.runtime.logprobs([
      { prompt, continuation: this.tokenizer.encode(continuation) },
    ]);
    this.record(stats, 0, startMs);
    return logprobs[0]!;
  }

  /**
   * The token ids a call would prefill for `state`: BOS + the state rendered with `stepDelimiter`
   * (`sampleSteps` renders with its option's delimiter, the other calls with the config's).
   */
  promptTokens(state: State, stepDelimiter: string = this.config.stepDelimiter): number[] {
    return this.encodeState(state, stepDelimiter);
  }

  private async sample(
    states: readonly State[],
    options: SampleOptions,
    delimiter: string,
    where: string,
  ): Promise<Sample[][]> {
    const startMs = performance.now();
    const n = options.n ?? 1;
    assertInteger('n', n, { min: 1 }, where);
    assertInteger('maxTokens', options.maxTokens, { min: 1 }, where);
    const seed = options.seed ?? this.rng.nextUint32();
    assertInteger('seed', seed, { min: 0 }, where);
    const root = createRng(seed);
    const prompts: number[][] = [];
    const rngs: Rng[] = [];
    // A state that already fills the context cannot continue: it gets empty 'length' samples (the
    // searchers treat them as finished) instead of failing the whole batch.
    const limit = this.runtime.positionLimit();
    const full: boolean[] = [];
    for (const state of states) {
      const prompt = this.encodeState(state, delimiter);
      const isFull = prompt.length >= limit;
      full.push(isFull);
      for (let j = 0; j < n; j++) {
        const rng = root.split();
        if (isFull) continue;
        prompts.push(prompt);
        rngs.push(rng);
      }
    }
    const tokenizer = this.tokenizer;
    if (prompts.length === 0) {
      this.meter.add({ policyCalls: 1, wallTimeMs: performance.now() - startMs });
      return states.map(() => Array.from({ length: n }, () => ({ ...EMPTY_LENGTH_SAMPLE })));
    }
    const { sequences, stats } = await this.runtime.generate(prompts, {
      maxTokens: options.maxTokens,
      ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      ...(options.topK === undefined ? {} : { topK: options.topK }),
      ...(options.topP === undefined ? {} : { topP: options.topP }),
      rngs,
      stopTokenIds: [tokenizer.eosId],
      stopStrings: options.stop ?? [],
      tokenText: (id) =>
        id === tokenizer.eosId || id === tokenizer.padId || id === tokenizer.bosId
          ? ''
          : tokenizer.tokenText(id),
    });
    let at = 0;
    const samples = states.map((_, i) => {
      if (full[i]) return Array.from({ length: n }, () => ({ ...EMPTY_LENGTH_SAMPLE }));
      const row = sequences.slice(at, at + n).map(toSample);
      at += n;
      return row;
    });
    this.record(stats, prompts.length, startMs);
    return samples;
  }

  private encodeState(state: State, delimiter: string): number[] {
    return [this.tokenizer.bosId, ...this.tokenizer.encode(renderState(state, delimiter))];
  }

  // Wall time is the whole call's: encoding states and decoding samples are the policy's work, not
  // the caller's (a searcher's bookkeeping share is wall time outside its policy and reward calls).
  private record(stats: RunStats, samples: number, startMs: number): void {
    this.meter.add({
      policyCalls: 1,
      samples,
      prefillTokens: stats.prefillTokens,
      cachedPrefillTokens: stats.cachedPrefillTokens,
      generatedTokens: stats.generatedTokens,
      flops: stats.flops,
      wallTimeMs: performance.now() - startMs,
    });
  }
}

const EMPTY_LENGTH_SAMPLE: Sample = Object.freeze({
  text: '',
  tokenIds: Object.freeze([]) as readonly number[],
  tokenLogprobs: Object.freeze([]) as readonly number[],
  finishReason: 'length',
});

function toSample(seq: GeneratedSequence): Sample {
  const base = {
    text: seq.text,
    tokenIds: seq.tokenIds,
    tokenLogprobs: seq.tokenLogprobs,
    finishReason: seq.finishReason,
  };
  return seq.stop === undefined ? base : { ...base, stop: seq.stop };
}
