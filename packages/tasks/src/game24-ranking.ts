import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { O1labError } from '@o1lab/core';

/** One row of the human difficulty ranking of Game of 24 puzzles (Tree of Thoughts `24.csv`). */
export interface Game24RankEntry {
  /** 1 = solved fastest by people. */
  readonly rank: number;
  /** The four numbers, ascending. */
  readonly numbers: readonly number[];
  /** Average solve time in seconds (`AMT (s)`). */
  readonly amtSeconds: number;
  /** Fraction of people who solved it (`Solved rate`, 0..1). */
  readonly solvedRate: number;
  /** Mean solve time within one sigma (`1-sigma Mean (s)`). */
  readonly meanSeconds: number;
  /** Standard deviation of the solve time within one sigma (`1-sigma STD (s)`). */
  readonly stdSeconds: number;
}

export type Game24Ranking = readonly Game24RankEntry[];

const HEADER = ['Rank', 'Puzzles', 'AMT (s)', 'Solved rate', '1-sigma Mean (s)', '1-sigma STD (s)'];

/** Loads the ranking CSV (`Rank,Puzzles,AMT (s),Solved rate,1-sigma Mean (s),1-sigma STD (s)`). */
export async function loadGame24Ranking(path: string): Promise<Game24Ranking> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new O1labError('IO_ERROR', `cannot read game24 ranking: ${(error as Error).message}`, {
      where: path,
      hint: 'the file is the Tree of Thoughts src/tot/data/24/24.csv',
      cause: error,
    });
  }
  return parseGame24Ranking(text, path);
}

const syncCache = new Map<string, Game24Ranking>();

/** Synchronous, cached read for the generator's `rankingPath` option. */
export function readGame24RankingSync(path: string): Game24Ranking {
  const cached = syncCache.get(path);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new O1labError('IO_ERROR', `cannot read game24 ranking: ${(error as Error).message}`, {
      where: path,
      cause: error,
    });
  }
  const ranking = parseGame24Ranking(text, path);
  syncCache.set(path, ranking);
  return ranking;
}

/** Parses the ranking CSV text; bad rows are errors naming the line. */
export function parseGame24Ranking(text: string, source = '<input>'): Game24Ranking {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = lines[0]?.split(',').map((h) => h.trim());
  if (header === undefined || HEADER.some((h, i) => header[i] !== h)) {
    throw new O1labError('PARSE_ERROR', `unexpected header, expected ${HEADER.join(',')}`, {
      where: `${source}:1`,
    });
  }
  const entries: Game24RankEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const where = `${source}:${i + 1}`;
    const cells = lines[i]!.split(',').map((c) => c.trim());
    if (cells.length !== HEADER.length) {
      throw new O1labError('PARSE_ERROR', `expected ${HEADER.length} columns, got ${cells.length}`, {
        where,
      });
    }
    const numbers = cells[1]!.split(/\s+/).map(Number);
    if (numbers.length !== 4 || numbers.some((n) => !Number.isInteger(n) || n < 1 || n > 13)) {
      throw new O1labError('PARSE_ERROR', `\`Puzzles\` must be four integers in 1..13, got '${cells[1]}'`, {
        where,
      });
    }
    const rate = cells[3]!.endsWith('%') ? Number(cells[3]!.slice(0, -1)) / 100 : Number(cells[3]);
    const row = {
      rank: Number(cells[0]),
      numbers: numbers.sort((a, b) => a - b),
      amtSeconds: Number(cells[2]),
      solvedRate: rate,
      meanSeconds: Number(cells[4]),
      stdSeconds: Number(cells[5]),
    };
    for (const [key, value] of Object.entries(row)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        throw new O1labError('PARSE_ERROR', `\`${key}\` is not a number`, { where });
      }
    }
    entries.push(Object.freeze(row));
  }
  return Object.freeze(entries);
}
