import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataDir } from '../test-helpers.js';
import { evaluateMathNumber, extractBoxedAnswer, mathAnswersEqual, normalizeMathAnswer } from './math.js';

const testPath = path.join(sharedDataDir, 'math500', 'test.jsonl');
const hasData = existsSync(testPath);
if (!hasData)
  console.warn(`skipping MATH-500 data tests: ${testPath} not found (it is not part of the repository)`);

describe('extractBoxedAnswer', () => {
  it.each([
    ['so $\\boxed{5}$.', '5'],
    ['$\\boxed{\\frac{1}{2}}$', '\\frac{1}{2}'],
    ['first \\boxed{1} then \\boxed{2}', '2'],
    ['\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}.', '\\left( 3, \\frac{\\pi}{2} \\right)'],
    ['\\fbox{7}', '7'],
    ['\\boxed {8}', '8'],
    ['the answer is $\\boxed 5$.', '5'],
    ['\\boxed{\\{1,2\\}}', '\\{1,2\\}'],
    ['\\boxed{\\text{(C)}}', '\\text{(C)}'],
    ['\\boxed{a_{b_{c}}}', 'a_{b_{c}}'],
  ])('%j -> %j', (text, expected) => {
    expect(extractBoxedAnswer(text)).toBe(expected);
  });

  it('returns null without a box or with unclosed braces', () => {
    expect(extractBoxedAnswer('the answer is 5')).toBeNull();
    expect(extractBoxedAnswer('\\boxed{\\frac{1}{2}')).toBeNull();
    expect(extractBoxedAnswer('\\boxed')).toBeNull();
  });
});

describe('normalizeMathAnswer', () => {
  it.each([
    ['\\dfrac{3}{4}', '\\frac{3}{4}'],
    ['\\tfrac12', '\\frac{1}{2}'],
    ['\\frac 59', '\\frac{5}{9}'],
    ['\\frac9{19}', '\\frac{9}{19}'],
    ['\\frac{270}7\\text{ degrees}', '\\frac{270}{7}'],
    ['11\\sqrt2', '11\\sqrt{2}'],
    ['90^\\circ', '90'],
    ['90^{\\circ}', '90'],
    ['10\\%', '10'],
    ['\\$32,\\!348', '32348'],
    ['11,\\! 111,\\! 111,\\! 100', '11111111100'],
    ['5.4 \\text{ cents}', '5.4'],
    ['864 \\mbox{ inches}^2', '864'],
    ['\\text{Evelyn}', 'Evelyn'],
    ['x = 5', '5'],
    ['x \\in [-2,7]', '[-2,7]'],
    ['\\left( 3, \\frac{\\pi}{2} \\right)', '(3,\\frac{\\pi}{2})'],
    ['4210_{5}', '4210_5'],
    ['.0000672', '0.0000672'],
    ['3/4', '\\frac{3}{4}'],
    ['5.00', '5'],
    ['1,-2', '1,-2'],
  ])('%j -> %j', (answer, expected) => {
    expect(normalizeMathAnswer(answer)).toBe(expected);
  });
});

