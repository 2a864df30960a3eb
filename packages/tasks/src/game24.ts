import {
  assertInteger,
  type GenerateOptions,
  mergeConfig,
  O1labError,
  type Problem,
  type Rng,
  type Task,
} from '@o1lab/core';
import {
  checkDerivationSteps,
  type DerivationRules,
  derivationVoteKey,
  verifyDerivation,
} from './derivation.js';
import { type Game24Ranking, readGame24RankingSync } from './game24-ranking.js';
import { ANSWER_PREFIX, parseAnswerLine, STEP_DELIMITER } from './text.js';

/** One game24 problem: use all four numbers once each with + - * / to make 24. */
export type Game24Data = {
  /** The four numbers, ascending, each in 1..13. */
  readonly numbers: readonly number[];
  /** Distinct solutions found by {@link solveGame24}'s search (fewer is harder). */
  readonly numSolutions: number;
  /** Rank in the human difficulty ranking, when the problem was drawn from one. */
  readonly rank?: number;
};

/** One puzzle of the enumerated set. */
export interface Game24Puzzle {
  readonly numbers: readonly [number, number, number, number];
  /** Distinct solution expressions, up to the order of operands of + and *. */
  readonly numSolutions: number;
}

/** Difficulty knobs of {@link game24Task}`.generate`. */
export interface Game24Options {
  /**
   * Path of a ranking CSV (the Tree of Thoughts `24.csv`: Rank, Puzzles, AMT (s), Solved rate, ...).
   * When set, puzzles are drawn uniformly from ranks `minRank..maxRank`; when empty, uniformly from
   * the enumerated set. @default ''
   */
  readonly rankingPath: string;
  /** Lowest rank drawn (1 = easiest); used with `rankingPath`. @default 1 */
  readonly minRank: number;
  /** Highest rank drawn; 0 means the last. Tree of Thoughts tests on 901..1000. @default 0 */
  readonly maxRank: number;
  /** Draw only puzzles with at least this many distinct solutions. @default 1 */
  readonly minSolutions: number;
  /** Draw only puzzles with at most this many distinct solutions; 0 means no bound. @default 0 */
  readonly maxSolutions: number;
}

export const GAME24_TARGET = 24;
export const GAME24_MAX_NUMBER = 13;

export const defaultGame24Options: Game24Options = Object.freeze({
  rankingPath: '',
  minRank: 1,
  maxRank: 0,
  minSolutions: 1,
  maxSolutions: 0,
});

const WHERE = 'game24Task.generate';

/** Merges and validates game24 options; errors name the option. */
export function resolveGame24Options(options?: Partial<Game24Options> | GenerateOptions): Game24Options {
  const o = mergeConfig(defaultGame24Options, options as Partial<Game24Options>, WHERE);
  if (typeof o.rankingPath !== 'string') {
    throw new O1labError('INVALID_CONFIG', '`rankingPath` must be a string', { where: WHERE });
  }
  assertInteger('minRank', o.minRank, { min: 1 }, WHERE);
  assertInteger('maxRank', o.maxRank, { min: 0 }, WHERE);
  if (o.maxRank !== 0 && o.maxRank < o.minRank) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`maxRank\` must be 0 or >= minRank (${o.minRank}), got ${o.maxRank}`,
      {
        where: WHERE,
      },
    );
  }
  assertInteger('minSolutions', o.minSolutions, { min: 1 }, WHERE);
  assertInteger('maxSolutions', o.maxSolutions, { min: 0 }, WHERE);
  return o;
}

/**
 * Game of 24 (the search benchmark of Tree of Thoughts, Yao et al., 2023): four numbers in 1..13,
 * each used exactly once with + - * / (fractions allowed), make 24.
 * Steps are `a op b = c`; a non-integer intermediate is written `8/3` and used as `(8/3)`.
 */
export const game24Task: Task<Game24Data> = createGame24Task();

/**
 * A game24 task that draws from a loaded ranking (see {@link loadGame24Ranking}) when `minRank` /
 * `maxRank` are given, without reading the file at generation time.
 */
export function createGame24Task(ranking?: Game24Ranking): Task<Game24Data> {
  return Object.freeze({
    name: 'game24',
    stepDelimiter: STEP_DELIMITER,
    generate(rng: Rng, options?: GenerateOptions): Problem<Game24Data> {
      return generateGame24(rng, resolveGame24Options(options), ranking);
    },
    prompt(problem: Problem<Game24Data>): string {
      return `game24: ${problem.data.numbers.join(' ')}\n`;
    },
    parseAnswer: parseAnswerLine,
    voteKey: derivationVoteKey,
    verify(problem: Problem<Game24Data>, text: string) {
      return verifyDerivation(game24Rules(problem.data), text);
    },
    checkSteps(problem: Problem<Game24Data>, steps: readonly string[]) {
      return checkDerivationSteps(game24Rules(problem.data), steps);
    },
    solve(problem: Problem<Game24Data>): string[] | null {
      const steps = solveGame24(problem.data.numbers);
      return steps === null ? null : [...steps, `${ANSWER_PREFIX} ${GAME24_TARGET}`];
    },
  });
}

