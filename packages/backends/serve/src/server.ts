import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRng, isO1labError, type Rng } from '@o1lab/core';
import type { GeneratedSequence, OrtRuntime, Tokenizer } from '@o1lab/model';
import { type CompletionsServerConfig, resolveCompletionsServerConfig } from './config.js';

/** What the server serves: a decoder runtime and the tokenizer of its vocabulary. */
export interface ServedModel {
  readonly runtime: OrtRuntime;
  readonly tokenizer: Tokenizer;
}

/** A listening server. */
export interface CompletionsServer {
  /** Base URL of the API, e.g. `http://127.0.0.1:43117/v1` (what an OpenAI client takes as `baseURL`). */
  readonly url: string;
  readonly port: number;
  readonly config: CompletionsServerConfig;
  /** Requests answered so far, and how many of them were errors. */
  stats(): { readonly requests: number; readonly errors: number };
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** The OpenAI error body: `{ error: { message, type, param, code } }`. */
export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}

/** Vendor extension: index of the request's first sample within a larger call (see README). */
export const SAMPLE_OFFSET_FIELD = 'o1lab_sample_offset';

/** Largest `o1lab_sample_offset` accepted (2^22 samples before a request within one call). */
export const MAX_SAMPLE_OFFSET = 2 ** 22;

/**
 * Serves a decoder ONNX model on the OpenAI-compatible API: `POST /v1/completions`,
 * `POST /v1/chat/completions`, `GET /v1/models` (and `/v1/models/{id}`); `stream: true` answers with
 * server-sent events (one text chunk per choice, then its finish, then `[DONE]`).
 *
 * Sampling matches `OrtPolicy` of `@o1lab/model`: a prompt is encoded as BOS + characters; the
 * request's `seed` seeds a root generator and choice k (prompts in order, `n` choices each, offset
 * by the `o1lab_sample_offset` extension) draws from the root's (offset + k + 1)-th split. So a
 * request with the `seed` of an `OrtPolicy` call and the same states gives the same samples.
 * Requests without `seed` draw one from the server's own generator (`config.seed`).
 *
 * Bad requests get 4xx with the OpenAI error JSON; limits on body bytes, `n`, `max_tokens`, prompts
 * per request and stop strings come from `config`.
 */
