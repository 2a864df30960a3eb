import type { Json, Policy, Problem, State } from '@o1lab/core';
import { createRng } from '@o1lab/core';
import {
  CharTokenizer,
  initTinyGptWeights,
  OrtPolicy,
  OrtRuntime,
  resolveTinyGptConfig,
  TASK_ALPHABET,
  type Tokenizer,
} from '@o1lab/model';
import { countdownTask } from '@o1lab/tasks';
import type { BenchContext, BenchRecord, BenchSuite } from '../harness.js';
import { measure, rescaleRecord, skippedRecord } from '../harness.js';

const SEED = 11;
const NUM_STATES = 8;
const N = 4;
const MAX_TOKENS = 16;
const MAX_CONCURRENCY = 4;
const MODEL = { dModel: 64, nHead: 2, nLayer: 2, context: 128 } as const;

// The parts of @o1lab/backend-serve and @o1lab/backend-openai this suite uses. They are loaded by
// name at run time, so the benchmarks build does not depend on the backend packages being built; a
// skipped record says when they are not.
interface ServeModule {
  createCompletionsServer(
    model: { readonly runtime: OrtRuntime; readonly tokenizer: Tokenizer },
    config?: Readonly<Record<string, Json>>,
  ): Promise<{ readonly url: string; close(): Promise<void> }>;
}
interface OpenAIModule {
  OpenAIPolicy: new (
    endpoint: { readonly baseUrl: string; readonly model: string },
    config?: Readonly<Record<string, Json>>,
  ) => Policy;
}

/**
 * `@o1lab/backend-openai` against `o1lab serve` on loopback: one `sampleSteps` call over NUM_STATES
 * countdown states with n = N (one request per state, MAX_CONCURRENCY in flight), against the same
 * call on `OrtPolicy` in process. The model is a random-init TinyGPT, so this measures the protocol
 * and server overhead around a tiny forward pass, not a model: requests/s and samples/s over HTTP,
 * samples/s in process.
 */
export const suite: BenchSuite = {
  name: 'backend',
  description:
    'OpenAI-compatible backend: requests/s and samples/s of OpenAIPolicy against o1lab serve (loopback, tiny model)',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const config = {
      numStates: NUM_STATES,
      n: N,
      maxTokens: MAX_TOKENS,
      maxConcurrency: MAX_CONCURRENCY,
      promptsPerRequest: 1,
      model: { ...MODEL, weights: 'init' },
    };
    const task = {
      name: 'backend/http-sampleSteps',
      unit: 'requests/s',
      config,
      seed: SEED,
      backend: { ort: 'cpu' },
    };
    let serve: ServeModule;
    let openai: OpenAIModule;
    try {
      serve = (await import(moduleName('serve'))) as ServeModule;
      openai = (await import(moduleName('openai'))) as OpenAIModule;
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      return [skippedRecord(task, `backend packages not loadable (${reason})`)];
    }

    const tokenizer = new CharTokenizer(TASK_ALPHABET);
    const model = resolveTinyGptConfig({ vocabSize: tokenizer.vocabSize, ...MODEL });
    const served = await OrtRuntime.fromWeights(model, initTinyGptWeights(model));
    const local = await OrtRuntime.fromWeights(model, initTinyGptWeights(model));
    const server = await serve.createCompletionsServer(
      { runtime: served, tokenizer },
      { maxPrompts: NUM_STATES },
    );
    try {
      const states = countdownStates(NUM_STATES);
      const options = { n: N, maxTokens: MAX_TOKENS, stepDelimiter: countdownTask.stepDelimiter, seed: SEED };
      const http = new openai.OpenAIPolicy(
        { baseUrl: server.url, model: 'tinygpt' },
        { maxConcurrency: MAX_CONCURRENCY, promptsPerRequest: 1 },
      );
      const ort = new OrtPolicy(local, tokenizer, { stepDelimiter: countdownTask.stepDelimiter });
      const overHttp = await measure(
        { ...task, itemsPerIteration: NUM_STATES, fn: () => http.sampleSteps(states, options) },
        ctx,
      );
      const inProcess = await measure(
        {
          ...task,
          name: 'backend/ort-sampleSteps',
          unit: 'samples/s',
          itemsPerIteration: NUM_STATES * N,
          fn: () => ort.sampleSteps(states, options),
        },
        ctx,
      );
      return [
        overHttp,
        rescaleRecord(overHttp, 'backend/http-sampleSteps-samples', 'samples/s', N),
        inProcess,
      ];
    } finally {
      await server.close();
      await served.dispose();
      await local.dispose();
    }
  },
};

function moduleName(kind: 'serve' | 'openai'): string {
  return `@o1lab/backend-${kind}`;
}

function countdownStates(count: number): State[] {
  const rng = createRng(SEED);
  return Array.from({ length: count }, () => {
    const problem = countdownTask.generate(rng) as unknown as Problem<Json>;
    return { problem, prompt: countdownTask.prompt(problem as never), steps: [] };
  });
}
