import {
  assertInteger,
  ComputeMeter,
  createRng,
  type FinishReason,
  type Policy,
  type Rng,
  renderState,
  type Sample,
  type SampleOptions,
  type State,
} from '@o1lab/core';
import { type OpenAIEndpoint, type OpenAIPolicyConfig, resolveOpenAIPolicyConfig } from './config.js';
import { OpenAIBackendError, OpenAIHttpClient, type OpenAIRequestStats, SKIPPED } from './http.js';
import { meterUsage, type Usage } from './usage.js';

/** Vendor field of `o1lab serve`: index of a request's first sample within its policy call. */
export const SAMPLE_OFFSET_FIELD = 'o1lab_sample_offset';

/** Per-call options beyond the core `SampleOptions`. */
export interface OpenAICallOptions {
  /** Cancels this call's requests. */
  readonly signal?: AbortSignal;
}

/** One request of a call: samples `first .. first + numStates * n - 1` in (state, sample) order. */
export interface PlannedRequest {
  readonly firstState: number;
  readonly numStates: number;
  /** Index of the request's first sample within the call. */
  readonly firstSample: number;
  /** Samples per state in this request. */
  readonly n: number;
}

/**
 * The core `Policy` over the OpenAI-compatible `/v1/completions` API (vLLM, SGLang, TGI,
 * llama.cpp, `o1lab serve`). A state is rendered with `renderState(state, delimiter)` and sent as
 * the prompt; prefix reuse is the server's (vLLM automatic prefix caching, SGLang RadixAttention).
 * A call over many states becomes several requests (`promptsPerRequest`, `maxNPerRequest`), sent
 * at most `maxConcurrency` at a time, each retried on 429/5xx/timeouts/connection errors.
 *
 * When a request fails for good the call waits for the requests in flight, then throws an
 * {@link OpenAIBackendError} whose `partial` holds the samples received (`[states][n]`, holes
 * `undefined`); their compute is in `meter`.
 */
export class OpenAIPolicy implements Policy {
  readonly name: string;
  readonly meter = new ComputeMeter();
  readonly flopsPerToken: number | undefined;
  readonly config: OpenAIPolicyConfig;
  private readonly http: OpenAIHttpClient;
  private readonly rng: Rng;

  constructor(
    readonly endpoint: OpenAIEndpoint,
    options: Partial<OpenAIPolicyConfig> = {},
  ) {
    this.config = resolveOpenAIPolicyConfig(options);
    this.http = new OpenAIHttpClient(endpoint, this.config);
    this.name = this.config.name;
    this.rng = createRng(this.config.seed);
    this.flopsPerToken = this.config.flopsPerToken > 0 ? this.config.flopsPerToken : undefined;
  }

  /** Attempts, retries, successes and failures of this policy's requests. */
  requestStats(): OpenAIRequestStats {
    return this.http.stats();
  }

  async sampleSteps(
    states: readonly State[],
    options: SampleOptions & { readonly stepDelimiter: string } & OpenAICallOptions,
  ): Promise<Sample[][]> {
    const stop = [options.stepDelimiter, ...(options.stop ?? [])];
    return this.sample(states, { ...options, stop }, options.stepDelimiter, 'OpenAIPolicy.sampleSteps');
  }

  async sampleCompletions(
    states: readonly State[],
    options: SampleOptions & OpenAICallOptions,
  ): Promise<Sample[][]> {
    return this.sample(states, options, this.config.stepDelimiter, 'OpenAIPolicy.sampleCompletions');
  }

