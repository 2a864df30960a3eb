import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataDir } from '../test-helpers.js';
import { extractGsm8kAnswer, gsm8kAnswersEqual, normalizeGsm8kNumber } from './gsm8k.js';

const testPath = path.join(sharedDataDir, 'gsm8k', 'test.jsonl');
const hasData = existsSync(testPath);
if (!hasData)
  console.warn(`skipping GSM8K data tests: ${testPath} not found (it is not part of the repository)`);

describe('extractGsm8kAnswer', () => {
  it.each([
    ['She makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18', '18'],
    ['#### 1,450,000', '1450000'],
    ['#### -5', '-5'],
    ['#### $1,000.50', '1000.5'],
    ['#### 5.00', '5'],
    ['#### 0.50', '0.5'],
    ['#### .5', '0.5'],
    ['#### 007', '7'],
    ['#### -0', '0'],
    ['#### 18 dollars', '18'],
    ['#### 18.', '18'],
    ['#### 3\nmore text 99', '3'],
    ['Total: 12 apples.\nThe answer is $1,234.', '1234'],
    ['The answer is: -3 degrees', '-3'],
    ['answer: 42 cm', '42'],
    ['So 3 + 4 = 7, and 7 * 2 = 14 marbles.', '14'],
    ['first #### 3 then #### 4', '4'],
  ])('%j -> %s', (text, expected) => {
    expect(extractGsm8kAnswer(text)).toBe(expected);
  });

  it('returns null where there is no number', () => {
    expect(extractGsm8kAnswer('no number here')).toBeNull();
    expect(extractGsm8kAnswer('#### ')).toBeNull();
    expect(extractGsm8kAnswer('')).toBeNull();
  });

  it('compares canonical numbers exactly', () => {
    expect(gsm8kAnswersEqual('5.00', '5')).toBe(true);
    expect(gsm8kAnswersEqual('$1,234', '1234')).toBe(true);
    expect(gsm8kAnswersEqual('0.1', '0.10')).toBe(true);
    expect(gsm8kAnswersEqual('5', '5.01')).toBe(false);
    expect(gsm8kAnswersEqual('-5', '5')).toBe(false);
    expect(gsm8kAnswersEqual('x', 'x')).toBe(false);
    expect(normalizeGsm8kNumber('12345678901234567890123')).toBe('12345678901234567890123');
  });
});

describe.skipIf(!hasData)('GSM8K test split (shared data)', () => {
  it('extracts the #### answer of all 1319 reference solutions exactly', () => {
    const records = readFileSync(testPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { answer: string });
    expect(records).toHaveLength(1319);
    const mismatches = records.filter((r) => {
      const raw = r.answer.slice(r.answer.lastIndexOf('#### ') + 5).trim();
      return extractGsm8kAnswer(r.answer) !== raw.replace(/,/g, '');
    });
    expect(mismatches).toEqual([]);
  });
});