/** A game24 problem from its numbers; the id is derived from them. */
export function game24Problem(numbers: readonly number[], rank?: number): Problem<Game24Data> {
  if (numbers.length !== 4 || numbers.some((n) => !Number.isInteger(n) || n < 1 || n > GAME24_MAX_NUMBER)) {
    throw new O1labError(
      'INVALID_INPUT',
      `game24 needs four integers in 1..13, got [${numbers.join(', ')}]`,
      {
        where: 'game24Problem',
      },
    );
  }
  const sorted = [...numbers].sort((a, b) => a - b);
  const numSolutions = solutionCounts()?.get(sorted.join(' ')) ?? countGame24Solutions(sorted);
  const data: Game24Data = { numbers: sorted, numSolutions };
  return {
    id: `game24-${sorted.join('-')}`,
    task: 'game24',
    question: `Use ${sorted.join(', ')} (each exactly once) with + - * / to make 24.`,
    data: rank === undefined ? data : { ...data, rank },
    answer: String(GAME24_TARGET),
  };
}

/**
 * Reference solver. Searches derivations (pick two numbers, combine, repeat) with exact rationals,
 * trying integer-only derivations first so traces stay short; returns the steps, the last one making
 * `target`, or null when there is none.
 */
export function solveGame24(numbers: readonly number[], target: number = GAME24_TARGET): string[] | null {
  checkSolverInput(numbers, target, 'solveGame24');
  const start = numbers.map((n) => leaf(n));
  return firstSolution(start, target, true) ?? firstSolution(start, target, false);
}

/**
 * All multisets of four numbers in 1..13 that make 24, ascending, with their number of distinct
 * solutions; computed once by this package's own solver (1362 puzzles, the size of the Tree of
 * Thoughts set).
 */
export function enumerateGame24Puzzles(): readonly Game24Puzzle[] {
  if (puzzleCache === null) {
    const puzzles: Game24Puzzle[] = [];
    for (let a = 1; a <= GAME24_MAX_NUMBER; a++) {
      for (let b = a; b <= GAME24_MAX_NUMBER; b++) {
        for (let c = b; c <= GAME24_MAX_NUMBER; c++) {
          for (let d = c; d <= GAME24_MAX_NUMBER; d++) {
            const numSolutions = countGame24Solutions([a, b, c, d]);
            if (numSolutions > 0)
              puzzles.push(Object.freeze({ numbers: [a, b, c, d] as const, numSolutions }));
          }
        }
      }
    }
    puzzleCache = Object.freeze(puzzles);
  }
  return puzzleCache;
}

let puzzleCache: readonly Game24Puzzle[] | null = null;
let countCache: Map<string, number> | null = null;

function solutionCounts(): Map<string, number> | null {
  if (puzzleCache === null) return null;
  if (countCache === null)
    countCache = new Map(puzzleCache.map((p) => [p.numbers.join(' '), p.numSolutions]));
  return countCache;
}

/**
 * Distinct solution expressions of `numbers` for `target`: every derivation is written as one fully
 * parenthesised expression with the operands of + and * in a canonical order, and the distinct
 * strings are counted (so `(1+2)*8` and `8*(2+1)` are one solution, `(a+b)+c` and `a+(b+c)` two).
 */
export function countGame24Solutions(numbers: readonly number[], target: number = GAME24_TARGET): number {
  checkSolverInput(numbers, target, 'countGame24Solutions');
  const found = new Set<string>();
  collectSolutions(
    numbers.map((n) => leaf(n)),
    target,
    found,
  );
  return found.size;
}

// Solver on small exact rationals in plain numbers: at most four integers <= 1000 keep every
// numerator and denominator below 1000^4 = 1e12, inside the exact integer range of a double.
function checkSolverInput(numbers: readonly number[], target: number, where: string): void {
  if (
    numbers.length < 1 ||
    numbers.length > 4 ||
    numbers.some((n) => !Number.isInteger(n) || n < 0 || n > 1000) ||
    !Number.isSafeInteger(target)
  ) {
    throw new O1labError('INVALID_INPUT', 'needs 1 to 4 integers in 0..1000 and an integer target', {
      where,
      hint: `got [${numbers.join(', ')}] -> ${target}`,
    });
  }
}

interface Item {
  readonly num: number;
  readonly den: number;
  readonly op?: Operator;
  readonly left?: Item;
  readonly right?: Item;
}

type Operator = '+' | '-' | '*' | '/';

function leaf(n: number): Item {
  return { num: n, den: 1 };
}

function combine(a: Item, b: Item, op: Operator): Item | null {
  let num: number;
  let den: number;
  switch (op) {
    case '+':
      num = a.num * b.den + b.num * a.den;
      den = a.den * b.den;
      break;
    case '-':
      num = a.num * b.den - b.num * a.den;
      den = a.den * b.den;
      break;
    case '*':
      num = a.num * b.num;
      den = a.den * b.den;
      break;
    case '/':
      if (b.num === 0) return null;
      num = a.num * b.den;
      den = a.den * b.num;
      break;
  }
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const g = gcdInt(Math.abs(num), den);
  return { num: num / g, den: den / g, op, left: a, right: b };
}

