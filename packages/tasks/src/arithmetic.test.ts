import { createRng } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import {
  arithmeticProblem,
  arithmeticTask,
  resolveArithmeticOptions,
  solveArithmetic,
} from './arithmetic.js';
import { corruptResult } from './test-helpers.js';
import { isTraceText } from './text.js';

describe('arithmetic format', () => {
  it('writes partial products, running sums and the answer line', () => {
    expect(solveArithmetic({ a: '123', b: '654' })).toEqual([
      '123*4=492',
      '123*50=6150',
      '123*600=73800',
      '492+6150=6642',
      '6642+73800=80442',
      'answer: 80442',
    ]);
    const p = arithmeticProblem({ a: '123', b: '654' });
    expect(arithmeticTask.prompt(p)).toBe('arithmetic: 123*654\n');
    expect(p.id).toBe('arithmetic-123x654');
    expect(p.answer).toBe('80442');
  });

  it('skips zero digits and handles a one-digit factor', () => {
    expect(solveArithmetic({ a: '405', b: '301' })).toEqual([
      '405*1=405',
      '405*300=121500',
      '405+121500=121905',
      'answer: 121905',
    ]);
    expect(solveArithmetic({ a: '17', b: '3' })).toEqual(['17*3=51', 'answer: 51']);
    expect(solveArithmetic({ a: '9', b: '100' })).toEqual(['9*100=900', 'answer: 900']);
  });

  it('verifies 30x30-digit products exactly', () => {
    const a = '987654321987654321987654321987';
    const b = '123456789123456789123456789123';
    const p = arithmeticProblem({ a, b });
    expect(p.answer).toBe((BigInt(a) * BigInt(b)).toString());
    expect(arithmeticTask.verify(p, solveArithmetic({ a, b }).join('\n')).correct).toBe(true);
    expect(arithmeticTask.verify(p, `answer: ${BigInt(p.answer!) + 1n}`).correct).toBe(false);
  });

  it('rejects bad factors and options', () => {
    expect(() => arithmeticProblem({ a: '012', b: '3' })).toThrow(/factor `a`/);
    expect(() => arithmeticProblem({ a: '12', b: '1e3' })).toThrow(/factor `b`/);
    expect(() => resolveArithmeticOptions({ digitsA: 0 })).toThrow(/`digitsA` must be >= 1/);
    expect(() => resolveArithmeticOptions({ digitsB: 31 })).toThrow(/`digitsB` must be <= 30/);
  });
});

describe('arithmetic generator', () => {
  it('draws factors with the requested digits, deterministically', () => {
    const a = arithmeticTask.generate(createRng(5), { digitsA: 4, digitsB: 2 });
    const b = arithmeticTask.generate(createRng(5), { digitsA: 4, digitsB: 2 });
    expect(a).toEqual(b);
    expect(a.data.a).toMatch(/^[1-9]\d{3}$/);
    expect(a.data.b).toMatch(/^[1-9]\d$/);
  });
});

describe('arithmetic reference traces (1000 generated problems)', () => {
  const rng = createRng(99);
  const sizes = [
    [3, 3],
    [2, 2],
    [4, 3],
    [5, 5],
  ] as const;
  const problems = Array.from({ length: 1000 }, (_, i) => {
    const [digitsA, digitsB] = sizes[i % sizes.length]!;
    return arithmeticTask.generate(rng, { digitsA, digitsB });
  });

  it('all verify and fit the alphabet; 3x3 traces fit 128 characters with the prompt', () => {
    for (const p of problems) {
      const text = arithmeticTask.solve!(p)!.join('\n');
      expect(arithmeticTask.verify(p, text)).toEqual({ correct: true, answer: p.answer });
      const full = arithmeticTask.prompt(p) + text;
      expect(isTraceText(full)).toBe(true);
      if (p.data.a.length === 3 && p.data.b.length === 3) expect(full.length).toBeLessThanOrEqual(128);
    }
  });

  it('the step checker marks every step (answer line included) correct and each corrupted one incorrect', () => {
    for (const p of problems) {
      const steps = arithmeticTask.solve!(p)!;
      expect(arithmeticTask.checkSteps!(p, steps).every((c) => c.correct)).toBe(true);
      for (let k = 0; k < steps.length; k++) {
        const corrupted = steps.map((s, i) => (i === k ? corruptResult(s) : s));
        const checks = arithmeticTask.checkSteps!(p, corrupted);
        expect(checks[k]!.correct).toBe(false);
        // Later steps that use the wrong result are wrong too; the others stay correct.
        expect(checks.slice(0, k).every((c) => c.correct)).toBe(true);
        expect(arithmeticTask.verify(p, corrupted.join('\n')).correct).toBe(k < steps.length - 1);
      }
    }
  });
});
