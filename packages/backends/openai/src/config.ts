import { assertBoolean, assertInteger, assertNumber, assertOneOf, type Json, O1labError } from '@o1lab/core';

/**
 * Where the server is and how to reach it. Kept apart from the configs below because it holds the
 * API key and functions, which must not end up in reports.
 */
export interface OpenAIEndpoint {
  /** Base URL of the API, with its `/v1`: `http://127.0.0.1:8000/v1`. */
  readonly baseUrl: string;
  /** Model id as the server names it (`vllm serve <model>`; see `GET /v1/models`). */
  readonly model: string;
  /** Sent as `Authorization: Bearer <apiKey>` (vLLM `--api-key`). */
  readonly apiKey?: string;
  /** Extra HTTP headers on every request (e.g. a router's routing key). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Cancels every request of this client; calls also take a `signal` of their own. */
  readonly signal?: AbortSignal;
  /** The fetch to use. @default globalThis.fetch (undici) */
  readonly fetch?: typeof fetch;
  /** Waits between retries; tests inject one that records the delay and returns at once. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** HTTP behaviour shared by {@link OpenAIPolicyConfig} and {@link OpenAIRewardConfig}. */
export interface OpenAIHttpConfig {
  /** Requests in flight at once from this client (across all its calls). @default 8 */
  readonly maxConcurrency: number;
  /** Time limit of one attempt (connect, response and body), in ms. @default 60000 */
  readonly timeoutMs: number;
  /** Retries after a 429, a 5xx, a timeout or a connection error; other 4xx never retry. @default 4 */
  readonly maxRetries: number;
  /** First backoff bound; attempt a waits uniform(0, min(max, base * 2^a)) ms ("full jitter"). @default 250 */
  readonly retryBaseDelayMs: number;
  /** Largest backoff bound. @default 8000 */
  readonly retryMaxDelayMs: number;
  /** Largest `Retry-After` honoured; a 429/503 that asks for longer waits this long. @default 60000 */
  readonly retryAfterMaxMs: number;
  /** Seeds the retry jitter and the calls that pass no `seed` (one draw per call). @default 0 */
  readonly seed: number;
  /** Extra JSON fields merged into every request body (server extensions, e.g. `repetition_penalty`). @default {} */
  readonly extraBody: Readonly<Record<string, Json>>;
}

/** How the `seed` of a policy call reaches the server. */
export type SeedMode = 'request' | 'o1lab';

/** Options of an {@link OpenAIPolicy}. */
export interface OpenAIPolicyConfig extends OpenAIHttpConfig {
  /** @default 'openai' */
  readonly name: string;
  /** Delimiter used to render states for `sampleCompletions` and `logprobs`. @default '\n' */
  readonly stepDelimiter: string;
  /**
   * States per request (`prompt` as an array). 1 sends one request per state, which lets a vLLM or
   * SGLang server batch them continuously and keeps partial results per state. @default 1
   */
  readonly promptsPerRequest: number;
  /** Largest `n` of one request; 0 means no limit. Set 1 for servers without `n` (llama.cpp). @default 0 */
  readonly maxNPerRequest: number;
  /**
   * `'request'`: each request gets its own seed, drawn from the call's seed in request order (any
   * server with `seed`). `'o1lab'`: each request carries the call's seed and the vendor field
   * `o1lab_sample_offset`, so that `o1lab serve` reproduces `OrtPolicy` sample for sample, however
   * the call is split into requests.
   * @default 'request'
   */
  readonly seedMode: SeedMode;
  /** Ask for token ids (`return_tokens_as_token_ids`, vLLM and `o1lab serve`); without them `tokenIds` is empty. @default true */
  readonly tokenIds: boolean;
  /** FLOPs of one forward token of the served model, for `meter.flops` (0: not counted). @default 0 */
  readonly flopsPerToken: number;
}

/** Options of an {@link OpenAIRewardModel}. */
export interface OpenAIRewardConfig extends OpenAIHttpConfig {
  /** @default 'openai-reward' */
  readonly name: string;
  /** Ends each step when states are rendered. @default '\n' */
  readonly stepDelimiter: string;
  /** Text put after the rendered solution (prefix) before the label token is read. @default '' */
  readonly labelPrompt: string;
  /** Token text that says "correct" (Math-Shepherd uses '+'). @default '+' */
  readonly positiveLabel: string;
  /** Token text that says "wrong". @default '-' */
  readonly negativeLabel: string;
  /** Alternatives requested per position (`logprobs`); both labels must be among them to count. @default 5 */
  readonly topLogprobs: number;
  /** Prompts (solutions or step prefixes) per request. @default 8 */
  readonly promptsPerRequest: number;
}

const HTTP_DEFAULTS: OpenAIHttpConfig = {
  maxConcurrency: 8,
  timeoutMs: 60_000,
  maxRetries: 4,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 8000,
  retryAfterMaxMs: 60_000,
  seed: 0,
  extraBody: Object.freeze({}),
};

export const defaultOpenAIPolicyConfig: OpenAIPolicyConfig = Object.freeze({
  ...HTTP_DEFAULTS,
  name: 'openai',
  stepDelimiter: '\n',
  promptsPerRequest: 1,
  maxNPerRequest: 0,
  seedMode: 'request',
  tokenIds: true,
  flopsPerToken: 0,
});

export const defaultOpenAIRewardConfig: OpenAIRewardConfig = Object.freeze({
  ...HTTP_DEFAULTS,
  name: 'openai-reward',
  stepDelimiter: '\n',
  labelPrompt: '',
  positiveLabel: '+',
  negativeLabel: '-',
  topLogprobs: 5,
  promptsPerRequest: 8,
});

/** Validates policy options, naming the option at fault. */
export function resolveOpenAIPolicyConfig(options: Partial<OpenAIPolicyConfig> = {}): OpenAIPolicyConfig {
  const c = { ...defaultOpenAIPolicyConfig, ...options };
  const where = 'OpenAIPolicyConfig';
  checkHttp(c, where);
  checkString('name', c.name, where);
  checkString('stepDelimiter', c.stepDelimiter, where);
  assertInteger('promptsPerRequest', c.promptsPerRequest, { min: 1 }, where);
  assertInteger('maxNPerRequest', c.maxNPerRequest, { min: 0 }, where);
  assertOneOf('seedMode', c.seedMode, ['request', 'o1lab'], where);
  assertBoolean('tokenIds', c.tokenIds, where);
  assertNumber('flopsPerToken', c.flopsPerToken, { min: 0 }, where);
  return Object.freeze(c);
}

/** Validates reward-model options, naming the option at fault. */
export function resolveOpenAIRewardConfig(options: Partial<OpenAIRewardConfig> = {}): OpenAIRewardConfig {
  const c = { ...defaultOpenAIRewardConfig, ...options };
  const where = 'OpenAIRewardConfig';
  checkHttp(c, where);
  checkString('name', c.name, where);
  checkString('stepDelimiter', c.stepDelimiter, where);
  checkString('positiveLabel', c.positiveLabel, where);
  checkString('negativeLabel', c.negativeLabel, where);
  if (typeof c.labelPrompt !== 'string') {
    throw new O1labError('INVALID_CONFIG', '`labelPrompt` must be a string', { where });
  }
  if (c.positiveLabel.trim() === c.negativeLabel.trim()) {
    throw new O1labError('INVALID_CONFIG', '`positiveLabel` and `negativeLabel` must differ', { where });
  }
  assertInteger('topLogprobs', c.topLogprobs, { min: 1 }, where);
  assertInteger('promptsPerRequest', c.promptsPerRequest, { min: 1 }, where);
  return Object.freeze(c);
}

function checkHttp(c: OpenAIHttpConfig, where: string): void {
  assertInteger('maxConcurrency', c.maxConcurrency, { min: 1 }, where);
  assertInteger('timeoutMs', c.timeoutMs, { min: 1 }, where);
  assertInteger('maxRetries', c.maxRetries, { min: 0 }, where);
  assertNumber('retryBaseDelayMs', c.retryBaseDelayMs, { min: 0 }, where);
  assertNumber('retryMaxDelayMs', c.retryMaxDelayMs, { min: c.retryBaseDelayMs }, where);
  assertNumber('retryAfterMaxMs', c.retryAfterMaxMs, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0, max: Number.MAX_SAFE_INTEGER }, where);
  if (typeof c.extraBody !== 'object' || c.extraBody === null || Array.isArray(c.extraBody)) {
    throw new O1labError('INVALID_CONFIG', '`extraBody` must be an object of JSON fields', { where });
  }
}

function checkString(name: string, value: unknown, where: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new O1labError('INVALID_CONFIG', `\`${name}\` must be a non-empty string`, { where });
  }
}
