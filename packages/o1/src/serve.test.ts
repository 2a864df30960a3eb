import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const CHECKPOINT = fileURLToPath(new URL('../../../reference/models/countdown', import.meta.url));

describe('o1lab serve', () => {
  it('serves a checkpoint on the OpenAI-compatible API and stops cleanly on SIGTERM', async () => {
    const child = spawn(TSX, ['--conditions=source', BIN, 'serve', '--model', CHECKPOINT, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /on (http:\/\/[^\s]+)/.exec(out);
        if (m !== null) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`server exited before listening: ${out}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const models = (await (await fetch(`${url}/models`)).json()) as { data: { id: string }[] };
    expect(models.data).toHaveLength(1);
    const completion = (await (
      await fetch(`${url}/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: models.data[0]!.id, prompt: '12+', max_tokens: 4, temperature: 0 }),
      })
    ).json()) as { choices: { text: string }[] };
    expect(completion.choices).toHaveLength(1);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 240_000);
});
