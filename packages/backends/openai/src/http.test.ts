import type { State } from '@o1lab/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIBackendError, parseRetryAfter } from './http.js';
import { OpenAIPolicy, planRequests, toSample } from './policy.js';
import { closedPort, fakeCompletion, sendJson, startScriptedServer } from './test-server.js';

const problem = { id: 'p', task: 'toy', question: '', data: null };
const states: State[] = Array.from({ length: 5 }, (_, i) => ({ problem, prompt: `q${i}:`, steps: [] }));
const step = { n: 1, maxTokens: 4, stepDelimiter: '\n', seed: 1 } as const;

/** A sleep that records the delay and returns at once (no real waiting in tests). */
function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

async function failureOf(p: Promise<unknown>): Promise<OpenAIBackendError<unknown>> {
  try {
    await p;
  } catch (error) {
    if (error instanceof OpenAIBackendError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('OpenAIPolicy against failing servers', () => {
  it('a dead server: connection refused, named with its URL, after the retries', async () => {
    const port = await closedPort();
    const { delays, sleep } = recordingSleep();
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    const policy = new OpenAIPolicy({ baseUrl, model: 'm', sleep }, { maxRetries: 2, retryBaseDelayMs: 100 });
    const error = await failureOf(policy.sampleSteps(states.slice(0, 1), step));
    expect(error.code).toBe('BACKEND_ERROR');
    expect(error.failure).toBe('connection');
    expect(error.message).toContain(`POST ${baseUrl}/completions`);
    expect(error.message).toContain('connection refused (ECONNREFUSED) (3 attempts)');
    expect(error.attempts).toBe(3);
    expect(policy.requestStats()).toEqual({ attempts: 3, retries: 2, succeeded: 0, failed: 1 });
    // Full jitter: attempt a waits in [0, 100 * 2^a).
    expect(delays.length).toBe(2);
    expect(delays[0]).toBeGreaterThanOrEqual(0);
    expect(delays[0]).toBeLessThan(100);
    expect(delays[1]).toBeLessThan(200);
    expect(error.partial).toEqual([[undefined]]);
  });

  it('a slow server: no response within timeoutMs', async () => {
    const timers: NodeJS.Timeout[] = [];
    const slow = await startScriptedServer((_req, res, body) => {
      timers.push(setTimeout(() => sendJson(res, 200, fakeCompletion(body)), 10_000));
    });
    closers.push(async () => {
      for (const t of timers) clearTimeout(t);
      await slow.close();
    });
    const policy = new OpenAIPolicy({ baseUrl: slow.url, model: 'm' }, { timeoutMs: 150, maxRetries: 0 });
    const error = await failureOf(policy.sampleSteps(states.slice(0, 2), step));
    expect(error.failure).toBe('timeout');
    expect(error.message).toContain(
      `POST ${slow.url}/completions: no response within 150 ms (timeoutMs) (1 attempt)`,
    );
    expect(error.message).toContain('0 of 2 samples received');
    expect(policy.requestStats().failed).toBe(2);
  });

  it('a flaky server: 429 with Retry-After, then 200; 503, then 200', async () => {
    const flaky = await startScriptedServer((_req, res, body, count) => {
      if (count === 0) sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '2' });
      else if (count === 2) sendJson(res, 503, { error: { message: 'overloaded' } });
      else sendJson(res, 200, fakeCompletion(body));
    });
    closers.push(flaky.close);
    const { delays, sleep } = recordingSleep();
    const policy = new OpenAIPolicy(
      { baseUrl: flaky.url, model: 'm', sleep },
      { maxConcurrency: 1, retryBaseDelayMs: 50 },
    );
    const first = await policy.sampleSteps(states.slice(0, 1), step);
    expect(first[0]![0]!.text).toBe('t0');
    const second = await policy.sampleSteps(states.slice(0, 1), step);
    expect(second[0]![0]!).toMatchObject({ text: 't0', tokenIds: [7, 8], finishReason: 'stop', stop: '\n' });
    expect(delays[0]).toBe(2000);
    expect(delays[1]).toBeLessThan(50);
    expect(delays.length).toBe(2);
    expect(policy.requestStats()).toEqual({ attempts: 4, retries: 2, succeeded: 2, failed: 0 });
    expect(flaky.requests()).toBe(4);
  });

  it('a 4xx is not retried and its body is quoted', async () => {
    const picky = await startScriptedServer((_req, res) =>
      sendJson(res, 400, { error: { message: 'top_k must be > 0', param: 'top_k' } }),
    );
    closers.push(picky.close);
    const policy = new OpenAIPolicy({ baseUrl: picky.url, model: 'm' }, { maxRetries: 3 });
    const error = await failureOf(policy.sampleSteps(states.slice(0, 1), step));
    expect(error.status).toBe(400);
    expect(error.message).toContain('HTTP 400 Bad Request: {"error":{"message":"top_k must be > 0"');
    expect(picky.requests()).toBe(1);
  });

  it('a server that dies mid-batch: the samples received are kept in error.partial and metered', async () => {
    const dying = await startScriptedServer((_req, res, body, count) => {
      if (count < 2) sendJson(res, 200, fakeCompletion(body));
      else {
        res.destroy();
        dying.server.close();
      }
    });
    closers.push(dying.close);
    const { sleep } = recordingSleep();
    const policy = new OpenAIPolicy(
      { baseUrl: dying.url, model: 'm', sleep },
      { maxConcurrency: 1, maxRetries: 1 },
    );
    const error = await failureOf(policy.sampleSteps(states, { ...step, n: 2 }));
    expect(error.failure).toBe('connection');
    expect(error.message).toContain('4 of 10 samples received (in error.partial)');
    const partial = error.partial as (unknown | undefined)[][];
    expect(
      partial.map((row) => row.map((s) => (s === undefined ? null : (s as { text: string }).text))),
    ).toEqual([
      ['t0', 't1'],
      ['t0', 't1'],
      [null, null],
      [null, null],
      [null, null],
    ]);
    // Requests queued behind the failure are not sent: 2 answered, 1 failed with its retry.
    expect(policy.requestStats()).toEqual({ attempts: 4, retries: 1, succeeded: 2, failed: 1 });
    const m = policy.meter.snapshot();
    expect([m.policyCalls, m.samples, m.generatedTokens, m.prefillTokens, m.cachedPrefillTokens]).toEqual([
      1, 4, 8, 12, 8,
    ]);
  });

  it('cancels through an AbortSignal', async () => {
    const timers: NodeJS.Timeout[] = [];
    const slow = await startScriptedServer((_req, res, body) => {
      timers.push(setTimeout(() => sendJson(res, 200, fakeCompletion(body)), 10_000));
    });
    closers.push(async () => {
      for (const t of timers) clearTimeout(t);
      await slow.close();
    });
    const controller = new AbortController();
    const policy = new OpenAIPolicy({ baseUrl: slow.url, model: 'm' });
    const call = policy.sampleSteps(states.slice(0, 1), { ...step, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await failureOf(call);
    expect(error.failure).toBe('cancelled');
    expect(policy.requestStats().retries).toBe(0);
  });
});

describe('request plumbing', () => {
  it('keeps at most maxConcurrency requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    let held: (() => void)[] = [];
    const gate = await startScriptedServer((_req, res, body) => {
      inFlight++;
      most = Math.max(most, inFlight);
      held.push(() => {
        inFlight--;
        sendJson(res, 200, fakeCompletion(body));
      });
      // Answer once two are waiting: a third in flight would show in `most` first.
      if (held.length === 2) {
        const release = held;
        held = [];
        for (const r of release) r();
      }
    });
    closers.push(gate.close);
    const policy = new OpenAIPolicy({ baseUrl: gate.url, model: 'm' }, { maxConcurrency: 2 });
    const out = await policy.sampleSteps([...states, { problem, prompt: 'q5:', steps: [] }], step);
    expect(out.length).toBe(6);
    expect(most).toBe(2);
    expect(gate.requests()).toBe(6);
  });

  it('sends the sampling fields vLLM reads', async () => {
    const bodies: unknown[] = [];
    const echo = await startScriptedServer((_req, res, body) => {
      bodies.push(body);
      sendJson(res, 200, fakeCompletion(body));
    });
    closers.push(echo.close);
    const policy = new OpenAIPolicy(
      { baseUrl: `${echo.url}/`, model: 'qwen', apiKey: 'k' },
      { seedMode: 'o1lab', promptsPerRequest: 2, extraBody: { repetition_penalty: 1 } },
    );
    await policy.sampleSteps(states.slice(0, 3), {
      n: 2,
      maxTokens: 9,
      stepDelimiter: '\n',
      stop: ['END'],
      temperature: 0.7,
      topP: 0.9,
      topK: 5,
      seed: 42,
    });
    expect(bodies).toEqual([
      {
        repetition_penalty: 1,
        model: 'qwen',
        prompt: ['q0:', 'q1:'],
        n: 2,
        max_tokens: 9,
        logprobs: 0,
        seed: 42,
        stop: ['\n', 'END'],
        temperature: 0.7,
        top_p: 0.9,
        top_k: 5,
        return_tokens_as_token_ids: true,
        o1lab_sample_offset: 0,
      },
      expect.objectContaining({ prompt: 'q2:', o1lab_sample_offset: 4, seed: 42 }),
    ]);
  });

  it('plans requests by prompts per request and n per request', () => {
    expect(planRequests(3, 2, 2, 0)).toEqual([
      { firstState: 0, numStates: 2, firstSample: 0, n: 2 },
      { firstState: 2, numStates: 1, firstSample: 4, n: 2 },
    ]);
    expect(planRequests(2, 3, 4, 2)).toEqual([
      { firstState: 0, numStates: 1, firstSample: 0, n: 2 },
      { firstState: 0, numStates: 1, firstSample: 2, n: 1 },
      { firstState: 1, numStates: 1, firstSample: 3, n: 2 },
      { firstState: 1, numStates: 1, firstSample: 5, n: 1 },
    ]);
  });

  it('maps finish reasons of vLLM, SGLang and servers that report no stop reason', () => {
    expect(toSample({ text: 'a', finish_reason: 'stop', stop_reason: ';' }, [';'])).toMatchObject({
      finishReason: 'stop',
      stop: ';',
    });
    expect(toSample({ text: 'a', finish_reason: 'stop', stop_reason: null }, [';']).finishReason).toBe('eos');
    expect(toSample({ text: 'a', finish_reason: 'stop', matched_stop: 151645 }, [';']).finishReason).toBe(
      'eos',
    );
    expect(toSample({ text: 'a', finish_reason: 'stop' }, [';'])).toMatchObject({
      finishReason: 'stop',
      stop: ';',
    });
    expect(toSample({ text: 'a', finish_reason: 'stop' }, []).finishReason).toBe('eos');
    expect(toSample({ text: 'a', finish_reason: 'length' }, [';']).finishReason).toBe('length');
    const plain = toSample(
      { text: 'ab', finish_reason: 'length', logprobs: { tokens: ['a', 'b'], token_logprobs: [-1, -2] } },
      [],
    );
    expect([plain.tokenIds, plain.tokenLogprobs]).toEqual([[], [-1, -2]]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(new Date(Date.now() - 5000).toUTCString())).toBe(0);
  });

  it('rejects bad options naming them', () => {
    expect(() => new OpenAIPolicy({ baseUrl: 'localhost:8000', model: 'm' })).toThrow(
      /`baseUrl` must be an http/,
    );
    expect(() => new OpenAIPolicy({ baseUrl: 'http://x/v1', model: 'm' }, { maxConcurrency: 0 })).toThrow(
      /`maxConcurrency` must be >= 1/,
    );
    expect(
      () => new OpenAIPolicy({ baseUrl: 'http://x/v1', model: 'm' }, { seedMode: 'x' as 'o1lab' }),
    ).toThrow(/seedMode/);
  });
});
