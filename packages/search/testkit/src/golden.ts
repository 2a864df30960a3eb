import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json, SearchResult } from '@o1lab/core';
import { expect } from 'vitest';

/** Set to `1` to rewrite golden files instead of comparing against them. */
export const UPDATE_GOLDEN_ENV = 'O1LAB_UPDATE_GOLDEN';

/**
 * A search result as stored in a golden file: everything but wall time (which no two runs share),
 * as plain JSON.
 */
export function goldenOf<C, T>(result: SearchResult<C, T>): Json {
  const { wallTimeMs: _wallTimeMs, ...compute } = result.compute;
  return JSON.parse(JSON.stringify({ ...result, compute })) as Json;
}

/**
 * Compares `value` with the JSON stored at `file` (a `URL` such as
 * `new URL('./__golden__/beam-toy.json', import.meta.url)` or a path). With `O1LAB_UPDATE_GOLDEN=1`
 * it writes the file instead. A missing file fails and says how to create it.
 */
export function expectGolden(file: URL | string, value: Json): void {
  const path = typeof file === 'string' ? file : fileURLToPath(file);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env[UPDATE_GOLDEN_ENV] === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return;
  }
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} is missing; run the test with ${UPDATE_GOLDEN_ENV}=1 to write it`);
  }
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}
