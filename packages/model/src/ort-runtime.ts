import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { assertBoolean, assertInteger, assertNumber, assertOneOf, O1labError, type Rng } from '@o1lab/core';
import * as ort from 'onnxruntime-node';
import { flopsPerToken, type TinyGptConfig, weightShapes } from './config.js';
import { exportTinyGptDecodeOnnx, exportTinyGptOnnx } from './onnx-export.js';
import { decodeOnnxModel } from './onnx-proto.js';
import { PrefixCache, type PrefixCacheStats, type PrefixMatch } from './prefix-cache.js';
import {
  findStop,
  resolveSamplingConfig,
  type SamplingConfig,
  TokenSampler,
  tokenLogprob,
} from './sampling.js';
import type { TinyGptWeights } from './weights.js';

/** Where ONNX Runtime runs the graph. */
export type ExecutionProviderName = 'cpu' | 'cuda';

/** Options of an {@link OrtRuntime}. */
export interface OrtRuntimeConfig {
  /**
   * `'cuda'` runs on the CUDA execution provider when this onnxruntime-node install has it and
   * falls back to CPU with a printed line otherwise. The provider used is in every result.
   * @default 'cpu'
   */
  readonly executionProvider: ExecutionProviderName;
  /** ONNX Runtime intra-op threads of the main (prefill, Optimum) session; 0 means one per core. @default 0 */
  readonly intraOpNumThreads: number;
  /**
   * Intra-op threads of the fast decode session; 0 means one per core. Its kernels are small (one
   * token per row): on the 2-core machine one thread decoded faster than two at batch 1, 8 and 64
   * (5.3k vs 3.6k, 20k vs 17k, 26k vs 18k tokens/s). @default 1
   */
  readonly decodeIntraOpNumThreads: number;
  /**
   * Let idle intra-op threads spin between kernels. Off by default: a decode step is ~70 small
   * kernels with JS work between steps, and on a shared or busy machine spinning threads take the
   * cores that the other thread and the JS need (measured 2-3x slower decode at batch 64 on 2 cores).
   * @default false
   */
  readonly allowSpinning: boolean;
  /** @default 'all' */
  readonly graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  /** Sequences per session run; larger calls are split. @default 64 */
  readonly maxBatchSize: number;
  /** Byte bound of the prefix cache (0 turns it off). @default 67108864 (64 MiB) */
  readonly prefixCacheBytes: number;
  /** Also cache the keys and values of generated tokens, so a child state finds its parent's. @default true */
  readonly cacheGenerated: boolean;
  /**
   * Decode TinyGPT models with a second graph that reads a cache the runtime owns and returns only
   * the new token's keys and values (see `exportTinyGptDecodeOnnx`), instead of the Optimum graph
   * that copies the whole cache into `present` every step. Needs the TinyGPT config and weights
   * (`fromWeights`, or `model` with an ONNX file whose initializers hold them); other models always
   * use the Optimum graph. @default true
   */
  readonly fastDecode: boolean;
  /** Position limit; 0 takes the model's (TinyGPT `context`, else unlimited). @default 0 */
  readonly maxPositions: number;
  /** Token id fed at padded and finished positions. @default 0 */
  readonly padTokenId: number;
}

export const defaultOrtRuntimeConfig: OrtRuntimeConfig = Object.freeze({
  executionProvider: 'cpu',
  intraOpNumThreads: 0,
  decodeIntraOpNumThreads: 1,
  allowSpinning: false,
  graphOptimizationLevel: 'all',
  maxBatchSize: 64,
  prefixCacheBytes: 64 * 1024 * 1024,
  cacheGenerated: true,
  fastDecode: true,
  maxPositions: 0,
  padTokenId: 0,
});

/** Validates runtime options, naming the option at fault. */
export function resolveOrtRuntimeConfig(options: Partial<OrtRuntimeConfig> = {}): OrtRuntimeConfig {
  const c = { ...defaultOrtRuntimeConfig, ...options };
  const where = 'OrtRuntimeConfig';
  assertOneOf('executionProvider', c.executionProvider, ['cpu', 'cuda'], where);
  assertInteger('intraOpNumThreads', c.intraOpNumThreads, { min: 0 }, where);
  assertInteger('decodeIntraOpNumThreads', c.decodeIntraOpNumThreads, { min: 0 }, where);
  assertBoolean('allowSpinning', c.allowSpinning, where);
  assertOneOf(
    'graphOptimizationLevel',
    c.graphOptimizationLevel,
    ['disabled', 'basic', 'extended', 'all'],
    where,
  );
  assertInteger('maxBatchSize', c.maxBatchSize, { min: 1 }, where);
  assertNumber('prefixCacheBytes', c.prefixCacheBytes, { min: 0 }, where);
  assertBoolean('fastDecode', c.fastDecode, where);
  assertInteger('maxPositions', c.maxPositions, { min: 0 }, where);
  assertInteger('padTokenId', c.padTokenId, { min: 0 }, where);
  return Object.freeze(c);
}

/** What the runtime read from the session's input and output metadata. */
export interface DecoderInfo {
  readonly numLayers: number;
  /** Key/value heads (fewer than query heads in grouped-query models). */
  readonly numHeads: number;
  readonly headDim: number;
  /** From the `logits` output shape, or from the first run when that dimension is symbolic. */
  readonly vocabSize: number | undefined;
  readonly hasPositionIds: boolean;
  readonly hasValues: boolean;
  /** Merged Optimum decoders take a `use_cache_branch` flag. */
  readonly hasUseCacheBranch: boolean;
}

/** What one runtime call spent. */
export interface RunStats {
  readonly executionProvider: ExecutionProviderName;
  /** Prompt tokens whose keys and values were computed. */
  readonly prefillTokens: number;
  /** Prompt tokens served from the prefix cache. */
  readonly cachedPrefillTokens: number;
  readonly generatedTokens: number;
  /** Forward FLOPs of the real (unpadded) tokens; 0 when the model's config is not known. */
  readonly flops: number;
  readonly sessionRuns: number;
  readonly wallTimeMs: number;
}