// Canonical expression, built only for solutions: fully parenthesised, operands of + and * sorted.
function canonicalExpression(item: Item): string {
  if (item.op === undefined) return String(item.num);
  const x = canonicalExpression(item.left!);
  const y = canonicalExpression(item.right!);
  const swap = (item.op === '+' || item.op === '*') && x > y;
  return swap ? `(${y}${item.op}${x})` : `(${x}${item.op}${y})`;
}

function valueText(item: Item): string {
  return item.den === 1 ? String(item.num) : `${item.num}/${item.den}`;
}

// How an item is written as an operand in a step: `(8/3)` and `(-5)` are parenthesised.
function operandText(item: Item): string {
  return item.den === 1 && item.num >= 0 ? valueText(item) : `(${valueText(item)})`;
}

const OPS = ['+', '-', '*', '/'] as const;

function collectSolutions(pool: readonly Item[], target: number, found: Set<string>): void {
  if (pool.length === 1) {
    const only = pool[0]!;
    if (only.den === 1 && only.num === target) found.add(canonicalExpression(only));
    return;
  }
  for (let i = 0; i < pool.length; i++) {
    for (let j = i + 1; j < pool.length; j++) {
      const rest = pool.filter((_, k) => k !== i && k !== j);
      const a = pool[i]!;
      const b = pool[j]!;
      for (const op of OPS) {
        const forward = combine(a, b, op);
        if (forward !== null) collectSolutions([...rest, forward], target, found);
        if (op === '-' || op === '/') {
          const backward = combine(b, a, op);
          if (backward !== null) collectSolutions([...rest, backward], target, found);
        }
      }
    }
  }
}

function firstSolution(pool: readonly Item[], target: number, integersOnly: boolean): string[] | null {
  if (pool.length === 1) {
    const only = pool[0]!;
    return only.den === 1 && only.num === target ? [] : null;
  }
  for (let i = 0; i < pool.length; i++) {
    for (let j = 0; j < pool.length; j++) {
      if (i === j) continue;
      const a = pool[i]!;
      const b = pool[j]!;
      const rest = pool.filter((_, k) => k !== i && k !== j);
      for (const op of OPS) {
        // + and * are tried once per pair, with the larger operand first as in the traces.
        if (
          (op === '+' || op === '*') &&
          (a.num * b.den < b.num * a.den || (i > j && a.num * b.den === b.num * a.den))
        ) {
          continue;
        }
        const c = combine(a, b, op);
        if (c === null || (integersOnly && (c.den !== 1 || c.num < 0))) continue;
        const rest2 = firstSolution([...rest, c], target, integersOnly);
        if (rest2 !== null) {
          return [`${operandText(a)}${op}${operandText(b)}=${valueText(c)}`, ...rest2];
        }
      }
    }
  }
  return null;
}

function gcdInt(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a === 0 ? 1 : a;
}

function game24Rules(data: Game24Data): DerivationRules {
  return { numbers: data.numbers, target: GAME24_TARGET, useAll: true };
}

function generateGame24(rng: Rng, o: Game24Options, preloaded?: Game24Ranking): Problem<Game24Data> {
  const bySolutions = (n: number) => n >= o.minSolutions && (o.maxSolutions === 0 || n <= o.maxSolutions);
  const ranking = o.rankingPath !== '' ? readGame24RankingSync(o.rankingPath) : preloaded;
  const useRanks = ranking !== undefined && (o.rankingPath !== '' || o.minRank !== 1 || o.maxRank !== 0);
  if (useRanks) {
    const maxRank = o.maxRank === 0 ? Number.POSITIVE_INFINITY : o.maxRank;
    const candidates = ranking.filter((e) => e.rank >= o.minRank && e.rank <= maxRank);
    const counts = new Map(enumerateGame24Puzzles().map((p) => [p.numbers.join(' '), p.numSolutions]));
    const withCounts = candidates.filter((e) => bySolutions(counts.get(e.numbers.join(' ')) ?? 0));
    if (withCounts.length === 0) throw emptyRange(o);
    const entry = rng.pick(withCounts);
    return game24Problem(entry.numbers, entry.rank);
  }
  if (o.minRank !== 1 || o.maxRank !== 0) {
    throw new O1labError('INVALID_CONFIG', '`minRank` / `maxRank` need a ranking', {
      where: WHERE,
      hint: 'pass `rankingPath` (the Tree of Thoughts 24.csv) or use createGame24Task(await loadGame24Ranking(path))',
    });
  }
  const candidates = enumerateGame24Puzzles().filter((p) => bySolutions(p.numSolutions));
  if (candidates.length === 0) throw emptyRange(o);
  return game24Problem(rng.pick(candidates).numbers);
}

function emptyRange(o: Game24Options): O1labError {
  return new O1labError(
    'INVALID_CONFIG',
    `no puzzle with ranks ${o.minRank}..${o.maxRank || 'last'} and ${o.minSolutions}..${o.maxSolutions || 'any'} solutions`,
    { where: WHERE, hint: 'widen the rank or solution-count range' },
  );
}
