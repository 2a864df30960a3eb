import {
  assertInteger,
  type GenerateOptions,
  mergeConfig,
  O1labError,
  type Problem,
  type Rng,
  type StepCheck,
  type Task,
  type Verification,
} from '@o1lab/core';
import { countOperators, type ExprNode, type Parsed, parseEquation } from './expression.js';
import {
  ANSWER_PREFIX,
  MAX_COMPLETION_LENGTH,
  parseAnswerLine,
  STEP_DELIMITER,
  splitCompletion,
} from './text.js';
import { type TraceRules, walkTrace } from './trace-lines.js';

/** One multiplication problem. Factors are decimal strings so that any size stays exact in JSON. */
export type ArithmeticData = {
  readonly a: string;
  readonly b: string;
};

/** Difficulty knobs of {@link arithmeticTask}`.generate`. */
export interface ArithmeticOptions {
  /** Digits of the first factor (1..30). @default 3 */
  readonly digitsA: number;
  /** Digits of the second factor (1..30); its digits make the partial products. @default 3 */
  readonly digitsB: number;
}

export const MAX_ARITHMETIC_DIGITS = 30;

export const defaultArithmeticOptions: ArithmeticOptions = Object.freeze({ digitsA: 3, digitsB: 3 });

const WHERE = 'arithmeticTask.generate';

/** Merges and validates arithmetic options; errors name the option. */
export function resolveArithmeticOptions(
  options?: Partial<ArithmeticOptions> | GenerateOptions,
): ArithmeticOptions {
  const o = mergeConfig(defaultArithmeticOptions, options as Partial<ArithmeticOptions>, WHERE);
  assertInteger('digitsA', o.digitsA, { min: 1, max: MAX_ARITHMETIC_DIGITS }, WHERE);
  assertInteger('digitsB', o.digitsB, { min: 1, max: MAX_ARITHMETIC_DIGITS }, WHERE);
  return o;
}

/**
 * Long multiplication as partial-product steps (`123*4=492`, `123*50=6150`, `123*600=73800`) then
 * running sums (`492+6150=6642`, `6642+73800=80442`), then `answer: 80442`. Every step's correctness
 * is known exactly, so process reward models can be scored against ground truth.
 */
export const arithmeticTask: Task<ArithmeticData> = Object.freeze({
  name: 'arithmetic',
  stepDelimiter: STEP_DELIMITER,
  generate(rng: Rng, options?: GenerateOptions): Problem<ArithmeticData> {
    const o = resolveArithmeticOptions(options);
    return arithmeticProblem({ a: randomDigits(rng, o.digitsA), b: randomDigits(rng, o.digitsB) });
  },
  prompt(problem: Problem<ArithmeticData>): string {
    return `arithmetic: ${problem.data.a}*${problem.data.b}\n`;
  },
  parseAnswer(text: string): string | null {
    const answer = parseAnswerLine(text);
    return answer !== null && /^[0-9]{1,200}$/.test(answer) ? answer.replace(/^0+(?=.)/, '') : null;
  },
  verify(problem: Problem<ArithmeticData>, text: string): Verification {
    if (text.length > MAX_COMPLETION_LENGTH) {
      return {
        correct: false,
        answer: null,
        reason: `completion longer than ${MAX_COMPLETION_LENGTH} characters`,
      };
    }
    if (splitCompletion(text).answer === null)
      return { correct: false, answer: null, reason: 'no `answer:` line' };
    const answer = arithmeticTask.parseAnswer(text);
    if (answer === null) return { correct: false, answer: null, reason: 'the answer is not a plain integer' };
    const expected = product(problem.data);
    if (answer !== expected) return { correct: false, answer, reason: `expected ${expected}` };
    return { correct: true, answer };
  },
  checkSteps(problem: Problem<ArithmeticData>, steps: readonly string[]): StepCheck[] {
    return checkArithmeticSteps(problem.data, steps);
  },
  solve(problem: Problem<ArithmeticData>): string[] {
    return solveArithmetic(problem.data);
  },
});

/** An arithmetic problem from its factors; the id is derived from them. */
export function arithmeticProblem(data: ArithmeticData): Problem<ArithmeticData> {
  for (const [name, value] of [
    ['a', data.a],
    ['b', data.b],
  ] as const) {
    if (typeof value !== 'string' || !/^[1-9][0-9]*$/.test(value) || value.length > MAX_ARITHMETIC_DIGITS) {
      throw new O1labError(
        'INVALID_INPUT',
        `factor \`${name}\` must be a positive integer string of 1..30 digits`,
        {
          where: 'arithmeticProblem',
        },
      );
    }
  }
  return {
    id: `arithmetic-${data.a}x${data.b}`,
    task: 'arithmetic',
    question: `What is ${data.a} * ${data.b}?`,
    data: { a: data.a, b: data.b },
    answer: product(data),
  };
}

