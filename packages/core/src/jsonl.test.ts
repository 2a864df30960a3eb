import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invalid, parseJsonl, readJsonl, readJsonlStrict, writeFileAtomic, writeJsonl } from './jsonl.js';

interface Row {
  prompt: string;
  completion: string;
}

const validateRow = (v: unknown): Row | ReturnType<typeof invalid> => {
  if (typeof v !== 'object' || v === null) return invalid('expected an object');
  const r = v as Record<string, unknown>;
  if (typeof r.prompt !== 'string') return invalid('`prompt` must be a string');
  if (typeof r.completion !== 'string') return invalid('`completion` must be a string');
  return { prompt: r.prompt, completion: r.completion };
};

describe('JSONL', () => {
  it('keeps good lines and reports bad ones as file:line with the reason', () => {
    const text = [
      '{"prompt":"a","completion":"b"}',
      '',
      '{"prompt":1,"completion":"b"}',
      'not json',
      '{"prompt":"c","completion":"d"}',
    ].join('\n');
    const { records, errors } = parseJsonl(text, validateRow, 'data.jsonl');
    expect(records).toEqual([
      { prompt: 'a', completion: 'b' },
      { prompt: 'c', completion: 'd' },
    ]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toEqual({ file: 'data.jsonl', line: 3, reason: '`prompt` must be a string' });
    expect(errors[1]!.line).toBe(4);
    expect(errors[1]!.reason).toMatch(/^not JSON/);
  });

  it('writes atomically and reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'o1lab-jsonl-'));
    const path = join(dir, 'sub', 'rows.jsonl');
    const rows = [
      { prompt: 'x', completion: 'y' },
      { prompt: 'üñí', completion: 'a\nb' },
    ];
    await writeJsonl(path, rows);
    expect((await readJsonl(path, validateRow)).records).toEqual(rows);
    expect(await readdir(join(dir, 'sub'))).toEqual(['rows.jsonl']);
    await writeFileAtomic(path, 'replaced');
    expect(await readFile(path, 'utf8')).toBe('replaced');
  });

  it('strict reading fails on a bad line and names it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'o1lab-jsonl-'));
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, '{"prompt":"a","completion":"b"}\n{"prompt":"a"}\n');
    await expect(readJsonlStrict(path, validateRow)).rejects.toThrow(
      /bad\.jsonl:2: `completion` must be a string/,
    );
    await expect(readJsonl(join(dir, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: cannot read JSONL file/,
    );
  });
});
