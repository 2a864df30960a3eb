import {
  assertBoolean,
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
import { ANSWER_PREFIX, parseAnswerLine, STEP_DELIMITER } from './text.js';

/** One countdown problem: combine `numbers` with + - * / to make `target`, each number at most once. */
export type CountdownData = {
  /** The given numbers, ascending. */
  readonly numbers: readonly number[];
  readonly target: number;
};

/** Difficulty knobs of {@link countdownTask}`.generate`. */
export interface CountdownOptions {
  /** How many numbers are given (3..6). @default 4 */
  readonly numNumbers: number;
  /** Smallest given number. @default 1 */
  readonly minNumber: number;
  /** Largest given number (at most 1000). @default 25 */
  readonly maxNumber: number;
  /** Smallest target. @default 10 */
  readonly minTarget: number;
  /** Largest target (at most 1000000). @default 100 */
  readonly maxTarget: number;
  /**
   * The target is guaranteed reachable: it is built from a random derivation over the numbers (with
   * positive integer intermediates). When false the target is drawn uniformly and may be unreachable.
   * @default true
   */
  readonly reachable: boolean;
}

export const DEFAULT_COUNTDOWN_NUM_NUMBERS = 4;
export const DEFAULT_COUNTDOWN_MAX_NUMBER = 25;
export const DEFAULT_COUNTDOWN_MAX_TARGET = 100;

export const defaultCountdownOptions: CountdownOptions = Object.freeze({
  numNumbers: DEFAULT_COUNTDOWN_NUM_NUMBERS,
  minNumber: 1,
  maxNumber: DEFAULT_COUNTDOWN_MAX_NUMBER,
  minTarget: 10,
  maxTarget: DEFAULT_COUNTDOWN_MAX_TARGET,
  reachable: true,
});

const WHERE = 'countdownTask.generate';
const MAX_DRAWS = 2000;
const DERIVATIONS_PER_DRAW = 8;
// The search is exponential in the count of numbers; 6 is the game's maximum.
const MAX_SOLVER_NUMBERS = 6;

/** Merges and validates countdown options; errors name the option. */
export function resolveCountdownOptions(
  options?: Partial<CountdownOptions> | GenerateOptions,
): CountdownOptions {
  const o = mergeConfig(defaultCountdownOptions, options as Partial<CountdownOptions>, WHERE);
  assertInteger('numNumbers', o.numNumbers, { min: 3, max: 6 }, WHERE);
  assertInteger('minNumber', o.minNumber, { min: 1, max: 1000 }, WHERE);
  assertInteger('maxNumber', o.maxNumber, { min: o.minNumber, max: 1000 }, WHERE);
  assertInteger('minTarget', o.minTarget, { min: 1, max: 1_000_000 }, WHERE);
  assertInteger('maxTarget', o.maxTarget, { min: o.minTarget, max: 1_000_000 }, WHERE);
  assertBoolean('reachable', o.reachable, WHERE);
  return o;
}

/**
 * Countdown (the numbers game, the task TinyZero uses to reproduce R1-Zero-style RL): reach the target
 * from 3 to 6 numbers with + - * /, each number used at most once; every step is `a op b = c`.
 */
export const countdownTask: Task<CountdownData> = Object.freeze({
  name: 'countdown',
  stepDelimiter: STEP_DELIMITER,
  generate(rng: Rng, options?: GenerateOptions): Problem<CountdownData> {
    return countdownProblem(generateCountdown(rng, resolveCountdownOptions(options)));
  },
  prompt(problem: Problem<CountdownData>): string {
    return `countdown: ${problem.data.numbers.join(' ')} -> ${problem.data.target}\n`;
  },
  parseAnswer: parseAnswerLine,
  voteKey: derivationVoteKey,
  verify(problem: Problem<CountdownData>, text: string) {
    return verifyDerivation(countdownRules(problem.data), text);
  },
  checkSteps(problem: Problem<CountdownData>, steps: readonly string[]) {
    return checkDerivationSteps(countdownRules(problem.data), steps);
  },
  solve(problem: Problem<CountdownData>): string[] | null {
    const steps = solveCountdown(problem.data.numbers, problem.data.target);
    return steps === null ? null : [...steps, `${ANSWER_PREFIX} ${problem.data.target}`];
  },
});

/** A countdown problem from its data; the id is derived from the numbers and target. */
export function countdownProblem(data: CountdownData): Problem<CountdownData> {
  const numbers = [...data.numbers].sort((a, b) => a - b);
  for (const n of [...numbers, data.target]) {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new O1labError(
        'INVALID_INPUT',
        `countdown numbers and target must be positive integers, got ${n}`,
        {
          where: 'countdownProblem',
        },
      );
    }
  }
  return {
    id: `countdown-${numbers.join('-')}-${data.target}`,
    task: 'countdown',
    question: `Use ${numbers.join(', ')} (each at most once) with + - * / to make ${data.target}.`,
    data: { numbers, target: data.target },
    answer: String(data.target),
  };
}

