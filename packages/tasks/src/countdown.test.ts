import { createRng, isO1labError } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { countdownProblem, countdownTask, resolveCountdownOptions, solveCountdown } from './countdown.js';
import { derivationVoteKey } from './derivation.js';
import { corruptResult } from './test-helpers.js';
import { isTraceText } from './text.js';

describe('countdown format', () => {
  const problem = countdownProblem({ numbers: [25, 3, 8, 7], target: 29 });

  it('writes the documented prompt and a stable id', () => {
    expect(countdownTask.prompt(problem)).toBe('countdown: 3 7 8 25 -> 29\n');
    expect(problem.id).toBe('countdown-3-7-8-25-29');
    expect(problem.answer).toBe('29');
  });

  it('solves with steps whose last result is the target, then the answer line', () => {
    const steps = countdownTask.solve!(problem)!;
    expect(steps.at(-1)).toBe('answer: 29');
    expect(steps.at(-2)).toMatch(/=29$/);
    expect(countdownTask.verify(problem, steps.join('\n'))).toEqual({ correct: true, answer: '29' });
  });

  it('parses the answer line, normalising spaces', () => {
    expect(countdownTask.parseAnswer('25+3=28\nanswer: (25 + 3) + (8 - 7)')).toBe('(25+3)+(8-7)');
    expect(countdownTask.parseAnswer('25+3=28\n')).toBeNull();
  });
});

describe('solveCountdown', () => {
  it('finds a derivation when one exists and null when none does', () => {
    expect(solveCountdown([3, 7, 8, 25], 29)).not.toBeNull();
    expect(solveCountdown([1, 1, 1], 100)).toBeNull();
    expect(solveCountdown([2, 3, 5], 5)).toEqual([]);
    expect(solveCountdown([25, 50, 75, 100, 3, 6], 952)).not.toBeNull();
    expect(() => solveCountdown([1, 2, 3, 4, 5, 6, 7], 100)).toThrow(/at most 6 positive integers/);
  });
});