  /**
   * Per-token log-probabilities of `continuation` after `state`, from the prompt logprobs of an
   * `echo: true, max_tokens: 0, logprobs: 1` request (vLLM, `o1lab serve`). The tokens are those
   * whose `text_offset` is at or past the end of the rendered state; a token that straddles the
   * boundary counts with the prompt.
   */
  async logprobs(
    state: State,
    continuation: string,
    options: OpenAICallOptions = {},
  ): Promise<readonly number[]> {
    const prompt = renderState(state, this.config.stepDelimiter);
    const start = performance.now();
    const json = await this.http.post(
      '/completions',
      { prompt: prompt + continuation, echo: true, max_tokens: 0, logprobs: 1, temperature: 0 },
      options.signal,
    );
    const res = json as CompletionResponse;
    const lp = res.choices?.[0]?.logprobs;
    if (!Array.isArray(lp?.token_logprobs) || !Array.isArray(lp.text_offset)) {
      throw new OpenAIBackendError(
        'the response has no prompt logprobs (logprobs.token_logprobs and text_offset)',
        { url: this.url('/completions'), failure: 'response', attempts: 1 },
        'the server must support `echo` with `logprobs` (vLLM, `o1lab serve`)',
      );
    }
    const out: number[] = [];
    lp.token_logprobs.forEach((value, i) => {
      if ((lp.text_offset![i] ?? -1) >= prompt.length && typeof value === 'number') out.push(value);
    });
    meterUsage(this.meter, res.usage, this.config.flopsPerToken);
    this.meter.add({ policyCalls: 1, wallTimeMs: performance.now() - start });
    return out;
  }

  private async sample(
    states: readonly State[],
    options: SampleOptions & OpenAICallOptions,
    delimiter: string,
    where: string,
  ): Promise<Sample[][]> {
    const n = options.n ?? 1;
    assertInteger('n', n, { min: 1 }, where);
    assertInteger('maxTokens', options.maxTokens, { min: 1 }, where);
    const seed = options.seed ?? this.rng.nextUint32();
    assertInteger('seed', seed, { min: 0 }, where);
    const start = performance.now();
    const prompts = states.map((s) => renderState(s, delimiter));
    const stops = options.stop ?? [];
    const plan = planRequests(states.length, n, this.config.promptsPerRequest, this.config.maxNPerRequest);
    const seeds = createRng(seed);
    const results: (Sample | undefined)[][] = states.map(() =>
      new Array<Sample | undefined>(n).fill(undefined),
    );
    let failure: OpenAIBackendError | undefined;
    let received = 0;

    const run = async (req: PlannedRequest, requestSeed: number): Promise<void> => {
      if (failure !== undefined) return;
      const body: Record<string, unknown> = {
        prompt:
          req.numStates === 1
            ? prompts[req.firstState]!
            : prompts.slice(req.firstState, req.firstState + req.numStates),
        n: req.n,
        max_tokens: options.maxTokens,
        logprobs: 0,
        seed: requestSeed,
        ...(stops.length > 0 ? { stop: stops } : {}),
        ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
        ...(options.topP === undefined ? {} : { top_p: options.topP }),
        ...(options.topK === undefined || options.topK === 0 ? {} : { top_k: options.topK }),
        ...(this.config.tokenIds ? { return_tokens_as_token_ids: true } : {}),
        ...(this.config.seedMode === 'o1lab' ? { [SAMPLE_OFFSET_FIELD]: req.firstSample } : {}),
      };
      let json: unknown;
      try {
        // Requests still queued for a slot when another one failed for good are not sent.
        json = await this.http.post('/completions', body, options.signal, () => failure !== undefined);
        if (json === SKIPPED) return;
      } catch (error) {
        failure ??= error instanceof OpenAIBackendError ? error : wrap(error, this.url('/completions'));
        return;
      }
      const res = json as CompletionResponse;
      const choices = Array.isArray(res.choices) ? [...res.choices] : [];
      const expected = req.numStates * req.n;
      if (choices.length !== expected) {
        failure ??= new OpenAIBackendError(
          `the response has ${choices.length} choices, expected ${expected}`,
          {
            url: this.url('/completions'),
            failure: 'response',
            attempts: 1,
          },
        );
        return;
      }
      choices.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      meterUsage(this.meter, res.usage, this.config.flopsPerToken);
      for (const [k, choice] of choices.entries()) {
        // Sample index within the call, in (state, sample) order.
        const g = req.firstSample + k;
        results[Math.floor(g / n)]![g % n] = toSample(choice, stops);
        received++;
      }
    };

    const pending = plan.map((req) => run(req, this.config.seedMode === 'o1lab' ? seed : seeds.nextUint32()));
    await Promise.all(pending);
    this.meter.add({ policyCalls: 1, samples: received, wallTimeMs: performance.now() - start });
    if (failure !== undefined) {
      const total = states.length * n;
      throw (failure as OpenAIBackendError).withPartial<Sample>(
        results,
        `${received} of ${total} samples received (in error.partial)`,
      );
    }
    return results as Sample[][];
  }

