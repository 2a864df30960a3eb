import { createRng, O1labError, type Rng } from '@o1lab/core';
import type { OpenAIEndpoint, OpenAIHttpConfig } from './config.js';

/** Counts of a client's HTTP traffic. */
export interface OpenAIRequestStats {
  /** Attempts sent (first tries and retries). */
  readonly attempts: number;
  /** Attempts that were retries. */
  readonly retries: number;
  /** Requests that got a usable response. */
  readonly succeeded: number;
  /** Requests given up on (retries spent, a 4xx, a bad response, or cancelled). */
  readonly failed: number;
}

/** Why a request failed, for code that branches on it. */
export type OpenAIFailure = 'connection' | 'timeout' | 'http' | 'response' | 'cancelled';

/** Details of an {@link OpenAIBackendError}. */
export interface OpenAIBackendErrorDetails {
  readonly url: string;
  readonly failure: OpenAIFailure;
  /** HTTP status, for `failure: 'http'`. */
  readonly status?: number;
  /** Attempts made for the request that failed. */
  readonly attempts: number;
  /**
   * Results already received when a batched call failed: per state, per sample, the sample or
   * `undefined` where none arrived (`[states][n]`).
   */
  readonly partial?: readonly (readonly (unknown | undefined)[])[];
  readonly cause?: unknown;
}

/**
 * A request to the server failed for good. `code` is `'BACKEND_ERROR'`; the message names the URL
 * and what failed (connection refused, no response within N ms, HTTP status and body excerpt).
 * From a batched policy call, `partial` holds the samples that did arrive.
 */
export class OpenAIBackendError<P = unknown> extends O1labError {
  readonly url: string;
  readonly failure: OpenAIFailure;
  readonly status: number | undefined;
  readonly attempts: number;
  readonly partial: readonly (readonly (P | undefined)[])[] | undefined;
  /** What failed, without the URL and hint. */
  readonly what: string;

  constructor(what: string, details: OpenAIBackendErrorDetails, hint?: string) {
    super('BACKEND_ERROR', what, {
      where: `POST ${details.url}`,
      ...(hint === undefined ? {} : { hint }),
      ...(details.cause === undefined ? {} : { cause: details.cause }),
    });
    this.name = 'OpenAIBackendError';
    this.what = what;
    this.url = details.url;
    this.failure = details.failure;
    this.status = details.status;
    this.attempts = details.attempts;
    this.partial = details.partial as readonly (readonly (P | undefined)[])[] | undefined;
  }

  /** The same error with the results a batched call had received. */
  withPartial<Q>(partial: readonly (readonly (Q | undefined)[])[], note: string): OpenAIBackendError<Q> {
    return new OpenAIBackendError<Q>(
      `${this.what}; ${note}`,
      {
        url: this.url,
        failure: this.failure,
        ...(this.status === undefined ? {} : { status: this.status }),
        attempts: this.attempts,
        partial,
        cause: this,
      },
      this.hint,
    );
  }
}

const BODY_EXCERPT_CHARS = 300;

/** What {@link OpenAIHttpClient.post} returns for a request it did not send. */
export const SKIPPED: unique symbol = Symbol('skipped');

/**
 * JSON POSTs to an OpenAI-compatible server with a concurrency limit, per-attempt timeouts,
 * retries with exponential backoff and full jitter on 429/5xx/timeouts/connection errors (a
 * `Retry-After` header wins over the backoff), and cancellation through AbortSignal.
 */
export class OpenAIHttpClient {
  private readonly rng: Rng;
  private readonly slots: Semaphore;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private counts = { attempts: 0, retries: 0, succeeded: 0, failed: 0 };

  constructor(
    readonly endpoint: OpenAIEndpoint,
    readonly config: OpenAIHttpConfig,
  ) {
    if (typeof endpoint.baseUrl !== 'string' || !/^https?:\/\//.test(endpoint.baseUrl)) {
      throw new O1labError(
        'INVALID_CONFIG',
        `\`baseUrl\` must be an http(s) URL, got ${String(endpoint.baseUrl)}`,
        {
          where: 'OpenAIEndpoint',
          hint: 'e.g. http://127.0.0.1:8000/v1',
        },
      );
    }
    if (typeof endpoint.model !== 'string' || endpoint.model.length === 0) {
      throw new O1labError('INVALID_CONFIG', '`model` must be a non-empty string', {
        where: 'OpenAIEndpoint',
      });
    }
    // Stream 0x6a17 keeps the jitter apart from the seeds drawn from `config.seed`.
    this.rng = createRng(config.seed, 0x6a17);
    this.slots = new Semaphore(config.maxConcurrency);
    this.fetchFn = endpoint.fetch ?? globalThis.fetch;
    this.sleep = endpoint.sleep ?? abortableSleep;
  }

  stats(): OpenAIRequestStats {
    return { ...this.counts };
  }

