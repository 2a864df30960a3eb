import type { Problem, Task } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { arithmeticProblem, arithmeticTask } from './arithmetic.js';
import { countdownProblem, countdownTask } from './countdown.js';
import { game24Problem, game24Task } from './game24.js';
import { MAX_COMPLETION_LENGTH } from './text.js';
import { COMMENTARY_REASON, classifyTraceLine } from './trace-lines.js';

const countdown = countdownTask as unknown as Task;
const game24 = game24Task as unknown as Task;
const cd = countdownProblem({ numbers: [3, 10, 16, 20], target: 17 }) as Problem;
const g24 = game24Problem([3, 3, 8, 8]) as Problem;

// The full trace policy-init writes for this problem with every behaviour switched on.
const FULL = [
  'given: 3 10 16 20, make 17',
  'plan: get 13 and 4, then add',
  'try: 20-10=10',
  'back: no way to 17 from 3 16 10',
  '10+3=11',
  'oops: 11-3 is not 10',
  '10+3=13',
  '20-16=4',
  'check: 4+16=20 ok',
  '13+4=17',
  'check: 17-4=13 ok',
  'answer: 17',
];

const verify = (task: Task, problem: Problem, lines: readonly string[]) =>
  task.verify(problem, lines.join('\n'));
const marks = (task: Task, problem: Problem, lines: readonly string[]) =>
  task.checkSteps!(problem, lines).map((c) => c.correct);

describe('classifyTraceLine', () => {
  it('reads each behaviour prefix, and a line without one as a step', () => {
    expect(classifyTraceLine('given: 3 10, make 13').kind).toBe('commentary');
    expect(classifyTraceLine('plan: add').kind).toBe('commentary');
    expect(classifyTraceLine('check: 13-3=10 ok')).toEqual({ kind: 'check', body: '13-3=10 ok' });
    expect(classifyTraceLine('oops: 11-3 is not 10').kind).toBe('oops');
    expect(classifyTraceLine('try: 20-10=10')).toEqual({ kind: 'try', body: '20-10=10' });
    expect(classifyTraceLine('back: dead end').kind).toBe('back');
    expect(classifyTraceLine('answer: 17').kind).toBe('answer');
    expect(classifyTraceLine('10+3=13').kind).toBe('step');
    expect(classifyTraceLine('Given: 3').kind).toBe('step');
  });
});

