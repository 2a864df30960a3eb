import { assertInteger, O1labError } from '@o1lab/core';

/** Options of {@link createCompletionsServer}. */
export interface CompletionsServerConfig {
  /** Interface to listen on; loopback unless you mean to expose the model. @default '127.0.0.1' */
  readonly host: string;
  /** TCP port; 0 picks a free one (read it from the server's `url`). @default 0 */
  readonly port: number;
  /** The model id clients name in `model` and that `/v1/models` lists. @default 'tinygpt' */
  readonly modelName: string;
  /** Largest request body in bytes; larger bodies get 413. @default 1048576 (1 MiB) */
  readonly maxRequestBytes: number;
  /** Largest `n` (choices per prompt). @default 64 */
  readonly maxN: number;
  /** Largest `max_tokens` (or `max_completion_tokens`). @default 1024 */
  readonly maxTokens: number;
  /** `max_tokens` of a request that sets none (the OpenAI completions default). @default 16 */
  readonly defaultMaxTokens: number;
  /** Most prompts in one completions request (`prompt` as an array). @default 64 */
  readonly maxPrompts: number;
  /** Most stop strings in one request. @default 16 */
  readonly maxStop: number;
  /** Largest `logprobs` (top alternatives per token) a request may ask for. @default 20 */
  readonly maxLogprobs: number;
  /** Seeds the requests that carry no `seed` (one draw per request, in arrival order). @default 0 */
  readonly seed: number;
  /** Put between chat messages' contents to make the prompt (a character model has no chat template). @default '\n' */
  readonly chatSeparator: string;
}

export const defaultCompletionsServerConfig: CompletionsServerConfig = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  modelName: 'tinygpt',
  maxRequestBytes: 1024 * 1024,
  maxN: 64,
  maxTokens: 1024,
  defaultMaxTokens: 16,
  maxPrompts: 64,
  maxStop: 16,
  maxLogprobs: 20,
  seed: 0,
  chatSeparator: '\n',
});

/** Validates server options, naming the option at fault. */
export function resolveCompletionsServerConfig(
  options: Partial<CompletionsServerConfig> = {},
): CompletionsServerConfig {
  const c = { ...defaultCompletionsServerConfig, ...options };
  const where = 'CompletionsServerConfig';
  for (const key of ['host', 'modelName'] as const) {
    if (typeof c[key] !== 'string' || c[key].length === 0) {
      throw new O1labError('INVALID_CONFIG', `\`${key}\` must be a non-empty string`, { where });
    }
  }
  if (typeof c.chatSeparator !== 'string') {
    throw new O1labError('INVALID_CONFIG', '`chatSeparator` must be a string', { where });
  }
  assertInteger('port', c.port, { min: 0, max: 65535 }, where);
  assertInteger('maxRequestBytes', c.maxRequestBytes, { min: 1 }, where);
  assertInteger('maxN', c.maxN, { min: 1 }, where);
  assertInteger('maxTokens', c.maxTokens, { min: 1 }, where);
  assertInteger('defaultMaxTokens', c.defaultMaxTokens, { min: 1, max: c.maxTokens }, where);
  assertInteger('maxPrompts', c.maxPrompts, { min: 1 }, where);
  assertInteger('maxStop', c.maxStop, { min: 0 }, where);
  assertInteger('maxLogprobs', c.maxLogprobs, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0, max: Number.MAX_SAFE_INTEGER }, where);
  return Object.freeze(c);
}