export async function createCompletionsServer(
  model: ServedModel,
  config: Partial<CompletionsServerConfig> = {},
): Promise<CompletionsServer> {
  const c = resolveCompletionsServerConfig(config);
  const seeds = createRng(c.seed);
  const created = Math.floor(Date.now() / 1000);
  let requests = 0;
  let errors = 0;
  let nextId = 0;
  const ctx: Context = { model, config: c, seeds, created, nextId: () => nextId++ };

  const server: Server = createServer((req, res) => {
    requests++;
    handle(ctx, req, res).catch((error: unknown) => {
      errors++;
      if (error instanceof HttpError) send(res, error.status, error.body());
      else {
        const message = error instanceof Error ? error.message : String(error);
        send(res, 500, errorBody(`internal error: ${message}`, 'server_error', null, null));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(c.port, c.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return {
    url: `http://${host}:${port}/v1`,
    port,
    config: c,
    stats: () => ({ requests, errors }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Context {
  readonly model: ServedModel;
  readonly config: CompletionsServerConfig;
  readonly seeds: Rng;
  readonly created: number;
  readonly nextId: () => number;
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
  const method = req.method ?? 'GET';
  const route = ROUTES.find((r) => r.match(path));
  if (route === undefined) {
    throw new HttpError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null, 'unknown_url');
  }
  if (method !== route.method) {
    throw new HttpError(
      405,
      `${path} takes ${route.method}, not ${method}`,
      'invalid_request_error',
      null,
      null,
    );
  }
  const body = route.method === 'POST' ? await readJson(req, ctx.config.maxRequestBytes) : undefined;
  const out = await route.run(ctx, body, path);
  if (out instanceof EventStream) sendEvents(res, out.events);
  else send(res, 200, out);
}

/** A response sent as server-sent events (`stream: true`): each event a JSON chunk, then `[DONE]`. */
class EventStream {
  constructor(readonly events: readonly unknown[]) {}
}

interface Route {
  readonly method: 'GET' | 'POST';
  match(path: string): boolean;
  run(ctx: Context, body: unknown, path: string): Promise<unknown>;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', match: (p) => p === '/v1/models', run: async (ctx) => listModels(ctx) },
  {
    method: 'GET',
    match: (p) => p.startsWith('/v1/models/'),
    run: async (ctx, _body, path) => {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      if (id !== ctx.config.modelName) throw modelNotFound(id, ctx.config.modelName);
      return modelCard(ctx);
    },
  },
  { method: 'POST', match: (p) => p === '/v1/completions', run: (ctx, body) => completions(ctx, body) },
  { method: 'POST', match: (p) => p === '/v1/chat/completions', run: (ctx, body) => chat(ctx, body) },
];

// Models

function listModels(ctx: Context): unknown {
  return { object: 'list', data: [modelCard(ctx)] };
}

function modelCard(ctx: Context): unknown {
  const context = contextLimit(ctx.model.runtime);
  return {
    id: ctx.config.modelName,
    object: 'model',
    created: ctx.created,
    owned_by: 'o1lab',
    ...(Number.isFinite(context) ? { max_model_len: context } : {}),
  };
}

// Completions

interface Generation {
  readonly prompts: readonly string[];
  readonly n: number;
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  readonly stop: readonly string[];
  readonly seed: number;
  readonly sampleOffset: number;
  /** Top alternatives per token (0: only the sampled token), or null for no logprobs. */
  readonly logprobs: number | null;
  readonly echo: boolean;
  readonly tokenIdsAsText: boolean;
  /** The request field that carried the prompts (for error messages). */
  readonly promptParam: string;
}

interface TokenInfo {
  readonly id: number;
  readonly token: string;
  readonly text: string;
  readonly logprob: number | null;
  readonly top: Record<string, number> | null;
}

interface GenChoice {
  readonly index: number;
  readonly prompt: string;
  readonly text: string;
  readonly finishReason: 'stop' | 'length';
  readonly stopReason: string | null;
  /** Prompt tokens (when echoed) then generated tokens; undefined without logprobs. */
  readonly tokens: readonly TokenInfo[] | undefined;
  readonly promptTokens: number;
}

interface GenResult {
  readonly choices: readonly GenChoice[];
  readonly usage: {
    readonly prompt_tokens: number;
    readonly completion_tokens: number;
    readonly total_tokens: number;
    readonly prompt_tokens_details: { readonly cached_tokens: number };
  };
}

async function completions(ctx: Context, raw: unknown): Promise<unknown> {
  const body = requireObject(raw);
  checkModel(ctx, body);
  checkUnsupported(body);
  const prompt = body.prompt;
  let prompts: string[];
  if (typeof prompt === 'string') prompts = [prompt];
  else if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((p) => typeof p === 'string'))
    prompts = prompt as string[];
  else if (
    Array.isArray(prompt) &&
    prompt.length > 0 &&
    prompt.every((p) => typeof p === 'number' || Array.isArray(p))
  )
    throw invalid('`prompt` as token ids is not supported; send text', 'prompt');
  else throw invalid('`prompt` must be a string or a non-empty array of strings', 'prompt');
  if (prompts.length > ctx.config.maxPrompts) {
    throw invalid(
      `\`prompt\` has ${prompts.length} prompts; this server takes at most ${ctx.config.maxPrompts}`,
      'prompt',
    );
  }
  const echo = optionalBoolean(body, 'echo') ?? false;
  const logprobs = optionalInteger(body, 'logprobs', 0, ctx.config.maxLogprobs);
  const maxTokens =
    optionalInteger(body, 'max_tokens', echo ? 0 : 1, ctx.config.maxTokens) ?? ctx.config.defaultMaxTokens;
  const gen: Generation = {
    ...sampling(ctx, body),
    prompts,
    maxTokens,
    logprobs: logprobs ?? null,
    echo,
    tokenIdsAsText: optionalBoolean(body, 'return_tokens_as_token_ids') ?? false,
    promptParam: 'prompt',
  };
  const stream = streamOptions(body);
  const result = await generate(ctx, gen);
  const head = {
    id: `cmpl-${ctx.nextId()}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.config.modelName,
  };
  const choices = result.choices.map((ch) => ({
    index: ch.index,
    text: ch.text,
    logprobs: ch.tokens === undefined ? null : completionLogprobs(ch),
    finish_reason: ch.finishReason,
    stop_reason: ch.stopReason,
  }));
  if (stream === undefined) return { ...head, choices, usage: result.usage };
  // The runtime generates a batch at once, so each choice arrives as one text chunk, then its finish.
  const events: unknown[] = [];
  for (const ch of choices)
    events.push({ ...head, choices: [{ ...ch, finish_reason: null, stop_reason: null }] });
  for (const ch of choices) {
    events.push({
      ...head,
      choices: [
        {
          index: ch.index,
          text: '',
          logprobs: null,
          finish_reason: ch.finish_reason,
          stop_reason: ch.stop_reason,
        },
      ],
    });
  }
  if (stream.includeUsage) events.push({ ...head, choices: [], usage: result.usage });
  return new EventStream(events);
}

async function chat(ctx: Context, raw: unknown): Promise<unknown> {
  const body = requireObject(raw);
  checkModel(ctx, body);
  checkUnsupported(body);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid('`messages` must be a non-empty array of { role, content }', 'messages');
  }
  const contents = messages.map((m, i) => {
    const ok =
      typeof m === 'object' &&
      m !== null &&
      typeof (m as Record<string, unknown>).role === 'string' &&
      typeof (m as Record<string, unknown>).content === 'string';
    if (!ok) throw invalid(`\`messages[${i}]\` must be { role: string, content: string }`, `messages[${i}]`);
    return (m as { content: string }).content;
  });
  const wantLogprobs = optionalBoolean(body, 'logprobs') ?? false;
  const top = optionalInteger(body, 'top_logprobs', 0, ctx.config.maxLogprobs);
  if (top !== undefined && !wantLogprobs)
    throw invalid('`top_logprobs` needs `logprobs: true`', 'top_logprobs');
  const maxTokens =
    optionalInteger(body, 'max_completion_tokens', 1, ctx.config.maxTokens) ??
    optionalInteger(body, 'max_tokens', 1, ctx.config.maxTokens) ??
    ctx.config.defaultMaxTokens;
  const stream = streamOptions(body);
  const result = await generate(ctx, {
    ...sampling(ctx, body),
    prompts: [contents.join(ctx.config.chatSeparator)],
    maxTokens,
    logprobs: wantLogprobs ? (top ?? 0) : null,
    echo: false,
    tokenIdsAsText: false,
    promptParam: 'messages',
  });
  const head = {
    id: `chatcmpl-${ctx.nextId()}`,
    created: Math.floor(Date.now() / 1000),
    model: ctx.config.modelName,
  };
  const logprobsOf = (ch: GenChoice) =>
    ch.tokens === undefined
      ? null
      : {
          content: ch.tokens.map((t) => ({
            token: t.token,
            logprob: t.logprob,
            bytes: [...Buffer.from(t.token, 'utf8')],
            top_logprobs: Object.entries(t.top ?? {}).map(([token, logprob]) => ({
              token,
              logprob,
              bytes: [...Buffer.from(token, 'utf8')],
            })),
          })),
        };
  if (stream === undefined) {
    return {
      ...head,
      object: 'chat.completion',
      choices: result.choices.map((ch) => ({
        index: ch.index,
        message: { role: 'assistant', content: ch.text },
        logprobs: logprobsOf(ch),
        finish_reason: ch.finishReason,
        stop_reason: ch.stopReason,
      })),
      usage: result.usage,
    };
  }
  const chunk = { ...head, object: 'chat.completion.chunk' };
  const events: unknown[] = [];
  for (const ch of result.choices) {
    events.push({
      ...chunk,
      choices: [
        {
          index: ch.index,
          delta: { role: 'assistant', content: ch.text },
          logprobs: logprobsOf(ch),
          finish_reason: null,
        },
      ],
    });
  }
  for (const ch of result.choices) {
    events.push({
      ...chunk,
      choices: [
        {
          index: ch.index,
          delta: {},
          logprobs: null,
          finish_reason: ch.finishReason,
          stop_reason: ch.stopReason,
        },
      ],
    });
  }
  if (stream.includeUsage) events.push({ ...chunk, choices: [], usage: result.usage });
  return new EventStream(events);
}

/** `undefined` without `stream: true`; else whether `stream_options.include_usage` asks for a usage chunk. */
function streamOptions(body: Record<string, unknown>): { readonly includeUsage: boolean } | undefined {
  if (optionalBoolean(body, 'stream') !== true) {
    if (body.stream_options !== undefined && body.stream_options !== null) {
      throw invalid('`stream_options` needs `stream: true`', 'stream_options');
    }
    return undefined;
  }
  const options = body.stream_options;
  if (options === undefined || options === null) return { includeUsage: false };
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalid('`stream_options` must be an object', 'stream_options');
  }
  return { includeUsage: optionalBoolean(options as Record<string, unknown>, 'include_usage') ?? false };
}

function completionLogprobs(ch: GenChoice): unknown {
  const tokens = ch.tokens!;
  const offsets: number[] = [];
  let at = 0;
  for (const t of tokens) {
    offsets.push(at);
    at += t.text.length;
  }
  return {
    tokens: tokens.map((t) => t.token),
    token_logprobs: tokens.map((t) => t.logprob),
    top_logprobs: tokens.map((t) => t.top),
    text_offset: offsets,
  };
}

function sampling(ctx: Context, body: Record<string, unknown>) {
  const n = optionalInteger(body, 'n', 1, ctx.config.maxN) ?? 1;
  const temperature = optionalNumber(body, 'temperature', 0, 2) ?? 1;
  const topP = optionalNumber(body, 'top_p', 0, 1) ?? 1;
  if (topP === 0) throw invalid('`top_p` must be > 0', 'top_p');
  // vLLM writes -1 for "off"; 0 means off here too.
  const topK = Math.max(0, optionalInteger(body, 'top_k', -1, Number.MAX_SAFE_INTEGER) ?? 0);
  const stop = body.stop;
  let stops: string[] = [];
  if (typeof stop === 'string') stops = [stop];
  else if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) stops = stop as string[];
  else if (stop !== undefined && stop !== null)
    throw invalid('`stop` must be a string or an array of strings', 'stop');
  if (stops.length > ctx.config.maxStop) {
    throw invalid(
      `\`stop\` has ${stops.length} strings; this server takes at most ${ctx.config.maxStop}`,
      'stop',
    );
  }
  if (stops.some((s) => s.length === 0)) throw invalid('`stop` strings must not be empty', 'stop');
  const seed = optionalInteger(body, 'seed', 0, Number.MAX_SAFE_INTEGER) ?? ctx.seeds.nextUint32();
  // Bounded: the offset costs one split per sample skipped.
  const sampleOffset = optionalInteger(body, SAMPLE_OFFSET_FIELD, 0, MAX_SAMPLE_OFFSET) ?? 0;
  return { n, temperature, topP, topK, stop: stops, seed, sampleOffset };
}

async function generate(ctx: Context, gen: Generation): Promise<GenResult> {
  const { runtime, tokenizer } = ctx.model;
  const limit = contextLimit(runtime);
  const encoded = gen.prompts.map((text, i) => {
    let ids: number[];
    try {
      ids = [tokenizer.bosId, ...tokenizer.encode(text)];
    } catch (error) {
      if (isO1labError(error, 'INVALID_INPUT')) {
        const at = gen.prompts.length > 1 ? `${gen.promptParam}[${i}]` : gen.promptParam;
        throw invalid(`${at}: ${error.message.replace(/^CharTokenizer\.encode: /, '')}`, gen.promptParam);
      }
      throw error;
    }
    if (ids.length > limit) {
      throw invalid(
        `the prompt has ${ids.length} tokens (with BOS); the model's context is ${limit}`,
        gen.promptParam,
      );
    }
    return ids;
  });

  // Streams: the (offset + k + 1)-th split of the seed's root generator, as OrtPolicy does.
  const root = createRng(gen.seed);
  for (let k = 0; k < gen.sampleOffset; k++) root.split();
  const rows: number[][] = [];
  const rngs: Rng[] = [];
  for (const ids of encoded) {
    for (let j = 0; j < gen.n; j++) {
      rows.push(ids);
      rngs.push(root.split());
    }
  }
  const special = new Set([tokenizer.bosId, tokenizer.eosId, tokenizer.padId]);
  const textOf = (id: number) => (special.has(id) ? '' : tokenizer.tokenText(id));
  let sequences: GeneratedSequence[];
  let prefillComputed = 0;
  if (gen.maxTokens > 0) {
    const out = await runtime.generate(rows, {
      maxTokens: gen.maxTokens,
      temperature: gen.temperature,
      topK: gen.topK,
      topP: gen.topP,
      rngs,
      stopTokenIds: [tokenizer.eosId],
      stopStrings: gen.stop,
      tokenText: textOf,
    });
    sequences = out.sequences;
    prefillComputed = out.stats.prefillTokens;
  } else {
    sequences = rows.map(() => ({ tokenIds: [], tokenLogprobs: [], text: '', finishReason: 'length' }));
  }

  const tokenName = (id: number) => (gen.tokenIdsAsText ? `token_id:${id}` : tokenizer.tokenText(id));
  const choices: GenChoice[] = [];
  for (const [k, seq] of sequences.entries()) {
    const ids = rows[k]!;
    const prompt = gen.prompts[Math.floor(k / gen.n)]!;
    let tokens: TokenInfo[] | undefined;
    if (gen.logprobs !== null) {
      const needForward = gen.echo || gen.logprobs > 0;
      const logits = needForward ? await fullLogits(runtime, [...ids, ...seq.tokenIds]) : undefined;
      if (logits !== undefined) prefillComputed += ids.length + seq.tokenIds.length;
      const V = logits === undefined ? 0 : logits.length / (ids.length + seq.tokenIds.length);
      const info = (id: number, position: number, sampled: number | null): TokenInfo => {
        // Logits at `position - 1` predict the token at `position`.
        const row =
          logits === undefined || position === 0
            ? undefined
            : logits.subarray((position - 1) * V, position * V);
        const lp = sampled ?? (row === undefined ? null : logSoftmaxAt(row, id));
        const top =
          row === undefined
            ? lp === null
              ? null
              : { [tokenName(id)]: lp }
            : topLogprobs(row, Math.max(1, gen.logprobs!), tokenName, id, lp);
        return { id, token: tokenName(id), text: textOf(id), logprob: lp, top };
      };
      tokens = [];
      if (gen.echo) for (const [p, id] of ids.entries()) tokens.push(info(id, p, null));
      for (const [g, id] of seq.tokenIds.entries())
        tokens.push(info(id, ids.length + g, seq.tokenLogprobs[g]!));
    }
    choices.push({
      index: k,
      prompt,
      text: gen.echo ? prompt + seq.text : seq.text,
      finishReason: seq.finishReason === 'length' ? 'length' : 'stop',
      stopReason: seq.finishReason === 'stop' ? (seq.stop ?? null) : null,
      tokens,
      promptTokens: ids.length,
    });
  }
  const promptTokens = encoded.reduce((a, ids) => a + ids.length, 0);
  const completionTokens = sequences.reduce((a, s) => a + s.tokenIds.length, 0);
  return {
    choices,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: {
        cached_tokens: Math.max(0, promptTokens - Math.min(prefillComputed, promptTokens)),
      },
    },
  };
}

// [T, V] logits of every position of `ids`, computed afresh (no prefix cache).
async function fullLogits(runtime: OrtRuntime, ids: readonly number[]): Promise<Float32Array> {
  const { rows } = await runtime.forward([ids], { usePrefixCache: false });
  return rows[0]!.logits;
}

function logSoftmaxAt(row: Float32Array, id: number): number {
  let max = -Infinity;
  for (const x of row) if (x > max) max = x;
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  return row[id]! - max - Math.log(sum);
}

function topLogprobs(
  row: Float32Array,
  k: number,
  name: (id: number) => string,
  sampled: number,
  sampledLogprob: number | null,
): Record<string, number> {
  let max = -Infinity;
  for (const x of row) if (x > max) max = x;
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const logZ = max + Math.log(sum);
  const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
  const out: Record<string, number> = {};
  for (const id of order.slice(0, k)) out[name(id)] = row[id]! - logZ;
  // Like vLLM, the sampled token is always among the alternatives.
  if (sampledLogprob !== null) out[name(sampled)] = sampledLogprob;
  return out;
}

function contextLimit(runtime: OrtRuntime): number {
  if (runtime.config.maxPositions > 0) return runtime.config.maxPositions;
  return runtime.modelConfig?.context ?? Number.POSITIVE_INFINITY;
}

// Request parsing

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the request body must be a JSON object', null);
  }
  return body as Record<string, unknown>;
}

