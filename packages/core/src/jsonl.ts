import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { O1labError } from './errors.js';

/**
 * Checks one parsed value. Returns the typed value, or a string saying what is wrong with it.
 * (A zod schema adapts as `(v) => { const r = s.safeParse(v); return r.success ? r.data : r.error.message; }`.)
 */
export type Validator<T> = (value: unknown) => T | ValidationFailure;

/** The failure branch of a {@link Validator}. */
export interface ValidationFailure {
  readonly invalid: string;
}

/** Marks a value as invalid, with the reason. */
export function invalid(reason: string): ValidationFailure {
  return { invalid: reason };
}

function isFailure(value: unknown): value is ValidationFailure {
  return typeof value === 'object' && value !== null && 'invalid' in value && Object.keys(value).length === 1;
}

/** A line that could not be read. */
export interface JsonlLineError {
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  readonly reason: string;
}

/** Result of reading a JSONL file: the good records, and one error per bad line. */
export interface JsonlReadResult<T> {
  readonly records: T[];
  readonly errors: JsonlLineError[];
}

/**
 * Parses JSONL text. Blank lines are skipped; a line that is not JSON or fails `validate` is
 * reported as `source:line` with the reason, and the good lines are kept.
 */
export function parseJsonl<T = unknown>(
  text: string,
  validate?: Validator<T>,
  source = '<input>',
): JsonlReadResult<T> {
  const records: T[] = [];
  const errors: JsonlLineError[] = [];
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors.push({ file: source, line: lineNo, reason: `not JSON: ${(error as Error).message}` });
      continue;
    }
    if (validate === undefined) {
      records.push(value as T);
      continue;
    }
    const checked = validate(value);
    if (isFailure(checked)) errors.push({ file: source, line: lineNo, reason: checked.invalid });
    else records.push(checked);
  }
  return { records, errors };
}

/** Reads a JSONL file; see {@link parseJsonl}. A missing file is an `IO_ERROR` naming it. */
export async function readJsonl<T = unknown>(
  path: string,
  validate?: Validator<T>,
): Promise<JsonlReadResult<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new O1labError('IO_ERROR', `cannot read JSONL file: ${(error as Error).message}`, {
      where: path,
      cause: error,
    });
  }
  return parseJsonl(text, validate, path);
}

/**
 * Like {@link readJsonl}, but throws a `PARSE_ERROR` listing the first bad lines when any line is bad
 * (for inputs that must be whole, like a recipe's data).
 */
export async function readJsonlStrict<T = unknown>(path: string, validate?: Validator<T>): Promise<T[]> {
  const { records, errors } = await readJsonl(path, validate);
  if (errors.length > 0) {
    const shown = errors
      .slice(0, 5)
      .map((e) => `${e.file}:${e.line}: ${e.reason}`)
      .join('; ');
    throw new O1labError('PARSE_ERROR', `${errors.length} bad line(s): ${shown}`, { where: path });
  }
  return records;
}

/** Serialises records as JSONL (one JSON value per line, trailing newline). */
export function formatJsonl(records: Iterable<unknown>): string {
  let out = '';
  for (const record of records) out += `${JSON.stringify(record)}\n`;
  return out;
}

/**
 * Writes a file atomically: to a temporary file in the same directory, flushed to disk, then renamed
 * over the target. A crash leaves either the old file or the new one, never a torn one.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new O1labError('IO_ERROR', `cannot write file: ${(error as Error).message}`, {
      where: path,
      cause: error,
    });
  }
}

/** Writes records as JSONL, atomically. */
export async function writeJsonl(path: string, records: Iterable<unknown>): Promise<void> {
  await writeFileAtomic(path, formatJsonl(records));
}