/**
 * Reference solver: depth-first search over derivations with positive integer intermediates (as in
 * the game show), pruning pool states already seen. Returns the steps (`25+3=28`, ..., the last one
 * making the target), `[]` when the target is one of the numbers, or null when no such derivation
 * exists.
 */
export function solveCountdown(numbers: readonly number[], target: number): string[] | null {
  if (
    numbers.length > MAX_SOLVER_NUMBERS ||
    numbers.some((n) => !Number.isSafeInteger(n) || n < 1) ||
    !Number.isSafeInteger(target)
  ) {
    throw new O1labError(
      'INVALID_INPUT',
      `needs at most ${MAX_SOLVER_NUMBERS} positive integers and an integer target`,
      {
        where: 'solveCountdown',
        hint: `got [${numbers.join(', ')}] -> ${target}`,
      },
    );
  }
  if (numbers.includes(target)) return [];
  const seen = new Set<string>();
  const steps: string[] = [];
  const search = (pool: number[]): boolean => {
    const key = pool
      .slice()
      .sort((a, b) => a - b)
      .join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    for (let i = 0; i < pool.length; i++) {
      for (let j = i + 1; j < pool.length; j++) {
        const hi = Math.max(pool[i]!, pool[j]!);
        const lo = Math.min(pool[i]!, pool[j]!);
        const rest = pool.filter((_, k) => k !== i && k !== j);
        for (const [op, value] of integerMoves(hi, lo)) {
          steps.push(`${hi}${op}${lo}=${value}`);
          if (value === target) return true;
          if (rest.length > 0 && search([...rest, value])) return true;
          steps.pop();
        }
      }
    }
    return false;
  };
  return search([...numbers]) ? steps : null;
}

// Moves that keep every intermediate a positive integer; `x*1` and `x/1` are skipped (they change
// nothing but spend a number, which a shortest derivation never needs).
function integerMoves(hi: number, lo: number): [string, number][] {
  const moves: [string, number][] = [['+', hi + lo]];
  if (lo > 1 && hi * lo <= Number.MAX_SAFE_INTEGER) moves.push(['*', hi * lo]);
  if (hi > lo) moves.push(['-', hi - lo]);
  if (lo > 1 && hi % lo === 0) moves.push(['/', hi / lo]);
  return moves;
}

function countdownRules(data: CountdownData): DerivationRules {
  return { numbers: data.numbers, target: data.target, useAll: false };
}

function generateCountdown(rng: Rng, o: CountdownOptions): CountdownData {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const numbers = Array.from({ length: o.numNumbers }, () => rng.intBetween(o.minNumber, o.maxNumber));
    if (!o.reachable) return { numbers, target: rng.intBetween(o.minTarget, o.maxTarget) };
    for (let attempt = 0; attempt < DERIVATIONS_PER_DRAW; attempt++) {
      const target = randomDerivationTarget(rng, numbers, o);
      if (target !== null) return { numbers, target };
    }
  }
  throw new O1labError('INVALID_CONFIG', `no reachable target in [${o.minTarget}, ${o.maxTarget}] found`, {
    where: WHERE,
    hint: 'widen the target range or the number range',
  });
}

// One random derivation with positive integer intermediates; the result that used the most numbers
// and lies in the target range (and is not itself a given number) becomes the target.
function randomDerivationTarget(rng: Rng, numbers: readonly number[], o: CountdownOptions): number | null {
  const pool = [...numbers];
  let found: number | null = null;
  while (pool.length > 1) {
    const i = rng.int(pool.length);
    let j = rng.int(pool.length - 1);
    if (j >= i) j++;
    const a = pool[i]!;
    const b = pool[j]!;
    const moves = integerMoves(Math.max(a, b), Math.min(a, b));
    const [, value] = rng.pick(moves);
    pool.splice(Math.max(i, j), 1);
    pool.splice(Math.min(i, j), 1);
    pool.push(value);
    if (value >= o.minTarget && value <= o.maxTarget && !numbers.includes(value)) found = value;
  }
  return found;
}