function checkModel(ctx: Context, body: Record<string, unknown>): void {
  if (typeof body.model !== 'string') throw invalid('`model` must be a string', 'model');
  if (body.model !== ctx.config.modelName) throw modelNotFound(body.model, ctx.config.modelName);
}

const UNSUPPORTED: readonly [string, (v: unknown) => boolean][] = [
  ['best_of', (v) => v !== 1],
  ['suffix', (v) => v !== ''],
  ['logit_bias', (v) => typeof v !== 'object' || Object.keys(v as object).length > 0],
  ['presence_penalty', (v) => v !== 0],
  ['frequency_penalty', (v) => v !== 0],
  ['tools', (v) => !Array.isArray(v) || v.length > 0],
];

function checkUnsupported(body: Record<string, unknown>): void {
  for (const [name, isSet] of UNSUPPORTED) {
    const v = body[name];
    if (v !== undefined && v !== null && isSet(v)) {
      throw invalid(`\`${name}\` is not supported by this server`, name, 'unsupported_parameter');
    }
  }
}

function optionalNumber(
  body: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw invalid(`\`${name}\` must be a number, got ${describe(v)}`, name);
  if (v < min || v > max) throw invalid(`\`${name}\` must be in [${min}, ${max}], got ${v}`, name);
  return v;
}