describe('mathAnswersEqual', () => {
  it.each([
    ['\\frac{1}{2}', '0.5'],
    ['\\frac{1}{2}', '1/2'],
    ['\\dfrac12', '0.5'],
    ['0.15', '\\frac{3}{20}'],
    ['.35625', '0.35625'],
    ['2\\sqrt{3}', '\\sqrt{12}'],
    ['3 \\sqrt{13}', '3\\sqrt{13}'],
    ['\\frac{3\\sqrt{3}}{4}', '\\frac{3}{4}\\sqrt{3}'],
    ['\\frac{\\sqrt{3}}{3}', '\\frac{1}{\\sqrt{3}}'],
    ['1\\frac{4}{5}', '\\frac{9}{5}'],
    ['137 \\frac{1}{2}', '137.5'],
    ['90^\\circ', '90'],
    ['\\$18.90', '18.9'],
    ['10\\%', '10'],
    ['10,\\!080', '10080'],
    ['\\left( 3, \\frac{\\pi}{2} \\right)', '(3, \\pi/2)'],
    ['(-\\infty, 0]', '(-\\infty,0]'],
    ['(6,31,-1)', '(6, 31, -1)'],
    ['\\left(\\frac{3}{5},\\frac{8}{3}\\right]', '(0.6, \\frac{8}{3}]'],
    ['3, 5, 7', '3,5,7'],
    ['\\text{(C)}', '(C)'],
    ['288 \\pi', '288\\pi'],
    ['-\\frac{\\pi}{6}', '-\\frac{\\pi}{6}'],
    ['\\sqrt[3]{8}', '2'],
    ['2^{10}', '1024'],
    ['6 - 5i', '6-5i'],
  ])('%j == %j', (a, b) => {
    expect(mathAnswersEqual(a, b)).toBe(true);
    expect(mathAnswersEqual(b, a)).toBe(true);
  });

  it.each([
    ['\\frac{1}{3}', '0.333'],
    ['\\pi', '3.14159'],
    ['(3,4]', '(3,4)'],
    ['[3,4]', '(3,4)'],
    ['(1,2)', '(1,2,3)'],
    ['\\text{Evelyn}', '\\text{Navin}'],
    ['5', '-5'],
    ['2\\sqrt{3}', '\\sqrt{13}'],
    ['x^2', 'x^3'],
    ['\\frac{1}{0}', '\\frac{2}{0}'],
    ['', '0'],
  ])('%j != %j', (a, b) => {
    expect(mathAnswersEqual(a, b)).toBe(false);
  });

  it('evaluates numbers and refuses everything else', () => {
    expect(evaluateMathNumber('\\frac{3}{4}')).toBe(0.75);
    expect(evaluateMathNumber('2\\pi')).toBeCloseTo(2 * Math.PI, 12);
    expect(evaluateMathNumber('x+1')).toBeNull();
    expect(evaluateMathNumber('\\frac{1}{0}')).toBeNull();
    expect(evaluateMathNumber('2^{100000}')).toBeNull();
  });
});

function readAnswers(): string[] {
  return readFileSync(testPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { answer: string }).answer);
}

describe.skipIf(!hasData)('MATH-500 (shared data)', () => {
  it('judges the boxed answer of each reference solution equivalent to its answer field (>= 99%)', () => {
    const records = readFileSync(testPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { solution: string; answer: string; unique_id: string });
    expect(records).toHaveLength(500);
    const failures = records.filter((r) => {
      const boxed = extractBoxedAnswer(r.solution);
      return boxed === null || !mathAnswersEqual(boxed, r.answer);
    });
    // The package README lists every failure; there are none at present.
    expect(failures.map((r) => r.unique_id)).toEqual([]);
    expect((records.length - failures.length) / records.length).toBeGreaterThanOrEqual(0.99);
  });

  it('judges no two answers with different normalised forms equal (all 124750 pairs)', () => {
    const answers = readAnswers();
    const falseMatches: string[] = [];
    for (let i = 0; i < answers.length; i++) {
      for (let j = i + 1; j < answers.length; j++) {
        const a = answers[i]!;
        const b = answers[j]!;
        if (mathAnswersEqual(a, b) && normalizeMathAnswer(a) !== normalizeMathAnswer(b))
          falseMatches.push(`${a} == ${b}`);
      }
    }
    expect(falseMatches).toEqual([]);
  });

  it('normalisation is idempotent and survives re-typesetting of every answer', () => {
    for (const a of readAnswers()) {
      const n = normalizeMathAnswer(a);
      expect(normalizeMathAnswer(n)).toBe(n);
      for (const variant of [
        a.replace(/\\frac/g, '\\dfrac'),
        ` ${a.replace(/,/g, ', ')} `,
        `$${a}$`,
        a.replace(/ /g, ''),
      ]) {
        expect(mathAnswersEqual(variant, a), `${variant} vs ${a}`).toBe(true);
      }
      const value = evaluateMathNumber(n);
      if (value !== null) expect(mathAnswersEqual(String(value), a), `${value} vs ${a}`).toBe(true);
    }
  });
});
