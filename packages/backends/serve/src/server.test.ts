import type { State } from '@o1lab/core';
import { OrtPolicy } from '@o1lab/model';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServedModel } from './load.js';
import { createCompletionsServer } from './server.js';
import { writeTestModel } from './test-model.js';

const files = await writeTestModel();
const model = await loadServedModel(files.dir);
const server = await createCompletionsServer(model, { maxN: 8, maxTokens: 32, maxRequestBytes: 4096 });
const client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
// A second runtime over the same file, so that in-process sampling shares no prefix cache with the server.
const local = await loadServedModel(files.dir);
afterAll(async () => {
  await server.close();
  await model.runtime.dispose();
  await local.runtime.dispose();
  await files.cleanup();
});

const state: State = {
  problem: { id: 'p', task: 'toy', question: '', data: null },
  prompt: '12+7=',
  steps: [],
};

type VllmChoice = OpenAI.Completions.CompletionChoice & { stop_reason?: string | number | null };

async function errorOf(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('createCompletionsServer with the openai client', () => {
  it('lists the served model', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => [m.id, m.owned_by])).toEqual([['tinygpt', 'o1lab']]);
    const one = await client.models.retrieve('tinygpt');
    expect(one.id).toBe('tinygpt');
  });

  it('samples n completions with stop, logprobs and max_tokens, as OrtPolicy does for the same seed', async () => {
    const res = await client.completions.create({
      model: 'tinygpt',
      prompt: '12+7=',
      n: 4,
      stop: [';'],
      logprobs: 0,
      max_tokens: 12,
      seed: 5,
    });
    expect(res.object).toBe('text_completion');
    expect(res.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    const policy = new OrtPolicy(local.runtime, local.tokenizer);
    const [expected] = await policy.sampleSteps([state], {
      n: 4,
      maxTokens: 12,
      stepDelimiter: ';',
      seed: 5,
    });
    for (const [j, choice] of (res.choices as VllmChoice[]).entries()) {
      const sample = expected![j]!;
      expect(choice.text).toBe(sample.text);
      expect(choice.text.includes(';')).toBe(false);
      expect(choice.finish_reason).toBe(sample.finishReason === 'length' ? 'length' : 'stop');
      expect(choice.stop_reason ?? null).toBe(sample.finishReason === 'stop' ? ';' : null);
      expect(choice.logprobs!.token_logprobs).toEqual(sample.tokenLogprobs);
      expect(choice.logprobs!.tokens!.length).toBe(sample.tokenIds.length);
      if (choice.finish_reason === 'length') expect(choice.logprobs!.tokens!.length).toBe(12);
    }
    expect(res.usage!.prompt_tokens).toBe(6);
    expect(res.usage!.completion_tokens).toBe(expected!.reduce((a, s) => a + s.tokenIds.length, 0));
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const ask = (seed: number) =>
      client.completions.create({ model: 'tinygpt', prompt: ['1', '2+'], n: 3, max_tokens: 10, seed });
    const texts = (r: OpenAI.Completions.Completion) => r.choices.map((c) => c.text);
    const a = await ask(11);
    expect(a.choices.length).toBe(6);
    expect(texts(await ask(11))).toEqual(texts(a));
    expect(texts(await ask(12))).not.toEqual(texts(a));
  });

  it('returns top logprobs and echoes prompt logprobs that match OrtPolicy.logprobs', async () => {
    const top = await client.completions.create({
      model: 'tinygpt',
      prompt: '3*4',
      max_tokens: 3,
      logprobs: 3,
      seed: 1,
    });
    const alternatives = top.choices[0]!.logprobs!.top_logprobs!;
    expect(alternatives.length).toBe(3);
    for (const alt of alternatives) expect(Object.keys(alt).length).toBeGreaterThanOrEqual(3);

    const echo = await client.completions.create({
      model: 'tinygpt',
      prompt: '12+7=19',
      max_tokens: 0,
      echo: true,
      logprobs: 0,
    });
    const lp = echo.choices[0]!.logprobs!;
    expect(echo.choices[0]!.text).toBe('12+7=19');
    expect(lp.token_logprobs![0]).toBeNull();
    expect(lp.text_offset).toEqual([0, 0, 1, 2, 3, 4, 5, 6]);
    const policy = new OrtPolicy(local.runtime, local.tokenizer);
    const expected = await policy.logprobs(state, '19');
    expect(lp.token_logprobs!.slice(6)[0]).toBeCloseTo(expected[0]!, 5);
    expect(lp.token_logprobs!.slice(6)[1]).toBeCloseTo(expected[1]!, 5);
  });

  it('answers chat completions, messages joined by the chat separator', async () => {
    const res = await client.chat.completions.create({
      model: 'tinygpt',
      messages: [
        { role: 'system', content: 'a' },
        { role: 'user', content: '12+7=' },
      ],
      max_tokens: 8,
      n: 2,
      seed: 3,
      logprobs: true,
      top_logprobs: 2,
    });
    expect(res.object).toBe('chat.completion');
    expect(res.choices.length).toBe(2);
    const raw = await client.completions.create({
      model: 'tinygpt',
      prompt: 'a\n12+7=',
      max_tokens: 8,
      n: 2,
      seed: 3,
    });
    expect(res.choices.map((c) => c.message.content)).toEqual(raw.choices.map((c) => c.text));
    expect(res.choices[0]!.message.role).toBe('assistant');
    expect(res.choices[0]!.logprobs!.content!.length).toBeGreaterThan(0);
    expect(res.choices[0]!.logprobs!.content![0]!.top_logprobs.length).toBeGreaterThanOrEqual(2);
  });

  it('rejects bad requests with the OpenAI error shape and the right status', async () => {
    const unknown = await errorOf(client.completions.create({ model: 'gpt-4', prompt: '1' }));
    expect([unknown.status, unknown.code, unknown.param]).toEqual([404, 'model_not_found', 'model']);

    const tooMany = await errorOf(client.completions.create({ model: 'tinygpt', prompt: '1', n: 9 }));
    expect([tooMany.status, tooMany.param]).toEqual([400, 'n']);
    expect(tooMany.message).toContain('[1, 8]');

    const longer = await errorOf(
      client.completions.create({ model: 'tinygpt', prompt: '1', max_tokens: 33 }),
    );
    expect([longer.status, longer.param]).toEqual([400, 'max_tokens']);

    const wrongType = await errorOf(
      client.completions.create({ model: 'tinygpt', prompt: '1', temperature: 'hot' as unknown as number }),
    );
    expect([wrongType.status, wrongType.param]).toEqual([400, 'temperature']);

    const alphabet = await errorOf(client.completions.create({ model: 'tinygpt', prompt: '1+Q' }));
    expect([alphabet.status, alphabet.param]).toEqual([400, 'prompt']);
    expect(alphabet.message).toContain('"Q"');

    const bestOf = await errorOf(client.completions.create({ model: 'tinygpt', prompt: '1', best_of: 3 }));
    expect([bestOf.status, bestOf.param, bestOf.code]).toEqual([400, 'best_of', 'unsupported_parameter']);

    const chat = await errorOf(client.chat.completions.create({ model: 'tinygpt', messages: [] }));
    expect([chat.status, chat.param]).toEqual([400, 'messages']);
  });

  it('streams completions and chat completions as server-sent events', async () => {
    const request = { model: 'tinygpt', prompt: '12+', n: 2, max_tokens: 10, stop: ['='], seed: 8 };
    const plain = await client.completions.create(request);
    const texts = ['', ''];
    const finish: (string | null)[] = [null, null];
    let usage: OpenAI.Completions.CompletionUsage | undefined | null;
    const stream = await client.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      for (const ch of chunk.choices) {
        texts[ch.index] += ch.text;
        if (ch.finish_reason !== null) finish[ch.index] = ch.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(texts).toEqual(plain.choices.map((c) => c.text));
    expect(finish).toEqual(plain.choices.map((c) => c.finish_reason));
    expect(usage?.completion_tokens).toBe(plain.usage!.completion_tokens);

    const messages = [{ role: 'user' as const, content: '3*4=' }];
    const chat = await client.chat.completions.create({ model: 'tinygpt', messages, max_tokens: 6, seed: 2 });
    let content = '';
    let reason: string | null = null;
    for await (const chunk of await client.chat.completions.create({
      model: 'tinygpt',
      messages,
      max_tokens: 6,
      seed: 2,
      stream: true,
    })) {
      expect(chunk.object).toBe('chat.completion.chunk');
      content += chunk.choices[0]?.delta.content ?? '';
      reason = chunk.choices[0]?.finish_reason ?? reason;
    }
    expect(content).toBe(chat.choices[0]!.message.content);
    expect(reason).toBe(chat.choices[0]!.finish_reason);
  });

  it('rejects bad JSON, oversized bodies and unknown routes', async () => {
    const post = (path: string, body: string) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const bad = await post('/completions', '{"model": "tinygpt", ');
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { error: { type: string; code: string; param: unknown } };
    expect(badBody.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null });

    const big = await post('/completions', JSON.stringify({ model: 'tinygpt', prompt: '1'.repeat(5000) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('request_too_large');

    const route = await post('/embeddings', '{}');
    expect(route.status).toBe(404);
    const method = await fetch(`${server.url}/completions`);
    expect(method.status).toBe(405);
    expect(server.stats().errors).toBeGreaterThanOrEqual(4);
  });
});