/** Options of {@link OrtRuntime.generate}. */
export interface GenerateOptions extends Partial<SamplingConfig> {
  readonly maxTokens: number;
  /** One generator per prompt row; each row draws only from its own. */
  readonly rngs: readonly Rng[];
  /** Tokens that end a row (end of sequence). */
  readonly stopTokenIds?: readonly number[];
  /** Strings that end a row; matched on the text of the generated tokens. */
  readonly stopStrings?: readonly string[];
  /** Text of a token, for `stopStrings` and `text`. */
  readonly tokenText?: (id: number) => string;
}

/** One generated row. */
export interface GeneratedSequence {
  /** Every sampled token, including a final end-of-sequence token or the tokens of a stop string. */
  readonly tokenIds: number[];
  /** Log-probability of each token under the model (raw logits, temperature 1). */
  readonly tokenLogprobs: number[];
  /** Text of the tokens up to (without) the stop string or end-of-sequence token. */
  readonly text: string;
  readonly finishReason: 'stop' | 'eos' | 'length';
  readonly stop?: string;
}

export interface GenerateResult {
  readonly sequences: GeneratedSequence[];
  readonly stats: RunStats;
}

/** Logits of one sequence from {@link OrtRuntime.forward}. */
export interface ForwardRow {
  /** Leading tokens whose keys and values came from the prefix cache (no logits for them). */
  readonly cachedLength: number;
  /** [T - cachedLength, V]: logits of positions cachedLength .. T - 1. */
  readonly logits: Float32Array;
  /** [T - cachedLength], when the model has a value head. */
  readonly values?: Float32Array;
}

interface Prefill {
  /** 2L tensors [U, H, T, Dh]: key of layer l at 2l, value at 2l + 1. */
  readonly present: Float32Array[];
  readonly length: number;
  /** Per row, the time index of each of its tokens. */
  readonly positions: Int32Array[];
  /** Per row, 1 where the time index holds a real token. */
  readonly mask: Uint8Array;
  /** [U, R, V] */
  readonly logits: Float32Array;
  readonly values: Float32Array | undefined;
  readonly newLength: number;
  readonly cached: number[];
}

/**
 * Batched prefill and decode with a KV cache over onnxruntime-node, for any decoder in the Hugging
 * Face/Optimum decoder-with-past layout (`input_ids`, `attention_mask`, `position_ids`,
 * `past_key_values.{i}.key|value` -> `logits`, `present.{i}.key|value`): layers, heads and head
 * width are read from the session, not from a TinyGPT config.
 *
 * Speed: every session run writes its outputs into buffers allocated once (two KV sets used in
 * turn, so one run's present is the next run's past without a copy); prompts are deduplicated
 * before prefill; rows that finished are dropped from the batch once half of it is done.
 */
export class OrtRuntime {
  readonly info: DecoderInfo;
  readonly config: OrtRuntimeConfig;
  private session: ort.InferenceSession;
  private decodeSession: ort.InferenceSession | undefined;
  private ep: ExecutionProviderName;
  private readonly cache: PrefixCache;
  private disposed = false;
  private model: TinyGptConfig | undefined;
  private vocab: number | undefined;
  private sampler: TokenSampler | undefined;
  private readonly pool: Float32Array[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    session: ort.InferenceSession,
    decodeSession: ort.InferenceSession | undefined,
    ep: ExecutionProviderName,
    config: OrtRuntimeConfig,
    model: TinyGptConfig | undefined,
  ) {
    this.session = session;
    this.decodeSession = decodeSession;
    this.ep = ep;
    this.config = config;
    this.model = model;
    this.info = readDecoderInfo(session);
    this.vocab = this.info.vocabSize;
    if (model !== undefined && this.vocab !== undefined && model.vocabSize !== this.vocab) {
      throw new O1labError(
        'INVALID_INPUT',
        `the ONNX model's logits have ${this.vocab} columns but the config says vocabSize ${model.vocabSize}`,
        { where: 'OrtRuntime' },
      );
    }
    this.cache = new PrefixCache(
      { numLayers: this.info.numLayers, numHeads: this.info.numHeads, headDim: this.info.headDim },
      config.prefixCacheBytes,
    );
  }

  /** Exports TinyGPT weights to ONNX in memory and opens a session on them. */
  static async fromWeights(
    model: TinyGptConfig,
    weights: TinyGptWeights,
    options: Partial<OrtRuntimeConfig> = {},
  ): Promise<OrtRuntime> {
    const config = resolveOrtRuntimeConfig(options);
    const { session, ep } = await createSession(exportTinyGptOnnx(model, weights), config);
    const decode = config.fastDecode ? await createDecodeSession(model, weights, config, ep) : undefined;
    return new OrtRuntime(session, decode, ep, config, model);
  }

  /**
   * Opens a decoder ONNX model from bytes. `model` (the TinyGPT config, when it is one) enables FLOP
   * accounting, the position limit and weight updates.
   */
  static async fromBytes(
    bytes: Uint8Array,
    options: Partial<OrtRuntimeConfig> & { readonly model?: TinyGptConfig } = {},
  ): Promise<OrtRuntime> {
    const { model, ...rest } = options;
    const config = resolveOrtRuntimeConfig(rest);
    const { session, ep } = await createSession(bytes, config);
    const weights = model !== undefined && config.fastDecode ? weightsFromOnnx(bytes, model) : undefined;
    const decode = weights === undefined ? undefined : await createDecodeSession(model!, weights, config, ep);
    return new OrtRuntime(session, decode, ep, config, model);
  }

  /** Opens a decoder ONNX file (ours or a Hugging Face/Optimum `decoder_with_past` export). */
  static async fromFile(
    path: string,
    options: Partial<OrtRuntimeConfig> & { readonly model?: TinyGptConfig } = {},
  ): Promise<OrtRuntime> {
    return OrtRuntime.fromBytes(new Uint8Array(await readFile(path)), options);
  }