  /**
   * POSTs `body` (with `model` and `extraBody` merged in) to `baseUrl + path` and returns the parsed
   * JSON; returns {@link SKIPPED} without sending when `skip()` is true once a slot is free.
   */
  async post(
    path: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
    skip?: () => boolean,
  ): Promise<unknown> {
    const url = `${this.endpoint.baseUrl.replace(/\/+$/, '')}${path}`;
    const signals = [this.endpoint.signal, signal].filter((s): s is AbortSignal => s !== undefined);
    const release = await this.slots.acquire();
    if (skip?.() === true) {
      release();
      return SKIPPED;
    }
    try {
      return await this.attempt(
        url,
        { ...this.config.extraBody, ...body, model: this.endpoint.model },
        signals,
      );
    } catch (error) {
      this.counts.failed++;
      throw error;
    } finally {
      release();
    }
  }

  private async attempt(
    url: string,
    body: Record<string, unknown>,
    signals: readonly AbortSignal[],
  ): Promise<unknown> {
    const { maxRetries, timeoutMs } = this.config;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.endpoint.headers };
    if (this.endpoint.apiKey !== undefined) headers.authorization = `Bearer ${this.endpoint.apiKey}`;
    const payload = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      const cancelled = () => signals.find((s) => s.aborted);
      if (cancelled() !== undefined) throw cancelledError(url, attempt);
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      this.counts.attempts++;
      if (attempt > 0) this.counts.retries++;
      let failure: {
        what: string;
        failure: OpenAIFailure;
        status?: number;
        retryAfterMs?: number;
        cause?: unknown;
      };
      try {
        const res = await this.fetchFn(url, {
          method: 'POST',
          headers,
          body: payload,
          signal: controller.signal,
        });
        const text = await res.text();
        if (res.ok) {
          try {
            const json = JSON.parse(text) as unknown;
            this.counts.succeeded++;
            return json;
          } catch {
            throw new OpenAIBackendError(`the response is not JSON: ${excerpt(text)}`, {
              url,
              failure: 'response',
              attempts: attempt + 1,
            });
          }
        }
        const summary = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}: ${excerpt(text)}`;
        if (res.status !== 429 && res.status < 500) {
          throw new OpenAIBackendError(summary, {
            url,
            failure: 'http',
            status: res.status,
            attempts: attempt + 1,
          });
        }
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        failure = {
          what: summary,
          failure: 'http',
          status: res.status,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        };
      } catch (error) {
        if (error instanceof OpenAIBackendError) throw error;
        if (cancelled() !== undefined) throw cancelledError(url, attempt + 1);
        failure = timedOut
          ? { what: `no response within ${timeoutMs} ms (timeoutMs)`, failure: 'timeout', cause: error }
          : { what: connectionProblem(error), failure: 'connection', cause: error };
      } finally {
        clearTimeout(timer);
        for (const s of signals) s.removeEventListener('abort', onAbort);
      }
      if (attempt >= maxRetries) {
        const tries = attempt + 1;
        throw new OpenAIBackendError(
          `${failure.what} (${tries} attempt${tries === 1 ? '' : 's'})`,
          {
            url,
            failure: failure.failure,
            ...(failure.status === undefined ? {} : { status: failure.status }),
            attempts: tries,
            cause: failure.cause,
          },
          failure.failure === 'connection'
            ? 'is the server running, and is `baseUrl` right?'
            : failure.failure === 'timeout'
              ? 'raise `timeoutMs`, or lower `maxConcurrency` or `max_tokens`'
              : undefined,
        );
      }
      const bound = Math.min(this.config.retryMaxDelayMs, this.config.retryBaseDelayMs * 2 ** attempt);
      const delay =
        failure.retryAfterMs === undefined
          ? this.rng.nextFloat() * bound
          : Math.min(failure.retryAfterMs, this.config.retryAfterMaxMs);
      const signal =
        signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : anySignal(signals);
      try {
        await this.sleep(delay, signal);
      } catch {
        throw cancelledError(url, attempt + 1);
      }
    }
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function connectionProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset by the server',
    UND_ERR_SOCKET: 'the server closed the connection',
    ENOTFOUND: 'host not found',
    EHOSTUNREACH: 'host unreachable',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  };
  if (code !== undefined) return `${known[code] ?? 'connection failed'} (${code})`;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return `connection failed (${message})`;
}

function cancelledError(url: string, attempts: number): OpenAIBackendError {
  return new OpenAIBackendError('cancelled through the AbortSignal', { url, failure: 'cancelled', attempts });
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length === 0) return '(empty body)';
  return flat.length > BODY_EXCERPT_CHARS ? `${flat.slice(0, BODY_EXCERPT_CHARS)}...` : flat;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function anySignal(signals: readonly AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/** A counting semaphore: at most `limit` holders; waiters are served first come, first served. */
class Semaphore {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.held >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.held--;
    };
  }
}