function optionalInteger(
  body: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw invalid(`\`${name}\` must be an integer, got ${describe(v)}`, name);
  if (v < min || v > max) throw invalid(`\`${name}\` must be in [${min}, ${max}], got ${v}`, name);
  return v;
}

function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`\`${name}\` must be a boolean, got ${describe(v)}`, name);
  return v;
}

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () =>
    new HttpError(
      413,
      `the request body exceeds ${maxBytes} bytes (maxRequestBytes)`,
      'invalid_request_error',
      null,
      'request_too_large',
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= maxBytes) chunks.push(chunk);
  }
  if (bytes > maxBytes) throw tooLarge();
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(`the request body is not valid JSON (${(error as Error).message})`, null, 'invalid_json');
  }
}

// Responses

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null,
    readonly code: string | null,
  ) {
    super(message);
  }

  body(): OpenAIErrorBody {
    return errorBody(this.message, this.type, this.param, this.code);
  }
}

function invalid(message: string, param: string | null, code: string | null = null): HttpError {
  return new HttpError(400, message, 'invalid_request_error', param, code);
}

function modelNotFound(id: string, served: string): HttpError {
  return new HttpError(
    404,
    `The model \`${id}\` does not exist; this server serves \`${served}\``,
    'invalid_request_error',
    'model',
    'model_not_found',
  );
}

function errorBody(
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

function sendEvents(res: ServerResponse, events: readonly unknown[]): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`);
  res.end('data: [DONE]\n\n');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
