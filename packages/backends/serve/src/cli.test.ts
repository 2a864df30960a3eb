import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CharTokenizer, initTinyGptWeights, resolveTinyGptConfig, saveCheckpoint } from '@o1lab/model';
import { describe, expect, it } from 'vitest';
import { runServe } from './cli.js';
import { loadServedModel } from './load.js';

describe('runServe (o1lab-serve)', () => {
  it('serves a model checkpoint directory under the given name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'o1lab-ckpt-'));
    try {
      const tokenizer = new CharTokenizer('0123456789+=');
      const config = resolveTinyGptConfig({
        vocabSize: tokenizer.vocabSize,
        dModel: 16,
        nHead: 2,
        nLayer: 1,
        context: 32,
      });
      const weights = initTinyGptWeights(config);
      await saveCheckpoint(join(dir, 'ckpt'), { model: { config, getWeights: () => weights }, tokenizer });
      const lines: string[] = [];
      const server = await runServe(
        ['--model', join(dir, 'ckpt'), '--port', '0', '--name', 'adder', '--max-n', '2'],
        (l) => lines.push(l),
      );
      try {
        expect(lines[0]).toContain(`adder on ${server.url}`);
        const models = (await (await fetch(`${server.url}/models`)).json()) as {
          data: { id: string; max_model_len: number }[];
        };
        expect(models.data.map((m) => [m.id, m.max_model_len])).toEqual([['adder', 32]]);
        const res = await fetch(`${server.url}/completions`, {
          method: 'POST',
          body: JSON.stringify({ model: 'adder', prompt: '1+1=', n: 3 }),
        });
        expect(res.status).toBe(400);
      } finally {
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says what is missing', async () => {
    await expect(runServe([])).rejects.toThrow(/`--model` is required/);
    await expect(runServe(['--model', '/nonexistent/model'])).rejects.toThrow(
      /no model at \/nonexistent\/model/,
    );
    await expect(loadServedModel(tmpdir())).rejects.toThrow(/cannot read .*model\.onnx/);
  });
});