describe('countdown verifier with behaviour lines', () => {
  it('accepts the full behaviour trace', () => {
    expect(verify(countdown, cd, FULL)).toEqual({ correct: true, answer: '17' });
  });

  it('marks every line of the full trace correct except the retracted wrong step', () => {
    const checks = countdown.checkSteps!(cd, FULL);
    expect(checks.map((c) => c.correct)).toEqual(FULL.map((_, i) => i !== 4));
    expect(checks[0]).toEqual({ correct: true, reason: COMMENTARY_REASON });
    expect(checks[1]).toEqual({ correct: true, reason: COMMENTARY_REASON });
    expect(checks[5]).toEqual({ correct: true });
  });

  it('commentary cannot smuggle a number in: a check line makes nothing available', () => {
    expect(verify(countdown, cd, ['check: 16+1=17 ok', 'answer: 17']).correct).toBe(false);
    expect(verify(countdown, cd, ['given: 17=17', 'plan: 17', 'answer: 17']).correct).toBe(false);
  });

  it('a false check claim is commentary for verify but incorrect for checkSteps', () => {
    const lines = ['20-3=17', 'check: 17+3=21 ok', 'answer: 17'];
    expect(verify(countdown, cd, lines).correct).toBe(true);
    expect(marks(countdown, cd, lines)).toEqual([true, false, true]);
    expect(marks(countdown, cd, ['check: looks fine', 'check: 1/0=1 ok'])).toEqual([true, false]);
  });

  it('a wrong step without an oops line still makes the completion wrong', () => {
    expect(verify(countdown, cd, ['10+3=11', '11+6=17', 'answer: 17']).correct).toBe(false);
    expect(verify(countdown, cd, ['10+3=11', 'check: 11-3=8 ok', 'oops: no', 'answer: 17']).correct).toBe(
      false,
    );
  });

  it('oops undoes a correct step too: its result is no longer available', () => {
    const lines = ['20-3=17', 'oops: wrong', 'answer: 17'];
    expect(verify(countdown, cd, lines).correct).toBe(false);
    expect(marks(countdown, cd, lines)).toEqual([true, false, false]);
    expect(verify(countdown, cd, ['20-3=17', 'oops: wrong', '20-3=17', 'answer: 17']).correct).toBe(true);
  });

  it('an oops with nothing to retract changes nothing and is marked incorrect', () => {
    expect(verify(countdown, cd, ['oops: hm', '20-3=17', 'answer: 17']).correct).toBe(true);
    expect(verify(countdown, cd, ['oops: hm', 'answer: 17']).correct).toBe(false);
    expect(marks(countdown, cd, ['oops: hm', '20-3=17', 'oops: a', 'oops: b'])).toEqual([
      false,
      true,
      false,
      false,
    ]);
  });

  it('back undoes every step since the first try, plain steps included', () => {
    const lines = ['try: 20-3=17', '16+10=26', 'back: no', 'answer: 17'];
    expect(verify(countdown, cd, lines).correct).toBe(false);
    expect(verify(countdown, cd, ['try: 20-3=17', 'back: no', 'answer: 17']).correct).toBe(false);
    expect(verify(countdown, cd, ['try: 20-3=17', 'back: no', '20-3=17', 'answer: 17']).correct).toBe(true);
    expect(verify(countdown, cd, ['try: 16+10=26', 'back: no', 'try: 20-3=17', 'answer: 17']).correct).toBe(
      true,
    );
  });

  it('numbers a branch used are available again after back', () => {
    const lines = ['try: 20-16=4', 'back: no', '20-3=17', 'answer: 17'];
    expect(verify(countdown, cd, lines).correct).toBe(true);
    expect(marks(countdown, cd, lines)).toEqual([true, true, true, true]);
  });

  it('an open branch is part of the derivation; its steps must be valid', () => {
    expect(verify(countdown, cd, ['try: 20-3=17', 'answer: 17']).correct).toBe(true);
    expect(verify(countdown, cd, ['try: 20-3=18', 'back: no', '20-3=17', 'answer: 17']).correct).toBe(false);
    expect(
      verify(countdown, cd, ['try: 20-3=18', 'oops: no', 'back: no', '20-3=17', 'answer: 17']).correct,
    ).toBe(true);
  });

  it('a back without a try changes nothing and is marked incorrect', () => {
    const lines = ['back: nothing', '20-3=17', 'answer: 17'];
    expect(verify(countdown, cd, lines).correct).toBe(true);
    expect(marks(countdown, cd, lines)).toEqual([false, true, true]);
    expect(verify(countdown, cd, ['20-3=17', 'back: x', 'answer: 17']).correct).toBe(true);
  });

  it('the answer line must still reach the target', () => {
    const lines = ['given: make 17', '20-3=17', 'check: 17+3=20 ok', 'answer: 18'];
    expect(verify(countdown, cd, lines).correct).toBe(false);
  });

  it('an oops line after the answer line is ignored, as all text after it', () => {
    expect(verify(countdown, cd, ['20-3=17', 'answer: 17', 'oops: no']).correct).toBe(true);
  });
});

describe('game24 verifier with behaviour lines', () => {
  const solution = ['8/3=8/3', '3-(8/3)=1/3', '8/(1/3)=24', 'answer: 24'];

  it('accepts commentary, a retracted wrong step and an abandoned branch around a solution', () => {
    const lines = [
      'given: 3 3 8 8, use all, make 24',
      'try: 8+8=16',
      'back: no way to 24 from 3 3 16',
      '8/3=8/3',
      'check: (8/3)*3=8 ok',
      '3-(8/3)=2/3',
      'oops: (2/3)+(8/3) is not 3',
      '3-(8/3)=1/3',
      '8/(1/3)=24',
      'answer: 24',
    ];
    expect(verify(game24, g24, lines)).toEqual({ correct: true, answer: '24' });
    expect(marks(game24, g24, lines)).toEqual(lines.map((_, i) => i !== 5));
  });

  it('still needs all four numbers after retractions', () => {
    expect(verify(game24, g24, solution).correct).toBe(true);
    const retracted = ['8/3=8/3', '3-(8/3)=1/3', 'oops: undo', 'answer: 24'];
    expect(verify(game24, g24, retracted).correct).toBe(false);
    const branch = ['try: 8/3=8/3', 'try: 3-(8/3)=1/3', 'try: 8/(1/3)=24', 'back: undo', 'answer: 24'];
    expect(verify(game24, g24, branch).correct).toBe(false);
    expect(verify(game24, g24, ['try: 8*3=24', 'answer: 24']).correct).toBe(false);
  });
});

