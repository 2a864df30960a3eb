import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCompletionsServer, loadServedModel, type ServedModel } from '@o1lab/backend-serve';
import { createRng } from '@o1lab/core';
import {
  CharTokenizer,
  initTinyGptWeights,
  resolveTinyGptConfig,
  TASK_ALPHABET,
  writeTinyGptOnnx,
} from '@o1lab/model';

/**
 * A small random TinyGPT over the task alphabet, written as `model.onnx` + `tokenizer.json`, served
 * by `createCompletionsServer`, plus a second runtime over the same file for in-process sampling.
 */
export async function startTestModelServer(config: Parameters<typeof createCompletionsServer>[1] = {}) {
  const tokenizer = new CharTokenizer(TASK_ALPHABET);
  const model = resolveTinyGptConfig({
    vocabSize: tokenizer.vocabSize,
    dModel: 32,
    nHead: 2,
    nLayer: 2,
    context: 256,
    seed: 3,
  });
  const rng = createRng(5);
  const weights = new Map(
    [...initTinyGptWeights(model)].map(([name, w]) => [
      name,
      w.map((v) => v + rng.normal(0, name.endsWith('.g') ? 0.2 : 0.4)),
    ]),
  );
  const dir = await mkdtemp(join(tmpdir(), 'o1lab-openai-'));
  await writeTinyGptOnnx(join(dir, 'model.onnx'), model, weights);
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer.toJSON()));
  const runtime = { intraOpNumThreads: 1 };
  const served = await loadServedModel(dir, { runtime });
  const local: ServedModel = await loadServedModel(dir, { runtime });
  const server = await createCompletionsServer(served, { maxPrompts: 256, ...config });
  return {
    server,
    local,
    served,
    close: async () => {
      await server.close();
      await served.runtime.dispose();
      await local.runtime.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A loopback server whose handler the test writes; `url` is its `/v1` base. */
export async function startScriptedServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: unknown, count: number) => void,
): Promise<{ url: string; server: Server; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      handler(req, res, text === '' ? undefined : JSON.parse(text), count++);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    server,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A loopback port with nothing listening on it (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A completions response with one choice per prompt (text `t<i>`), in the vLLM shape. */
export function fakeCompletion(body: unknown): unknown {
  const b = body as { prompt: string | string[]; n?: number };
  const prompts = Array.isArray(b.prompt) ? b.prompt : [b.prompt];
  const n = b.n ?? 1;
  const choices = [];
  for (let i = 0; i < prompts.length * n; i++) {
    choices.push({
      index: i,
      text: `t${i}`,
      logprobs: { tokens: ['token_id:7', 'token_id:8'], token_logprobs: [-0.5, -0.25], text_offset: [0, 1] },
      finish_reason: 'stop',
      stop_reason: '\n',
    });
  }
  return {
    choices,
    usage: {
      prompt_tokens: 10 * prompts.length,
      completion_tokens: 2 * choices.length,
      prompt_tokens_details: { cached_tokens: 4 },
    },
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
