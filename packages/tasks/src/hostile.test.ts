import type { Problem, Task } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { extractGsm8kAnswer } from './answers/gsm8k.js';
import { extractBoxedAnswer, mathAnswersEqual, normalizeMathAnswer } from './answers/math.js';
import { arithmeticProblem, arithmeticTask } from './arithmetic.js';
import { countdownProblem, countdownTask } from './countdown.js';
import { gsm8kProblem } from './datasets.js';
import { game24Problem, game24Task } from './game24.js';
import { gsm8kTask, mathTask } from './real-tasks.js';

// Anti-hang bound only: each hostile input must be answered, not timed. Generous, because the test
// suites of all packages share two cores in CI; a superlinear verifier on a megabyte input takes
// minutes, not seconds. Speed is measured by the tasks benchmark suite.
const HANG_BOUND_MS = 15_000;

const MB = 1_000_000;
const hostileTexts: readonly (readonly [string, string])[] = [
  ['10^4-digit number', `answer: ${'9'.repeat(10_000)}`],
  ['10^4-digit step operands', `${'7'.repeat(10_000)}+3=${'7'.repeat(9_999)}10\nanswer: 29`],
  ['10^6 characters of digits', '1'.repeat(MB)],
  ['10^6 characters of letters', 'a'.repeat(MB)],
  ['10^6 newlines', '\n'.repeat(MB)],
  ['10^6-character answer line', `answer: ${'1+'.repeat(MB / 2)}1`],
  ['10^5 valid-looking steps', '25+3=28\n'.repeat(100_000)],
  ['10^5-deep parentheses', `answer: ${'('.repeat(100_000)}29${')'.repeat(100_000)}`],
  ['10^5 unbalanced parentheses', `answer: ${'('.repeat(100_000)}`],
  ['10^5 closing parentheses', `${')'.repeat(100_000)}=1\nanswer: 1`],
  ['division by zero', '8/0=0\nanswer: 24'],
  ['division by zero in a fraction literal', '3-(8/0)=1\nanswer: 24'],
  ['Arabic-Indic digits', '\u0662\u0664\nanswer: \u0662\u0664'],
  ['full-width digits', 'answer: \uff12\uff14'],
  ['NaN', 'answer: NaN'],
  ['Infinity', 'answer: Infinity'],
  ['-Infinity', 'answer: -Infinity'],
  ['1e309', 'answer: 1e309'],
  ['lone surrogate', 'answer: \ud800'],
  ['null byte', 'answer: 24\u0000'],
];

const synthetic: readonly (readonly [string, Task, Problem])[] = [
  [
    'countdown',
    countdownTask as unknown as Task,
    countdownProblem({ numbers: [3, 7, 8, 25], target: 29 }) as Problem,
  ],
  ['game24', game24Task as unknown as Task, game24Problem([3, 3, 8, 8]) as Problem],
  ['arithmetic', arithmeticTask as unknown as Task, arithmeticProblem({ a: '123', b: '456' }) as Problem],
];

function timed<T>(fn: () => T): T {
  const start = performance.now();
  const value = fn();
  expect(performance.now() - start).toBeLessThan(HANG_BOUND_MS);
  return value;
}

describe.each(synthetic)('%s verifier on hostile input', (_name, task, problem) => {
  it.each(hostileTexts)('%s: rejected, no crash or hang', (_label, text) => {
    const result = timed(() => task.verify(problem, text));
    expect(result.correct).toBe(false);
    expect(typeof result.reason).toBe('string');
    timed(() => task.parseAnswer(text));
  });

  it.each(hostileTexts)('%s: step checker answers every step', (_label, text) => {
    const steps = text.split('\n').slice(0, 1000);
    const checks = timed(() => task.checkSteps!(problem, steps));
    expect(checks).toHaveLength(steps.length);
  });

  it('checks 10^5 steps in one call', () => {
    const steps = Array.from({ length: 100_000 }, () => '25+3=28');
    const checks = timed(() => task.checkSteps!(problem, steps));
    expect(checks.filter((c) => c.correct).length).toBeLessThanOrEqual(1);
  });
});

describe('answer extraction on hostile input', () => {
  it.each(hostileTexts)('%s: GSM8K and MATH checkers return, never throw', (_label, text) => {
    timed(() => extractGsm8kAnswer(text));
    const boxed = timed(() => extractBoxedAnswer(text));
    expect(boxed).toBeNull();
    const gsm = gsm8kProblem('q', '#### 24');
    expect(timed(() => gsm8kTask.verify(gsm, `${text}\n#### 25`)).correct).toBe(false);
  });

  it('GSM8K: Arabic-Indic and full-width digits are not numbers', () => {
    expect(extractGsm8kAnswer('#### \u0663')).toBeNull();
    expect(extractGsm8kAnswer('the answer is \uff14\uff12')).toBeNull();
  });

  it('GSM8K: a 10^6-digit answer is read as a string, not a float', () => {
    const answer = timed(() => extractGsm8kAnswer(`#### ${'9'.repeat(MB)}`));
    expect(answer).toHaveLength(MB);
  });

  const mathHostile: readonly (readonly [string, string])[] = [
    ['10^5 nested braces', `\\boxed{${'{'.repeat(100_000)}1${'}'.repeat(100_000)}}`],
    ['unclosed box', `\\boxed{${'{'.repeat(100_000)}`],
    ['10^5 nested fractions', `\\boxed{${'\\frac{1}{'.repeat(100_000)}2${'}'.repeat(100_000)}}`],
    ['10^5 nested sqrt', `\\boxed{${'\\sqrt{'.repeat(50_000)}4${'}'.repeat(50_000)}}`],
    ['10^5 boxes', '\\boxed{1}'.repeat(100_000)],
    ['huge power', '\\boxed{2^{100000000}}'],
    ['power tower', `\\boxed{${'2^'.repeat(1000)}2}`],
    ['10^4-digit number', `\\boxed{${'9'.repeat(10_000)}}`],
    ['division by zero', '\\boxed{\\frac{1}{0}}'],
    ['NaN', '\\boxed{NaN}'],
    ['Infinity', '\\boxed{\\infty}'],
    ['10^6 spaces', `\\boxed{${' '.repeat(MB - 10)}1}`],
    ['backslashes', `\\boxed{${'\\'.repeat(MB - 10)}}`],
  ];

  it.each(mathHostile)('MATH %s: returns without crash or hang, never a wrong true', (_label, text) => {
    const problem = { id: 'm', task: 'math', question: 'q', data: {} as never, answer: '7' };
    const result = timed(() => mathTask.verify(problem, text));
    expect(result.correct).toBe(false);
    const boxed = timed(() => extractBoxedAnswer(text));
    if (boxed !== null) {
      timed(() => normalizeMathAnswer(boxed));
      expect(timed(() => mathAnswersEqual(boxed, '7'))).toBe(false);
      timed(() => mathAnswersEqual(boxed, boxed));
    }
  });
});