  /** The execution provider the session runs on. */
  get executionProvider(): ExecutionProviderName {
    return this.ep;
  }

  /** Vocabulary size (known after the first run when the ONNX shape leaves it symbolic). */
  get vocabSize(): number | undefined {
    return this.vocab;
  }

  /** True when decode runs on the cache-in-place TinyGPT graph (see `fastDecode`). */
  get fastDecode(): boolean {
    return this.decodeSession !== undefined;
  }

  /** The TinyGPT config, when the runtime was built from one. */
  get modelConfig(): TinyGptConfig | undefined {
    return this.model;
  }

  prefixCacheStats(): PrefixCacheStats {
    return this.cache.stats();
  }

  clearPrefixCache(): void {
    this.cache.clear();
  }

  /**
   * Rebuilds the session from new weights (after a training update): export, then session
   * creation; the prefix cache is cleared since its keys and values came from the old weights.
   */
  async updateWeights(weights: TinyGptWeights): Promise<{ exportMs: number; sessionMs: number }> {
    const model = this.model;
    if (model === undefined) {
      throw new O1labError('UNSUPPORTED', 'updateWeights needs a runtime built from a TinyGPT config', {
        where: 'OrtRuntime.updateWeights',
        hint: 'use OrtRuntime.fromWeights, or pass `model` to fromBytes/fromFile',
      });
    }
    return this.exclusive(async () => {
      const t0 = performance.now();
      const bytes = exportTinyGptOnnx(model, weights);
      const t1 = performance.now();
      const { session, ep } = await createSession(bytes, this.config);
      const decode = this.config.fastDecode
        ? await createDecodeSession(model, weights, this.config, ep)
        : undefined;
      const old = [this.session, this.decodeSession];
      this.session = session;
      this.decodeSession = decode;
      this.ep = ep;
      this.cache.clear();
      for (const s of old) await s?.release();
      return { exportMs: t1 - t0, sessionMs: performance.now() - t1 };
    });
  }

  /** FLOPs of one forward token that attends to `attendedLength` positions (0 when unknown). */
  flopsPerToken(attendedLength: number): number {
    return this.model === undefined ? 0 : flopsPerToken(this.model, attendedLength);
  }

  /**
   * Logits of every position of each sequence after its cached prefix. `maxCached[i]` bounds the
   * prefix read from the cache for sequence i (default: all but its last token).
   */
  async forward(
    sequences: readonly (readonly number[])[],
    options: { readonly usePrefixCache?: boolean; readonly maxCached?: readonly number[] } = {},
  ): Promise<{ rows: ForwardRow[]; stats: RunStats }> {
    return this.exclusive(async () => {
      const start = performance.now();
      const meter = newMeter();
      const rows: ForwardRow[] = [];
      const B = this.config.maxBatchSize;
      for (let i = 0; i < sequences.length; i += B) {
        const chunk = sequences.slice(i, i + B);
        const limits = chunk.map((s, j) =>
          options.usePrefixCache === false
            ? 0
            : Math.min(s.length - 1, options.maxCached?.[i + j] ?? Infinity),
        );
        const p = await this.prefill(chunk, limits, meter);
        const V = this.vocab!;
        const R = p.newLength;
        chunk.forEach((s, u) => {
          const n = s.length - p.cached[u]!;
          const from = u * R + (R - n);
          const logits = p.logits.slice(from * V, (from + n) * V);
          const values = p.values?.slice(from, from + n);
          rows.push(
            values === undefined
              ? { cachedLength: p.cached[u]!, logits }
              : { cachedLength: p.cached[u]!, logits, values },
          );
        });
      }
      return { rows, stats: this.stats(meter, start) };
    });
  }

  /** Per-token log-probabilities of each `continuation` after its `prompt` (prompt keys from the cache). */
  async logprobs(
    items: readonly { readonly prompt: readonly number[]; readonly continuation: readonly number[] }[],
  ): Promise<{ logprobs: number[][]; stats: RunStats }> {
    for (const item of items) {
      if (item.prompt.length === 0) {
        throw new O1labError('INVALID_INPUT', 'a prompt must have at least one token (e.g. BOS)', {
          where: 'OrtRuntime.logprobs',
        });
      }
    }
    const sequences = items.map((x) => [...x.prompt, ...x.continuation]);
    const { rows, stats } = await this.forward(sequences, {
      maxCached: items.map((x) => x.prompt.length - 1),
    });
    const V = this.vocab!;
    const logprobs = items.map((item, i) => {
      const row = rows[i]!;
      return item.continuation.map((token, j) => {
        const t = item.prompt.length - 1 + j - row.cachedLength;
        return tokenLogprob(row.logits, t * V, V, token);
      });
    });
    return { logprobs, stats };
  }

