import { describe, expect, it } from 'vitest';
import { EXPRESSION_LIMITS, parseEquation, parseExpression, parseValue } from './expression.js';
import { formatRational } from './rational.js';
import { isTraceText, splitCompletion } from './text.js';

describe('expression parser', () => {
  it('parses precedence and parentheses', () => {
    const e = parseExpression('8/(3-8/3)');
    expect(e.ok).toBe(true);
    const eq = parseEquation('2+3*4=14');
    expect(eq.ok && eq.value.lhs.kind === 'binary' && eq.value.lhs.op).toBe('+');
  });

  it('reads parenthesised literals as one number', () => {
    const e = parseExpression('(8/3)');
    expect(e.ok && e.value.kind === 'atom' && formatRational(e.value.value)).toBe('8/3');
    const n = parseExpression('(-4)');
    expect(n.ok && n.value.kind === 'atom' && formatRational(n.value.value)).toBe('-4');
  });

  it('parses values', () => {
    const v = parseValue('-6/4');
    expect(v.ok && formatRational(v.value)).toBe('-3/2');
    expect(parseValue('3+4').ok).toBe(false);
    expect(parseValue('1/0').ok).toBe(false);
  });

  it.each([
    ['', 'empty expression'],
    ['3+', 'ends early'],
    ['-3', 'unexpected `-`'],
    ['3 4', 'unexpected text'],
    ['(3', 'unbalanced `(`'],
    ['3)', 'unbalanced `)`'],
    ['3=4', 'unexpected `=`'],
    ['3^2', 'unexpected character `^`'],
    ['\u0663', 'U+0663'],
    ['(5/0)', 'division by zero'],
  ])('rejects %j (%s)', (text, reason) => {
    const e = parseExpression(text);
    expect(e.ok).toBe(false);
    if (!e.ok) expect(e.reason).toContain(reason);
  });

  it('enforces its limits before building numbers', () => {
    const deep = `${'('.repeat(EXPRESSION_LIMITS.maxDepth + 1)}1${')'.repeat(EXPRESSION_LIMITS.maxDepth + 1)}`;
    expect(parseExpression(deep)).toEqual({ ok: false, reason: 'parentheses nested deeper than 32' });
    const ok = `${'('.repeat(EXPRESSION_LIMITS.maxDepth)}1${')'.repeat(EXPRESSION_LIMITS.maxDepth)}`;
    expect(parseExpression(ok).ok).toBe(true);
    expect(parseExpression('9'.repeat(65))).toEqual({
      ok: false,
      reason: 'number literal longer than 64 digits',
    });
    expect(parseExpression('1+'.repeat(600)).ok).toBe(false);
  });
});

describe('completion text', () => {
  it('splits steps from the first answer line', () => {
    expect(splitCompletion(' 1+2=3 \n\nanswer: 3\nanswer: 4')).toEqual({ steps: ['1+2=3'], answer: '3' });
    expect(splitCompletion('1+2=3')).toEqual({ steps: ['1+2=3'], answer: null });
  });

  it('knows the trace alphabet', () => {
    expect(isTraceText('countdown: 3 7 8 25 -> 29\n25+3=28\nanswer: 29')).toBe(true);
    expect(isTraceText('Answer: 29')).toBe(false);
    expect(isTraceText('\u0663')).toBe(false);
  });
});
