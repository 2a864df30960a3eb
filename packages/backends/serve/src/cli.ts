import { parseArgs } from 'node:util';
import { O1labError } from '@o1lab/core';
import { type CompletionsServerConfig, defaultCompletionsServerConfig } from './config.js';
import { loadServedModel } from './load.js';
import { type CompletionsServer, createCompletionsServer } from './server.js';

export const SERVE_USAGE = `usage: o1lab-serve --model <checkpoint dir | model dir | file.onnx> [options]

  --tokenizer <file>        tokenizer JSON (default: tokenizer.json beside the model)
  --host <host>             default ${defaultCompletionsServerConfig.host} (loopback)
  --port <port>             default 8000 (0 picks a free port)
  --name <id>               model id clients send, default ${defaultCompletionsServerConfig.modelName}
  --max-n <n>               default ${defaultCompletionsServerConfig.maxN}
  --max-tokens <n>          default ${defaultCompletionsServerConfig.maxTokens}
  --max-request-bytes <n>   default ${defaultCompletionsServerConfig.maxRequestBytes}
  --seed <n>                seeds requests that send no seed, default ${defaultCompletionsServerConfig.seed}
  --threads <n>             ONNX Runtime intra-op threads (0: one per core), default 0
`;

/**
 * `o1lab-serve` (and `o1lab serve`): parses `argv`, loads the model and starts the server. Returns
 * the listening server; the caller decides when to close it.
 */
export async function runServe(
  argv: readonly string[],
  log: (line: string) => void = console.log,
): Promise<CompletionsServer> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      model: { type: 'string' },
      tokenizer: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      name: { type: 'string' },
      'max-n': { type: 'string' },
      'max-tokens': { type: 'string' },
      'max-request-bytes': { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
    },
    strict: true,
  });
  if (values.model === undefined) {
    throw new O1labError('INVALID_INPUT', '`--model` is required', {
      where: 'o1lab-serve',
      hint: SERVE_USAGE,
    });
  }
  const int = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isInteger(x))
      throw new O1labError('INVALID_INPUT', `\`--${flag}\` must be an integer, got ${v}`, {
        where: 'o1lab-serve',
      });
    return x;
  };
  const config: Partial<Record<keyof CompletionsServerConfig, unknown>> = {
    host: values.host,
    port: int('port', values.port) ?? 8000,
    modelName: values.name,
    maxN: int('max-n', values['max-n']),
    maxTokens: int('max-tokens', values['max-tokens']),
    maxRequestBytes: int('max-request-bytes', values['max-request-bytes']),
    seed: int('seed', values.seed),
  };
  const threads = int('threads', values.threads);
  const model = await loadServedModel(values.model, {
    ...(values.tokenizer === undefined ? {} : { tokenizerPath: values.tokenizer }),
    ...(threads === undefined ? {} : { runtime: { intraOpNumThreads: threads } }),
  });
  const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  const server = await createCompletionsServer(model, defined as Partial<CompletionsServerConfig>);
  log(`o1lab-serve: ${server.config.modelName} on ${server.url} (${model.runtime.executionProvider})`);
  return server;
}