describe('countdown generator', () => {
  it('is deterministic for a seed', () => {
    const a = Array.from({ length: 5 }, (_, i) => countdownTask.generate(createRng(i)).id);
    const b = Array.from({ length: 5 }, (_, i) => countdownTask.generate(createRng(i)).id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  it('respects the difficulty knobs', () => {
    const rng = createRng(7);
    for (const numNumbers of [3, 4, 5, 6]) {
      for (let i = 0; i < 20; i++) {
        const p = countdownTask.generate(rng, { numNumbers, maxNumber: 50, minTarget: 100, maxTarget: 500 });
        expect(p.data.numbers).toHaveLength(numNumbers);
        expect(Math.min(...p.data.numbers)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...p.data.numbers)).toBeLessThanOrEqual(50);
        expect(p.data.target).toBeGreaterThanOrEqual(100);
        expect(p.data.target).toBeLessThanOrEqual(500);
        expect(solveCountdown(p.data.numbers, p.data.target)).not.toBeNull();
      }
    }
  });

  it('draws targets that may be unreachable when reachable is false', () => {
    const rng = createRng(3);
    const problems = Array.from({ length: 60 }, () =>
      countdownTask.generate(rng, {
        numNumbers: 3,
        maxNumber: 5,
        minTarget: 200,
        maxTarget: 999,
        reachable: false,
      }),
    );
    const unsolved = problems.filter((p) => countdownTask.solve!(p) === null);
    expect(unsolved.length).toBeGreaterThan(0);
  });

  it('rejects bad options by name', () => {
    expect(() => resolveCountdownOptions({ numNumbers: 7 })).toThrow(/`numNumbers` must be <= 6/);
    expect(() => resolveCountdownOptions({ maxTarget: 5 })).toThrow(/`maxTarget` must be >= 10/);
    expect(() => resolveCountdownOptions({ numbers: 4 } as never)).toThrow(/unknown option `numbers`/);
    try {
      countdownTask.generate(createRng(1), { numNumbers: 3, maxNumber: 1, minTarget: 900, maxTarget: 999 });
      expect.unreachable();
    } catch (error) {
      expect(isO1labError(error, 'INVALID_CONFIG')).toBe(true);
    }
  });
});

describe('countdown reference traces (1000 generated problems)', () => {
  const rng = createRng(2024);
  const problems = Array.from({ length: 1000 }, () => countdownTask.generate(rng));

  it('all verify, and prompt + trace fit the character alphabet and a short context', () => {
    for (const p of problems) {
      const steps = countdownTask.solve!(p)!;
      const text = steps.join('\n');
      const v = countdownTask.verify(p, text);
      expect(v.correct, `${p.id}: ${v.reason}`).toBe(true);
      const full = countdownTask.prompt(p) + text;
      expect(isTraceText(full)).toBe(true);
      expect(full.length).toBeLessThanOrEqual(128);
    }
  });

  it('the step checker marks every step (answer line included) correct and each corrupted one incorrect', () => {
    for (const p of problems) {
      const steps = countdownTask.solve!(p)!;
      expect(countdownTask.checkSteps!(p, steps).every((c) => c.correct)).toBe(true);
      for (let k = 0; k < steps.length; k++) {
        const corrupted = steps.map((s, i) => (i === k ? corruptResult(s) : s));
        const checks = countdownTask.checkSteps!(p, corrupted);
        expect(checks[k]!.correct).toBe(false);
        expect(checks.slice(0, k).every((c) => c.correct)).toBe(true);
        expect(countdownTask.verify(p, corrupted.join('\n')).correct).toBe(false);
      }
    }
  });

  it('six-number problems also verify', () => {
    const r = createRng(6);
    for (let i = 0; i < 100; i++) {
      const p = countdownTask.generate(r, { numNumbers: 6, maxNumber: 100, minTarget: 100, maxTarget: 999 });
      expect(countdownTask.verify(p, countdownTask.solve!(p)!.join('\n')).correct).toBe(true);
    }
  });
});

describe('countdown vote key (the canonical derivation)', () => {
  const key = countdownTask.voteKey!;

  it('is the same for the same moves in another order or with operands swapped', () => {
    const a = key('25+3=28\n8-7=1\n28+1=29\nanswer: 29');
    expect(a).toBe('(1+28)=29;(25+3)=28;(8-7)=1|29');
    expect(key('8 - 7 = 1\n3+25=28\n1+28=29\nanswer: 29')).toBe(a);
  });

  it('tells different derivations of the same target apart, and wrong arithmetic from right', () => {
    const right = key('25+3=28\n8-7=1\n28+1=29\nanswer: 29');
    expect(key('25+7=32\n32-3=29\nanswer: 29')).not.toBe(right);
    expect(key('25+3=27\n8-7=1\n28+1=29\nanswer: 29')).not.toBe(right);
    // Subtraction and division keep their operand order.
    expect(key('8-7=1\nanswer: 1')).not.toBe(key('7-8=1\nanswer: 1'));
  });

  it('drops retracted steps and abandoned branches, and canonicalises the answer expression', () => {
    const plain = key('25+3=28\n28+1=29\nanswer: 29');
    expect(key('25+3=27\noops: 25+3=28 not 27\n25+3=28\n28+1=29\nanswer: 29')).toBe(plain);
    expect(key('try: 25*3=75\nback: too big\n25+3=28\n28+1=29\nanswer: 29')).toBe(plain);
    expect(key('given: 3 7 8 25\n25+3=28\ncheck: 25+3=28 ok\n28+1=29\nanswer: 29')).toBe(plain);
    expect(key('answer: (8-7)+(3+25)')).toBe(key('answer: (25+3)+(8-7)'));
  });

  it('is null without an answer line; game24 uses the same key', async () => {
    expect(key('25+3=28')).toBeNull();
    expect(derivationVoteKey('answer:')).toBeNull();
    const { game24Task } = await import('./game24.js');
    expect(game24Task.voteKey).toBe(derivationVoteKey);
  });
});
