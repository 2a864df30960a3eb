import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { State } from '@o1lab/core';
import {
  CharTokenizer,
  HfTokenizer,
  initTinyGptWeights,
  OrtPolicy,
  OrtRuntime,
  resolveTinyGptConfig,
  writeHfDirectory,
} from '@o1lab/model';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServedModel } from './load.js';
import { createCompletionsServer } from './server.js';
import { TEST_ALPHABET } from './test-model.js';

const tokenizer = new CharTokenizer(TEST_ALPHABET);
const config = resolveTinyGptConfig({
  vocabSize: tokenizer.vocabSize,
  dModel: 32,
  nHead: 2,
  nLayer: 2,
  seed: 4,
});
const weights = initTinyGptWeights(config);
const dir = await mkdtemp(join(tmpdir(), 'o1lab-serve-hf-'));
await writeHfDirectory(dir, config, weights, tokenizer);
const model = await loadServedModel(dir);
const local = await OrtRuntime.fromWeights(config, weights);
afterAll(async () => {
  await model.runtime.dispose();
  await local.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('loadServedModel with a Hugging Face directory', () => {
  it('opens it with the HF tokenizer and serves the same completion as the original model', async () => {
    expect(model.tokenizer).toBeInstanceOf(HfTokenizer);
    expect(model.runtime.modelConfig).toEqual(config);
    const server = await createCompletionsServer(model, { maxN: 2, maxTokens: 32 });
    try {
      const response = await fetch(`${server.url}/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: server.config.modelName, prompt: '12+7=', max_tokens: 8, seed: 5 }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: { text: string }[] };
      const state: State = {
        problem: { id: 'p', task: 'toy', question: '', data: null },
        prompt: '12+7=',
        steps: [],
      };
      const samples = await new OrtPolicy(local, tokenizer).sampleCompletions([state], {
        maxTokens: 8,
        seed: 5,
      });
      expect(body.choices[0]!.text).toBe(samples[0]![0]!.text);
    } finally {
      await server.close();
    }
  });
});