/**
 * Reference trace: one partial product per non-zero digit of `b`, least significant first, then
 * running sums, then the answer line.
 */
export function solveArithmetic(data: ArithmeticData): string[] {
  const a = BigInt(data.a);
  const steps: string[] = [];
  const partials: bigint[] = [];
  const digits = data.b.split('').reverse();
  for (let k = 0; k < digits.length; k++) {
    if (digits[k] === '0') continue;
    const term = BigInt(digits[k]! + '0'.repeat(k));
    const value = a * term;
    steps.push(`${a}*${term}=${value}`);
    partials.push(value);
  }
  let sum = partials[0]!;
  for (let i = 1; i < partials.length; i++) {
    const next = sum + partials[i]!;
    steps.push(`${sum}+${partials[i]}=${next}`);
    sum = next;
  }
  steps.push(`${ANSWER_PREFIX} ${sum}`);
  return steps;
}

/**
 * Ground truth per step. A product step must multiply `a` by an unused place term of `b` (a digit
 * times its power of ten, `0` for a zero digit), in either order; a sum step must add two available
 * results (partial products or earlier sums, each used once); the arithmetic must be exact. An
 * incorrect step makes nothing available to later steps. An `answer:` line is correct when it states
 * the product. Behaviour lines are judged as in the countdown and game24 tasks (`walkTrace`), except
 * that a `try:` line that is not a step at all (the estimate `123*654 near 100*700=70000`) is
 * commentary.
 */
export function checkArithmeticSteps(data: ArithmeticData, steps: readonly string[]): StepCheck[] {
  const a = BigInt(data.a);
  const terms = data.b
    .split('')
    .reverse()
    .map((d, k) => (d === '0' ? 0n : BigInt(d + '0'.repeat(k))));
  const expected = (a * BigInt(data.b)).toString();
  const rules: TraceRules<ArithmeticState> = {
    start: { terms, results: [] },
    apply: (state, step) => applyArithmeticStep(a, data.b, state, step),
    answer(_state, line) {
      const answer = arithmeticTask.parseAnswer(line);
      return answer === expected
        ? { correct: true }
        : { correct: false, reason: `the product is not ${answer}` };
    },
    // An estimate such as `123*654 near 100*700=70000` is not a step: commentary on the branch.
    isFreeTextBranch: (body) => !parseEquation(body).ok,
  };
  return walkTrace(rules, steps, true).lines.map((line) => line.check);
}

/** Place terms of the second factor not yet multiplied, and the partial results not yet summed. */
interface ArithmeticState {
  readonly terms: readonly bigint[];
  readonly results: readonly bigint[];
}

function applyArithmeticStep(
  a: bigint,
  b: string,
  state: ArithmeticState,
  step: string,
): Parsed<ArithmeticState> {
  const eq = parseEquation(step);
  if (!eq.ok) return eq;
  const { lhs, rhs } = eq.value;
  if (lhs.kind !== 'binary' || countOperators(lhs) !== 1 || (lhs.op !== '*' && lhs.op !== '+')) {
    return { ok: false, reason: 'a step is one product `x*y=z` or one sum `x+y=z`' };
  }
  const x = integerAtom(lhs.left);
  const y = integerAtom(lhs.right);
  if (x === null || y === null || rhs.den !== 1n) return { ok: false, reason: 'operands must be integers' };
  const value = lhs.op === '*' ? x * y : x + y;
  if (value !== rhs.num) return { ok: false, reason: `wrong arithmetic: ${x}${lhs.op}${y} is ${value}` };
  const terms = state.terms.slice();
  const results = state.results.slice();
  if (lhs.op === '*') {
    const term = x === a && terms.includes(y) ? y : y === a && terms.includes(x) ? x : null;
    if (term === null) return { ok: false, reason: `not a partial product of ${a} and a digit of ${b}` };
    terms.splice(terms.indexOf(term), 1);
  } else {
    const ix = results.indexOf(x);
    if (ix === -1) return { ok: false, reason: `${x} is not an available partial result` };
    results.splice(ix, 1);
    const iy = results.indexOf(y);
    if (iy === -1) return { ok: false, reason: `${y} is not an available partial result` };
    results.splice(iy, 1);
  }
  results.push(value);
  return { ok: true, value: { terms, results } };
}

function integerAtom(node: ExprNode): bigint | null {
  return node.kind === 'atom' && node.split === undefined && node.value.den === 1n && node.value.num >= 0n
    ? node.value.num
    : null;
}

function product(data: ArithmeticData): string {
  return (BigInt(data.a) * BigInt(data.b)).toString();
}

function randomDigits(rng: Rng, n: number): string {
  let s = String(rng.intBetween(1, 9));
  for (let i = 1; i < n; i++) s += String(rng.int(10));
  return s;
}