  /**
   * Samples a continuation of every prompt. Repeated prompts (n samples of one state) are
   * prefilled once; rows run in batches of at most `maxBatchSize`.
   */
  async generate(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<GenerateResult> {
    const where = 'OrtRuntime.generate';
    assertInteger('maxTokens', options.maxTokens, { min: 1 }, where);
    const sampling = resolveSamplingConfig(options, where);
    if (options.rngs.length !== prompts.length) {
      throw new O1labError(
        'INVALID_INPUT',
        `\`rngs\` has ${options.rngs.length} generators for ${prompts.length} prompts`,
        {
          where,
        },
      );
    }
    if ((options.stopStrings?.length ?? 0) > 0 && options.tokenText === undefined) {
      throw new O1labError('INVALID_INPUT', '`stopStrings` need `tokenText`', { where });
    }
    for (const p of prompts) {
      if (p.length === 0)
        throw new O1labError('INVALID_INPUT', 'a prompt must have at least one token (e.g. BOS)', { where });
    }
    return this.exclusive(async () => {
      const start = performance.now();
      const meter = newMeter();
      const sequences: GeneratedSequence[] = [];
      const B = this.config.maxBatchSize;
      for (let i = 0; i < prompts.length; i += B) {
        const out = await this.generateBatch(
          prompts.slice(i, i + B),
          options.rngs.slice(i, i + B),
          options,
          sampling,
          meter,
        );
        sequences.push(...out);
      }
      return { sequences, stats: this.stats(meter, start) };
    });
  }

  /** Releases the sessions and the prefix cache; a second call does nothing. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.exclusive(async () => {
      await this.session.release();
      await this.decodeSession?.release();
    });
    this.cache.clear();
  }

  // Generation of one batch: prefill the distinct prompts, then decode until every row is done.
  private async generateBatch(
    prompts: readonly (readonly number[])[],
    rngs: readonly Rng[],
    options: GenerateOptions,
    sampling: SamplingConfig,
    meter: Meter,
  ): Promise<GeneratedSequence[]> {
    const { numLayers: L, numHeads: H, headDim: Dh } = this.info;
    const positionLimit = this.positionLimit();

    // Prefill, once per distinct prompt.
    const keyOf = new Map<string, number>();
    const unique: (readonly number[])[] = [];
    const rowPrompt = prompts.map((p) => {
      const key = p.join(',');
      let u = keyOf.get(key);
      if (u === undefined) {
        u = unique.length;
        keyOf.set(key, u);
        unique.push(p);
      }
      return u;
    });
    const pre = await this.prefill(
      unique,
      unique.map((p) => p.length - 1),
      meter,
    );
    const V = this.vocab!;
    const sampler = this.sampler!;

    // Decode state, rows in batch order. Optimum graph: KV tensors [B, H, T, Dh] in two buffer sets
    // used in turn (one run's present is the next run's past). Fast graph: one KV set
    // [B, H, slots, Dh] whose slot T receives each step's new keys and values; `slots` grows in
    // steps of CACHE_BUCKET up to `capacity`, so attention reads about the filled length, not all
    // of the generation's slots.
    const fast = this.decodeSession;
    let B = prompts.length;
    let T = pre.length;
    const capacity = pre.length + options.maxTokens;
    let slots = fast ? bucketSlots(T + 1, capacity) : capacity;
    const perTensor = B * H * capacity * Dh;
    const sets = fast
      ? [this.buffers(0, 2 * L, perTensor)]
      : [this.buffers(0, 2 * L, perTensor), this.buffers(2 * L, 2 * L, perTensor)];
    const rowBlock = H * T * Dh;
    for (let i = 0; i < 2 * L; i++) {
      const src = pre.present[i]!;
      const dst = sets[0]![i]!;
      if (fast) dst.fill(0, 0, perTensor); // masked slots must hold finite numbers (0 x NaN = NaN)
      for (let b = 0; b < B; b++) {
        const u = rowPrompt[b]!;
        if (!fast) dst.set(src.subarray(u * rowBlock, (u + 1) * rowBlock), b * rowBlock);
        else {
          for (let h = 0; h < H; h++) {
            const from = (u * H + h) * T * Dh;
            dst.set(src.subarray(from, from + T * Dh), (b * H + h) * slots * Dh);
          }
        }
      }
    }
    // Fast graph: additive bias [B, slots + 1] of the cache slots; the last column is the new token.
    const keyBias = fast ? new Float32Array(B * (capacity + 1)).fill(MASK_VALUE) : undefined;
    const newKv = fast ? Array.from({ length: 2 * L }, () => new Float32Array(B * H * Dh)) : [];
    const fastIo: FastIo = { B: -1, slots: -1, feeds: {}, fetches: {} };
    if (keyBias !== undefined) {
      for (let b = 0; b < B; b++) {
        const u = rowPrompt[b]!;
        for (let t = 0; t < T; t++) if (pre.mask[u * T + t] === 1) keyBias[b * (slots + 1) + t] = 0;
        keyBias[b * (slots + 1) + slots] = 0;
      }
    }
    let current = 0;
    const mask = new Uint8Array(B * capacity); // [B, capacity], row stride = capacity
    for (let b = 0; b < B; b++)
      mask.set(pre.mask.subarray(rowPrompt[b]! * T, (rowPrompt[b]! + 1) * T), b * capacity);

    const rows = prompts.map((p, b) => ({
      index: b,
      prompt: p,
      rng: rngs[b]!,
      tokens: [] as number[],
      logprobs: [] as number[],
      positions: Array.from(pre.positions[rowPrompt[b]!]!),
      text: '',
      finish: undefined as GeneratedSequence['finishReason'] | undefined,
      stop: undefined as string | undefined,
    }));
    const results: GeneratedSequence[] = new Array(prompts.length);
    let active = rows.slice();
    let logits = pre.logits;
    let logitsRow: (b: number) => number = (b: number) =>
      (rowPrompt[active[b]!.index]! * pre.newLength + pre.newLength - 1) * V;
    const stopIds = new Set(options.stopTokenIds ?? []);
    const stops = options.stopStrings ?? [];
    const out = { logprob: 0 };

    const idsBuf = new BigInt64Array(B);
    const posBuf = new BigInt64Array(B);
    const maskBuf = new BigInt64Array(B * capacity);
    const maskWords = new Int32Array(maskBuf.buffer);
    const logitsOut = new Float32Array(B * V);
    const valuesOut = this.info.hasValues ? new Float32Array(B) : undefined;

    for (;;) {
      // Sample one token per running row.
      let running = 0;
      for (let b = 0; b < B; b++) {
        const row = active[b]!;
        if (row.finish !== undefined) continue;
        const token = sampler.sample(logits, logitsRow(b), sampling, row.rng, out);
        row.tokens.push(token);
        row.logprobs.push(out.logprob);
        if (stopIds.has(token)) row.finish = 'eos';
        else if (options.tokenText !== undefined) {
          const before = row.text.length;
          row.text += options.tokenText(token);
          const hit = stops.length > 0 ? findStop(row.text, before, stops) : undefined;
          if (hit !== undefined) {
            row.text = row.text.slice(0, hit.index);
            row.finish = 'stop';
            row.stop = hit.stop;
          }
        }
        const nextPosition = row.prompt.length + row.tokens.length - 1;
        if (
          row.finish === undefined &&
          (row.tokens.length >= options.maxTokens || nextPosition >= positionLimit)
        ) {
          row.finish = 'length';
        }
        if (row.finish === undefined) running++;
      }
      if (running === 0) break;

      // Drop finished rows once they are half the batch: their KV rows move out of the way.
      if (running <= B / 2 && B >= 4) {
        const kv = sets[current]!;
        const kvLength = fast ? slots : T;
        this.retire(
          active.filter((r) => r.finish !== undefined),
          kv,
          kvLength,
          active,
          results,
        );
        let to = 0;
        const blockT = H * kvLength * Dh;
        for (let b = 0; b < B; b++) {
          if (active[b]!.finish !== undefined) continue;
          if (to !== b) {
            for (const t of kv) t.copyWithin(to * blockT, b * blockT, (b + 1) * blockT);
            mask.copyWithin(to * capacity, b * capacity, (b + 1) * capacity);
            keyBias?.copyWithin(to * (slots + 1), b * (slots + 1), (b + 1) * (slots + 1));
          }
          to++;
        }
        // No row samples again before the next run, so the logits need no remapping here.
        active = active.filter((r) => r.finish === undefined);
        B = active.length;
      }

      if (fast !== undefined && keyBias !== undefined) {
        if (T + 1 > slots) {
          const grown = bucketSlots(T + 1, capacity);
          for (const t of sets[0]!) widenSlots(t, B * H, Dh, slots, grown, T);
          widenBias(keyBias, B, slots, grown);
          slots = grown;
        }
        await this.fastStep(
          fast,
          active,
          B,
          T,
          slots,
          sets[0]!,
          keyBias,
          newKv,
          idsBuf,
          posBuf,
          logitsOut,
          valuesOut,
          fastIo,
        );
        meter.sessionRuns++;
        for (let b = 0; b < B; b++) {
          const row = active[b]!;
          if (row.finish !== undefined) continue;
          meter.flops += this.flopsPerToken(row.prompt.length + row.tokens.length);
        }
        T++;
        logits = logitsOut;
        logitsRow = (b: number) => b * V;
        continue;
      }

      // Feed the sampled tokens: [B, 1] ids and positions, mask [B, T + 1].
      const total = T + 1;
      for (let b = 0; b < B; b++) {
        const row = active[b]!;
        const live = row.finish === undefined;
        idsBuf[b] = BigInt(live ? row.tokens[row.tokens.length - 1]! : this.config.padTokenId);
        posBuf[b] = BigInt(live ? row.prompt.length + row.tokens.length - 1 : 0);
        mask[b * capacity + T] = live ? 1 : 0;
        if (live) row.positions.push(T);
        const base = b * total * 2;
        const m = b * capacity;
        for (let t = 0; t < total; t++) {
          maskWords[base + 2 * t] = mask[m + t]!;
          maskWords[base + 2 * t + 1] = 0;
        }
      }
      const next = 1 - current;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', idsBuf.subarray(0, B), [B, 1]),
        attention_mask: new ort.Tensor('int64', maskBuf.subarray(0, B * total), [B, total]),
      };
      if (this.info.hasPositionIds)
        feeds.position_ids = new ort.Tensor('int64', posBuf.subarray(0, B), [B, 1]);
      const fetches: Record<string, ort.Tensor> = {
        logits: new ort.Tensor('float32', logitsOut.subarray(0, B * V), [B, 1, V]),
      };
      if (valuesOut !== undefined)
        fetches.values = new ort.Tensor('float32', valuesOut.subarray(0, B), [B, 1]);
      for (let l = 0; l < L; l++) {
        const pastDims = [B, H, T, Dh];
        const presentDims = [B, H, total, Dh];
        const pastN = B * H * T * Dh;
        const presentN = B * H * total * Dh;
        feeds[`past_key_values.${l}.key`] = new ort.Tensor(
          'float32',
          sets[current]![2 * l]!.subarray(0, pastN),
          pastDims,
        );
        feeds[`past_key_values.${l}.value`] = new ort.Tensor(
          'float32',
          sets[current]![2 * l + 1]!.subarray(0, pastN),
          pastDims,
        );
        fetches[`present.${l}.key`] = new ort.Tensor(
          'float32',
          sets[next]![2 * l]!.subarray(0, presentN),
          presentDims,
        );
        fetches[`present.${l}.value`] = new ort.Tensor(
          'float32',
          sets[next]![2 * l + 1]!.subarray(0, presentN),
          presentDims,
        );
      }
      if (this.info.hasUseCacheBranch)
        feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array([1]), [1]);
      await this.session.run(feeds, fetches);
      meter.sessionRuns++;
      for (let b = 0; b < B; b++) {
        const row = active[b]!;
        if (row.finish !== undefined) continue;
        meter.generatedFed++;
        meter.flops += this.flopsPerToken(row.prompt.length + row.tokens.length);
      }
      current = next;
      T = total;
      logits = logitsOut;
      logitsRow = (b: number) => b * V;
    }
    this.retire(active, sets[current]!, fast ? slots : T, active, results);
    for (const r of rows) meter.generated += r.tokens.length;
    return results;
  }

  // One step of the fast decode graph: feed each row's last token, then write the new keys and
  // values of running rows into cache slot T and open that slot in their bias row.
  private async fastStep(
    session: ort.InferenceSession,
    active: readonly DecodeRow[],
    B: number,
    T: number,
    slots: number,
    kv: readonly Float32Array[],
    keyBias: Float32Array,
    newKv: readonly Float32Array[],
    idsBuf: BigInt64Array,
    posBuf: BigInt64Array,
    logitsOut: Float32Array,
    valuesOut: Float32Array | undefined,
    io: FastIo,
  ): Promise<void> {
    const { numLayers: L, numHeads: H, headDim: Dh } = this.info;
    const V = this.vocab!;
    // int64 inputs written as (low, high) int32 words: ids and positions are small and non-negative.
    const ids = new Int32Array(idsBuf.buffer, idsBuf.byteOffset, 2 * idsBuf.length);
    const pos = new Int32Array(posBuf.buffer, posBuf.byteOffset, 2 * posBuf.length);
    for (let b = 0; b < B; b++) {
      const row = active[b]!;
      const live = row.finish === undefined;
      ids[2 * b] = live ? row.tokens[row.tokens.length - 1]! : this.config.padTokenId;
      ids[2 * b + 1] = 0;
      pos[2 * b] = live ? row.prompt.length + row.tokens.length - 1 : 0;
      pos[2 * b + 1] = 0;
      if (live) row.positions.push(T);
    }
    // Shapes are constant while B and slots are: the tensors over the same buffers are made once per pair.
    if (io.B !== B || io.slots !== slots) {
      const cacheDims = [B, H, slots, Dh];
      const cacheN = B * H * slots * Dh;
      io.B = B;
      io.slots = slots;
      io.feeds = {
        input_ids: new ort.Tensor('int64', idsBuf.subarray(0, B), [B, 1]),
        position_ids: new ort.Tensor('int64', posBuf.subarray(0, B), [B, 1]),
        key_bias: new ort.Tensor('float32', keyBias.subarray(0, B * (slots + 1)), [B, 1, 1, slots + 1]),
        prob_split: new ort.Tensor('int64', BigInt64Array.of(BigInt(slots), 1n), [2]),
      };
      io.fetches = { logits: new ort.Tensor('float32', logitsOut.subarray(0, B * V), [B, V]) };
      if (valuesOut !== undefined) {
        io.fetches.values = new ort.Tensor('float32', valuesOut.subarray(0, B), [B]);
      }
      for (let l = 0; l < L; l++) {
        for (const [j, kind] of (['key', 'value'] as const).entries()) {
          io.feeds[`cache.${l}.${kind}`] = new ort.Tensor(
            'float32',
            kv[2 * l + j]!.subarray(0, cacheN),
            cacheDims,
          );
          io.fetches[`new.${l}.${kind}`] = new ort.Tensor(
            'float32',
            newKv[2 * l + j]!.subarray(0, B * H * Dh),
            [B, H, 1, Dh],
          );
        }
      }
    }
    await session.run(io.feeds, io.fetches);
    for (let b = 0; b < B; b++) {
      if (active[b]!.finish !== undefined) continue;
      keyBias[b * (slots + 1) + T] = 0;
      for (let i = 0; i < 2 * L; i++) writeSlot(newKv[i]!, kv[i]!, b, H, Dh, slots, T);
    }
  }

  // Writes the results of `done` rows and caches their keys and values (prompt + fed tokens).
  private retire(
    done: readonly DecodeRow[],
    kv: readonly Float32Array[],
    T: number,
    batch: readonly DecodeRow[],
    results: GeneratedSequence[],
  ): void {
    for (const row of done) {
      const finishReason = row.finish ?? 'length';
      const seq: GeneratedSequence =
        row.stop === undefined
          ? { tokenIds: row.tokens, tokenLogprobs: row.logprobs, text: row.text, finishReason }
          : {
              tokenIds: row.tokens,
              tokenLogprobs: row.logprobs,
              text: row.text,
              finishReason,
              stop: row.stop,
            };
      results[row.index] = seq;
      if (!this.config.cacheGenerated || this.config.prefixCacheBytes === 0) continue;
      const fed = row.positions.length - row.prompt.length;
      if (fed <= 0) continue;
      const tokens = [...row.prompt, ...row.tokens.slice(0, fed)];
      this.cache.insert(tokens, {
        tensors: kv,
        row: batch.indexOf(row),
        length: T,
        positions: row.positions,
      });
    }
  }

  // Prefill of distinct prompts: cached prefixes are gathered into the past tensors (right-aligned),
  // the rest is left-padded into input_ids; the attention mask has a hole between the two.
  private async prefill(
    prompts: readonly (readonly number[])[],
    maxCached: readonly number[],
    meter: Meter,
  ): Promise<Prefill> {
    const { numLayers: L, numHeads: H, headDim: Dh } = this.info;
    const U = prompts.length;
    const limit = this.positionLimit();
    const matches: PrefixMatch[] = prompts.map((p, u) => {
      if (p.length > limit) {
        throw new O1labError(
          'INVALID_INPUT',
          `a prompt of ${p.length} tokens exceeds the ${limit} positions of the model`,
          {
            where: 'OrtRuntime',
          },
        );
      }
      const max = maxCached[u]!;
      return max > 0 && this.config.prefixCacheBytes > 0 ? this.cache.match(p, max) : { length: 0, path: [] };
    });
    const cached = matches.map((m) => m.length);
    const C = Math.max(0, ...cached);
    const R = Math.max(...prompts.map((p, u) => p.length - cached[u]!));
    const T = C + R;

    const past = Array.from({ length: 2 * L }, () => new Float32Array(U * H * C * Dh));
    const ids = new BigInt64Array(U * R).fill(BigInt(this.config.padTokenId));
    const pos = new BigInt64Array(U * R);
    const mask = new Uint8Array(U * T);
    const positions: Int32Array[] = [];
    for (let u = 0; u < U; u++) {
      const p = prompts[u]!;
      const c = cached[u]!;
      const r = p.length - c;
      if (c > 0) this.cache.gather(matches[u]!, past, u, C, C - c);
      const rowPositions = new Int32Array(p.length);
      for (let j = 0; j < c; j++) {
        mask[u * T + C - c + j] = 1;
        rowPositions[j] = C - c + j;
      }
      for (let j = 0; j < r; j++) {
        ids[u * R + R - r + j] = BigInt(p[c + j]!);
        pos[u * R + R - r + j] = BigInt(c + j);
        mask[u * T + C + R - r + j] = 1;
        rowPositions[c + j] = C + R - r + j;
        meter.flops += this.flopsPerToken(c + j + 1);
      }
      positions.push(rowPositions);
      meter.prefill += r;
      meter.cached += c;
    }
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [U, R]),
      attention_mask: new ort.Tensor(
        'int64',
        BigInt64Array.from(mask, (m) => BigInt(m)),
        [U, T],
      ),
    };
    if (this.info.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', pos, [U, R]);
    if (this.info.hasUseCacheBranch)
      feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array([C > 0 ? 1 : 0]), [1]);
    const present = Array.from({ length: 2 * L }, () => new Float32Array(U * H * T * Dh));
    const fetches: Record<string, ort.Tensor | null> = { logits: null };
    if (this.vocab !== undefined) {
      fetches.logits = new ort.Tensor('float32', new Float32Array(U * R * this.vocab), [U, R, this.vocab]);
    }
    if (this.info.hasValues) fetches.values = new ort.Tensor('float32', new Float32Array(U * R), [U, R]);
    for (let l = 0; l < L; l++) {
      feeds[`past_key_values.${l}.key`] = new ort.Tensor('float32', past[2 * l]!, [U, H, C, Dh]);
      feeds[`past_key_values.${l}.value`] = new ort.Tensor('float32', past[2 * l + 1]!, [U, H, C, Dh]);
      fetches[`present.${l}.key`] = new ort.Tensor('float32', present[2 * l]!, [U, H, T, Dh]);
      fetches[`present.${l}.value`] = new ort.Tensor('float32', present[2 * l + 1]!, [U, H, T, Dh]);
    }
    const result = await this.session.run(feeds, fetches as Record<string, ort.Tensor>);
    meter.sessionRuns++;
    const logitsTensor = result.logits!;
    if (this.vocab === undefined) this.vocab = logitsTensor.dims[2]!;
    if (this.sampler === undefined || this.sampler.vocabSize !== this.vocab)
      this.sampler = new TokenSampler(this.vocab);
    const values = this.info.hasValues ? (result.values!.data as Float32Array) : undefined;

    if (this.config.prefixCacheBytes > 0) {
      for (let u = 0; u < U; u++) {
        this.cache.insert(prompts[u]!, { tensors: present, row: u, length: T, positions: positions[u]! });
      }
    }
    return {
      present,
      length: T,
      positions,
      mask,
      logits: logitsTensor.data as Float32Array,
      values,
      newLength: R,
      cached,
    };
  }

  /** Most positions a sequence may take: `maxPositions` when set, else the model's context. */
  positionLimit(): number {
    if (this.config.maxPositions > 0) return this.config.maxPositions;
    return this.model?.context ?? Number.POSITIVE_INFINITY;
  }

  // `count` pooled buffers of at least `size` floats starting at pool slot `first`.
  private buffers(first: number, count: number, size: number): Float32Array[] {
    const out: Float32Array[] = [];
    for (let i = first; i < first + count; i++) {
      const have = this.pool[i];
      if (have === undefined || have.length < size) this.pool[i] = new Float32Array(size);
      out.push(this.pool[i]!);
    }
    return out;
  }

  private stats(meter: Meter, start: number): RunStats {
    return {
      executionProvider: this.ep,
      prefillTokens: meter.prefill,
      cachedPrefillTokens: meter.cached,
      generatedTokens: meter.generated,
      flops: meter.flops,
      sessionRuns: meter.sessionRuns,
      wallTimeMs: performance.now() - start,
    };
  }

  // Calls run one at a time: the decode buffers and the session are shared.
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

type DecodeRow = {
  readonly index: number;
  readonly prompt: readonly number[];
  readonly tokens: number[];
  readonly logprobs: number[];
  readonly positions: number[];
  text: string;
  finish: GeneratedSequence['finishReason'] | undefined;
  stop: string | undefined;
};

/** Feeds and fetches of the fast decode graph for the current batch size. */
interface FastIo {
  B: number;
  slots: number;
  feeds: Record<string, ort.Tensor>;
  fetches: Record<string, ort.Tensor>;
}

interface Meter {
  prefill: number;
  cached: number;
  generated: number;
  generatedFed: number;
  flops: number;
  sessionRuns: number;
}

function newMeter(): Meter {
  return { prefill: 0, cached: 0, generated: 0, generatedFed: 0, flops: 0, sessionRuns: 0 };
}

// Copies row b's new keys (or values) [H, Dh] from `src` [B, H, 1, Dh] into slot t of `dst`
// [B, H, slots, Dh]. A small monomorphic function, so V8 optimises the copy loop on its own.
function writeSlot(
  src: Float32Array,
  dst: Float32Array,
  b: number,
  H: number,
  Dh: number,
  slots: number,
  t: number,
): void {
  for (let h = 0; h < H; h++) {
    const from = (b * H + h) * Dh;
    const to = ((b * H + h) * slots + t) * Dh;
    for (let d = 0; d < Dh; d++) dst[to + d] = src[from + d]!;
  }
}

/** Granularity of the fast decode cache's slot count (see `generateBatch`). */
const CACHE_BUCKET = 16;

// Slots for `needed` positions: the next multiple of CACHE_BUCKET, at most `capacity`.
function bucketSlots(needed: number, capacity: number): number {
  return Math.min(capacity, Math.ceil(needed / CACHE_BUCKET) * CACHE_BUCKET);
}

// Re-lays `numBlocks` blocks [from, Dh] as [to, Dh] (to > from) in place, keeping the first `filled`
// slots of each; blocks move back to front so no block overwrites one not yet moved. The slots
// after `filled` keep whatever finite numbers were there: the bias masks them.
function widenSlots(
  t: Float32Array,
  numBlocks: number,
  Dh: number,
  from: number,
  to: number,
  filled: number,
): void {
  for (let r = numBlocks - 1; r > 0; r--) t.copyWithin(r * to * Dh, r * from * Dh, (r * from + filled) * Dh);
}

// The bias rows [B, from + 1] as [B, to + 1]: the new slots masked, the last column (new token) open.
function widenBias(bias: Float32Array, B: number, from: number, to: number): void {
  for (let b = B - 1; b >= 0; b--) {
    bias.copyWithin(b * (to + 1), b * (from + 1), b * (from + 1) + from);
    bias.fill(MASK_VALUE, b * (to + 1) + from, b * (to + 1) + to);
    bias[b * (to + 1) + to] = 0;
  }
}

// Matches the exporter's mask value: finite, so a row with no readable slot stays finite.
const MASK_VALUE = -1e9;

async function createDecodeSession(
  model: TinyGptConfig,
  weights: TinyGptWeights,
  config: OrtRuntimeConfig,
  ep: ExecutionProviderName,
): Promise<ort.InferenceSession> {
  const { session } = await createSession(exportTinyGptDecodeOnnx(model, weights), {
    ...config,
    executionProvider: ep,
    intraOpNumThreads: config.decodeIntraOpNumThreads,
  });
  return session;
}

// The TinyGPT weights held as float32 initializers of an ONNX file, or undefined when any is missing.
function weightsFromOnnx(bytes: Uint8Array, model: TinyGptConfig): TinyGptWeights | undefined {
  const byName = new Map((decodeOnnxModel(bytes).graph?.initializer ?? []).map((t) => [t.name, t]));
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of weightShapes(model)) {
    const raw = byName.get(name)?.raw_data;
    const size = shape.reduce((a, b) => a * b, 1);
    if (raw === undefined || raw.byteLength !== size * 4) return undefined;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const w = new Float32Array(size);
    for (let i = 0; i < size; i++) w[i] = view.getFloat32(i * 4, true);
    weights.set(name, w);
  }
  return weights;
}

async function createSession(
  bytes: Uint8Array,
  config: OrtRuntimeConfig,
): Promise<{ session: ort.InferenceSession; ep: ExecutionProviderName }> {
  const threads = config.intraOpNumThreads === 0 ? availableParallelism() : config.intraOpNumThreads;
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: config.graphOptimizationLevel,
    // ORT's session config key session.intra_op.allow_spinning.
    extra: { session: { intra_op: { allow_spinning: config.allowSpinning ? '1' : '0' } } },
  };
  if (config.executionProvider === 'cuda' && !hasCudaProviderLibrary()) {
    console.warn(
      '@o1lab/model: CUDA execution provider not available (this onnxruntime-node install has no libonnxruntime_providers_cuda; install it without ONNXRUNTIME_NODE_INSTALL=skip on a CUDA machine); running on CPU',
    );
  } else if (config.executionProvider === 'cuda') {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        ...base,
        executionProviders: ['cuda'],
        // The line below says what happened; ONNX Runtime's own error log would repeat it.
        logSeverityLevel: 4,
      });
      return { session, ep: 'cuda' };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      console.warn(`@o1lab/model: CUDA execution provider not available (${reason}); running on CPU`);
    }
  }
  try {
    const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
    return { session, ep: 'cpu' };
  } catch (error) {
    throw new O1labError('BACKEND_ERROR', 'ONNX Runtime could not load the model', {
      where: 'OrtRuntime',
      cause: error,
    });
  }
}