describe('arithmetic step checker with behaviour lines', () => {
  const problem = arithmeticProblem({ a: '12', b: '34' }) as Problem;
  const task = arithmeticTask as unknown as Task;

  it('reads the trace policy-init writes: estimate branch as commentary, oops retracts', () => {
    const lines = [
      'given: 12 times 34',
      'plan: 2 partial products, then add',
      'try: 12*34 near 10*30=300',
      'back: estimate only, go exact',
      '12*4=50',
      'oops: 50/4 is not 12',
      '12*4=48',
      'check: 48/4=12 ok',
      '12*30=360',
      '48+360=408',
      'answer: 408',
    ];
    expect(marks(task, problem, lines)).toEqual(lines.map((_, i) => i !== 4));
    expect(task.verify(problem, lines.join('\n')).correct).toBe(true);
  });

  it('a retracted product can be made again; a branch product is undone by back', () => {
    const lines = ['12*4=48', 'oops: undo', '12*4=48', 'try: 12*30=360', 'back: no', '48+360=408'];
    expect(marks(task, problem, lines)).toEqual([true, false, true, true, true, false]);
  });
});

describe('hostile behaviour lines', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['10^5 back lines', `${'back:\n'.repeat(100_000)}answer: 17`],
    ['10^4 back lines under the length limit', `${'back:\n'.repeat(10_000)}20-3=17\nanswer: 17`],
    ['10^4 oops lines', `20-3=17\n${'oops:\n'.repeat(10_000)}answer: 17`],
    ['10^4 try/back pairs', `${'try: 20-3=17\nback:\n'.repeat(3000)}answer: 17`],
    ['10^4 wrong step/oops pairs', `${'20-3=18\noops:\n'.repeat(3000)}answer: 17`],
    ['a 60,000-character commentary line', `given: ${'x'.repeat(60_000)}\n20-3=17\nanswer: 17`],
    ['a check line of 60,000 spaces before ok', `check: ${' '.repeat(60_000)}ok\n20-3=17\nanswer: 17`],
    ['a deeply nested try step', `try: ${'('.repeat(100_000)}20-3${')'.repeat(100_000)}=17\nanswer: 17`],
    ['unbalanced parentheses in a try step', `try: ${'('.repeat(1000)}20-3=17\nback:\nanswer: 17`],
  ];

  it.each(cases)('%s: answered with a verdict and a reason or an answer', (_label, text) => {
    const result = countdown.verify(cd, text);
    if (text.length > MAX_COMPLETION_LENGTH) expect(result.correct).toBe(false);
    if (!result.correct) expect(typeof result.reason).toBe('string');
    const lines = text.split('\n');
    expect(countdown.checkSteps!(cd, lines)).toHaveLength(lines.length);
    expect(game24.checkSteps!(g24, lines)).toHaveLength(lines.length);
  });

  it('judges the hostile traces exactly', () => {
    const v = (text: string) => countdown.verify(cd, text).correct;
    expect(v(`${'back:\n'.repeat(100_000)}answer: 17`)).toBe(false);
    expect(v(`${'back:\n'.repeat(10_000)}20-3=17\nanswer: 17`)).toBe(true);
    expect(v(`20-3=17\n${'oops:\n'.repeat(10_000)}answer: 17`)).toBe(false);
    expect(v(`${'try: 20-3=17\nback:\n'.repeat(3000)}answer: 17`)).toBe(false);
    expect(v(`${'20-3=18\noops:\n'.repeat(3000)}answer: 17`)).toBe(false);
    expect(v(`${'20-3=18\noops:\n'.repeat(3000)}20-3=17\nanswer: 17`)).toBe(true);
  });

  it('checks 10^5 behaviour lines in one call', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => (i % 2 === 0 ? 'try: 20-3=17' : 'back:'));
    const checks = countdown.checkSteps!(cd, lines);
    expect(checks.every((c) => c.correct)).toBe(true);
  });
});