  private url(path: string): string {
    return `${this.endpoint.baseUrl.replace(/\/+$/, '')}${path}`;
  }
}

/**
 * Splits a call over `numStates` states with `n` samples each into requests: groups of up to
 * `promptsPerRequest` states when `n` fits in one request, else per state chunks of at most
 * `maxNPerRequest` samples (0: no limit).
 */
export function planRequests(
  numStates: number,
  n: number,
  promptsPerRequest: number,
  maxNPerRequest: number,
): PlannedRequest[] {
  const out: PlannedRequest[] = [];
  if (maxNPerRequest === 0 || n <= maxNPerRequest) {
    for (let s = 0; s < numStates; s += promptsPerRequest) {
      const count = Math.min(promptsPerRequest, numStates - s);
      out.push({ firstState: s, numStates: count, firstSample: s * n, n });
    }
    return out;
  }
  for (let s = 0; s < numStates; s++) {
    for (let j = 0; j < n; j += maxNPerRequest) {
      out.push({ firstState: s, numStates: 1, firstSample: s * n + j, n: Math.min(maxNPerRequest, n - j) });
    }
  }
  return out;
}

/** The parts of a completions response this client reads. */
export interface CompletionResponse {
  readonly choices?: readonly CompletionChoice[];
  readonly usage?: Usage;
}

interface CompletionChoice {
  readonly index?: number;
  readonly text?: string;
  readonly finish_reason?: string | null;
  /** vLLM: the stop string or token id that ended the choice; null for end of sequence or length. */
  readonly stop_reason?: string | number | null;
  /** SGLang's name for the same. */
  readonly matched_stop?: string | number | null;
  readonly logprobs?: {
    readonly tokens?: readonly string[];
    readonly token_logprobs?: readonly (number | null)[];
    readonly text_offset?: readonly number[];
  } | null;
}

const TOKEN_ID = /^token_id:(\d+)$/;

/**
 * A choice as a core `Sample`. `finish_reason: 'length'` is `'length'`; `'stop'` is a stop string
 * when `stop_reason` (vLLM) or `matched_stop` (SGLang) is a string, end of sequence when it is a
 * token id or null, and — for servers that report neither (TGI, llama.cpp) — the first stop string
 * of the request, or end of sequence when there was none.
 */
export function toSample(choice: CompletionChoice, stops: readonly string[]): Sample {
  const text = typeof choice.text === 'string' ? choice.text : '';
  const tokens = choice.logprobs?.tokens ?? [];
  const ids = tokens.map((t) => TOKEN_ID.exec(t));
  const tokenIds = ids.every((m) => m !== null) ? ids.map((m) => Number(m![1])) : [];
  const tokenLogprobs = (choice.logprobs?.token_logprobs ?? []).map((x) => (typeof x === 'number' ? x : 0));
  let finishReason: FinishReason = 'length';
  let stop: string | undefined;
  if (choice.finish_reason !== 'length') {
    const reason =
      'stop_reason' in choice
        ? choice.stop_reason
        : 'matched_stop' in choice
          ? choice.matched_stop
          : undefined;
    if (typeof reason === 'string') {
      finishReason = 'stop';
      stop = reason;
    } else if (reason === undefined && stops.length > 0) {
      finishReason = 'stop';
      stop = stops[0]!;
    } else finishReason = 'eos';
  }
  const base = { text, tokenIds, tokenLogprobs, finishReason };
  return stop === undefined ? base : { ...base, stop };
}

function wrap(error: unknown, url: string): OpenAIBackendError {
  return new OpenAIBackendError(error instanceof Error ? error.message : String(error), {
    url,
    failure: 'response',
    attempts: 1,
    cause: error,
  });
}