// onnxruntime-node downloads the CUDA provider library at install time where CUDA is present.
function hasCudaProviderLibrary(): boolean {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    return readdirSync(dir).some((f) => f.startsWith('libonnxruntime_providers_cuda'));
  } catch {
    return false;
  }
}

const PAST_KEY = /^past_key_values\.(\d+)\.key$/;

function readDecoderInfo(session: ort.InferenceSession): DecoderInfo {
  const where = 'OrtRuntime';
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m]));
  for (const name of ['input_ids', 'attention_mask']) {
    if (!inputs.has(name)) {
      throw new O1labError('UNSUPPORTED', `the ONNX model has no \`${name}\` input`, {
        where,
        hint: 'export a decoder with past in the Hugging Face/Optimum layout',
      });
    }
  }
  if (!outputs.has('logits'))
    throw new O1labError('UNSUPPORTED', 'the ONNX model has no `logits` output', { where });
  let numLayers = 0;
  for (const name of inputs.keys()) {
    const m = PAST_KEY.exec(name);
    if (m) numLayers = Math.max(numLayers, Number(m[1]) + 1);
  }
  if (numLayers === 0) {
    throw new O1labError('UNSUPPORTED', 'the ONNX model has no `past_key_values.{i}.key` inputs', {
      where,
      hint: 'export with past (Optimum task `text-generation-with-past`)',
    });
  }
  const kv = inputs.get('past_key_values.0.key')!;
  if (!kv.isTensor || kv.type !== 'float32') {
    throw new O1labError('UNSUPPORTED', 'past key/value inputs must be float32 tensors', { where });
  }
  const [, heads, , dim] = kv.shape;
  if (typeof heads !== 'number' || typeof dim !== 'number') {
    throw new O1labError(
      'UNSUPPORTED',
      `past key shape [${kv.shape.join(', ')}] must give heads and head width as numbers`,
      {
        where,
      },
    );
  }
  for (let l = 0; l < numLayers; l++) {
    for (const kind of ['key', 'value']) {
      if (!inputs.has(`past_key_values.${l}.${kind}`) || !outputs.has(`present.${l}.${kind}`)) {
        throw new O1labError(
          'UNSUPPORTED',
          `layer ${l} lacks past_key_values.${l}.${kind} or present.${l}.${kind}`,
          { where },
        );
      }
    }
  }
  const logits = outputs.get('logits')!;
  const vocab = logits.isTensor ? logits.shape[2] : undefined;
  return {
    numLayers,
    numHeads: heads,
    headDim: dim,
    vocabSize: typeof vocab === 'number' ? vocab : undefined,
    hasPositionIds: inputs.has('position_ids'),
    hasValues: outputs.has('values'),
    hasUseCacheBranch: inputs.has('use_cache_branch'),
  };
}
