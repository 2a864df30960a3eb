/**
 * MATH answer extraction and equivalence (Hendrycks et al., 2021; the PRM800K / MATH-500 grading
 * convention of Lightman et al., 2023): the answer is the last `\boxed{...}` (or `\fbox{...}`);
 * two answers are equal when their normalised LaTeX strings are equal, or when both evaluate to the
 * same number (`\frac{1}{2}` = `0.5` = `1/2`, `2\sqrt{3}` = `\sqrt{12}`), element by element for
 * tuples and intervals.
 *
 * Untrusted text: brace matching is one iterative pass, normalisation is a fixed list of linear
 * rewrites, and the numeric evaluator is a recursive-descent parser with an explicit depth limit.
 */

/** Limits of the MATH answer checker. */
export const MATH_ANSWER_LIMITS = Object.freeze({
  /** Longest text scanned for `\boxed`. */
  maxTextLength: 1_000_000,
  /** Longest answer normalised; longer answers compare only as raw strings. */
  maxAnswerLength: 2000,
  /** Deepest nesting the numeric evaluator follows. */
  maxDepth: 64,
  /** Largest exponent the numeric evaluator computes. */
  maxExponent: 1000,
});

const BOX_COMMANDS = ['\\boxed', '\\fbox'];

/**
 * The content of the last `\boxed{...}` or `\fbox{...}` in `text` (nested braces kept), also the
 * brace-less form `\boxed 5`; null when there is none or its braces never close.
 */
export function extractBoxedAnswer(text: string): string | null {
  if (text.length > MATH_ANSWER_LIMITS.maxTextLength) return null;
  let at = -1;
  let command = '';
  for (const c of BOX_COMMANDS) {
    const i = text.lastIndexOf(c);
    if (i > at) {
      at = i;
      command = c;
    }
  }
  if (at === -1) return null;
  let i = at + command.length;
  if (text[i] === ' ' && text[i + 1] !== '{') {
    // `\boxed 5`: up to the closing `$` or the end of the line.
    const rest = text.slice(i + 1);
    const end = rest.search(/[$\n]/);
    const value = (end === -1 ? rest : rest.slice(0, end)).trim();
    return value.length > 0 ? value : null;
  }
  while (text[i] === ' ') i++;
  if (text[i] !== '{') return null;
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const ch = text[j];
    if (ch === '\\') {
      j++;
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return text.slice(i + 1, j);
    }
  }
  return null;
}

/**
 * Normalises a LaTeX answer so that equal answers written differently compare equal: drops `\left`
 * / `\right`, `\!`, `\,`, `\$`, `\%`, degrees, `\text{}` units after a value, spaces, and a leading
 * `x =`; rewrites `\dfrac`/`\tfrac` to `\frac`, `\frac12` to `\frac{1}{2}`, `\sqrt2` to `\sqrt{2}`,
 * `a/b` to `\frac{a}{b}`, and removes thousands separators.
 */
export function normalizeMathAnswer(answer: string): string {
  let s = answer;
  if (s.length > MATH_ANSWER_LIMITS.maxAnswerLength) return s.trim();
  s = s
    .replace(/\n/g, ' ')
    .replace(/\\!/g, '')
    .replace(/\\[,;: ]/g, ' ')
    .replace(/~/g, ' ');
  s = s.replace(/\\\\/g, '\\');
  s = s.replace(/\\[dt]frac/g, '\\frac');
  s = s.replace(/\\left|\\right|\\big|\\Big|\\bigg|\\Bigg/g, '');
  s = s.replace(/\\displaystyle/g, '');
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°/g, '');
  s = s.replace(/\\\$|\$/g, '');
  s = s.replace(/\\%|%/g, '');
  s = stripUnits(s);
  s = unwrapText(s);
  s = s.replace(/\bdegrees?\b/g, '');
  s = s.trim().replace(/\.$/, '').trim();
  s = s.replace(/\s+/g, '');
  s = s.replace(/^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\w)?(?:=|\\in)(?!=)/, '');
  s = s.replace(/\\le(?![a-z])/g, '\\leq').replace(/\\ge(?![a-z])/g, '\\geq');
  s = s.replace(/_\{(\w+)\}/g, '_$1').replace(/\^\{(\w)\}/g, '^$1');
  s = fixSqrt(s);
  s = fixFracs(s);
  s = s.replace(/(^|[^\d])\.(\d)/g, '$10.$2');
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  s = s.replace(/^(-?)(\d+)\/(\d+)$/, '$1\\frac{$2}{$3}');
  s = s.replace(/^(-?\d+)\.0+$/, '$1');
  return s;
}

/** True when two MATH answers are equivalent: equal normalised, numerically equal, or element-wise. */
export function mathAnswersEqual(a: string, b: string): boolean {
  const x = normalizeMathAnswer(a);
  const y = normalizeMathAnswer(b);
  if (x === y) return true;
  if (x.length > MATH_ANSWER_LIMITS.maxAnswerLength || y.length > MATH_ANSWER_LIMITS.maxAnswerLength)
    return false;
  if (numbersEqual(x, y)) return true;
  const xs = splitTuple(x);
  const ys = splitTuple(y);
  if (xs === null || ys === null || xs.open !== ys.open || xs.close !== ys.close) return false;
  if (xs.items.length !== ys.items.length || xs.items.length < 2) return false;
  return xs.items.every((item, i) => item === ys.items[i] || numbersEqual(item, ys.items[i]!));
}

/**
 * Evaluates a normalised answer as a real number where it is one: integers, decimals, `\frac`,
 * `\sqrt`, `\pi`, `^`, `\cdot`, `\times`, implicit products (`3\sqrt{2}`, `2\pi`), parentheses.
 * Returns null for anything else (variables, sets, matrices) and for non-finite results.
 */
export function evaluateMathNumber(normalised: string): number | null {
  if (normalised.length === 0 || normalised.length > MATH_ANSWER_LIMITS.maxAnswerLength) return null;
  const parser = new NumberParser(normalised);
  try {
    const value = parser.expression(0);
    if (parser.pos !== normalised.length || !Number.isFinite(value)) return null;
    return value;
  } catch (error) {
    if (error instanceof NotANumber) return null;
    throw error;
  }
}

function numbersEqual(x: string, y: string): boolean {
  const a = evaluateMathNumber(x);
  const b = evaluateMathNumber(y);
  if (a === null || b === null) return false;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

// `5\text{ cm}^2`, `5.4\text{ cents}`, `864\mbox{ inches}^2`: a unit after a value is dropped; a
// `\text{}` that is the whole answer (`\text{Evelyn}`) is kept, unwrapped.
function stripUnits(s: string): string {
  return s.replace(/^(.*?\S)\s*\\(?:text|mbox|textrm|mathrm)\{\s*[a-zA-Z][a-zA-Z ]*\}(?:\^\d)?\s*$/, '$1');
}

function unwrapText(s: string): string {
  return s.replace(/\\(?:text|mbox|textbf|textrm|mathrm|mathbf)\{([^{}]*)\}/g, '$1');
}

function fixSqrt(s: string): string {
  return s.replace(/\\sqrt(\w)/g, '\\sqrt{$1}');
}

// `\frac12` -> `\frac{1}{2}`, `\frac1{72}` -> `\frac{1}{72}`, `\frac{270}7` -> `\frac{270}{7}`.
function fixFracs(s: string): string {
  return s
    .replace(/\\frac(\d)(\d)/g, '\\frac{$1}{$2}')
    .replace(/\\frac(\d)\{/g, '\\frac{$1}{')
    .replace(/\\frac(\{[^{}]*\})(\w)/g, '\\frac$1{$2}');
}

interface Tuple {
  readonly open: string;
  readonly close: string;
  readonly items: string[];
}

// Splits `(a,b]`, `[a,b]`, `a,b` at top-level commas.
function splitTuple(s: string): Tuple | null {
  let open = '';
  let close = '';
  let body = s;
  const first = s[0];
  const last = s[s.length - 1];
  if ((first === '(' || first === '[') && (last === ')' || last === ']')) {
    open = first;
    close = last;
    body = s.slice(1, -1);
  }
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      items.push(body.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) return null;
  }
  items.push(body.slice(start));
  return { open, close, items };
}

class NotANumber extends Error {}

// expression := ['-'|'+'] term (('+'|'-') term)*
// term := power ((('*'|'\cdot'|'\times'|'/') power) | implicit power)*
// power := atom ('^' atom)?
// atom := number | '\pi' | '\frac' group group | '\sqrt' ['[' expr ']'] group | group | '(' expr ')'
class NumberParser {
  pos = 0;

  constructor(private readonly s: string) {}

  expression(depth: number): number {
    this.enter(depth);
    let sign = 1;
    if (this.eat('-')) sign = -1;
    else this.eat('+');
    let value = sign * this.term(depth);
    for (;;) {
      if (this.eat('+')) value += this.term(depth);
      else if (this.s[this.pos] === '-') {
        this.pos++;
        value -= this.term(depth);
      } else return value;
    }
  }

  private term(depth: number): number {
    let value = this.power(depth);
    for (;;) {
      if (this.eat('*') || this.eat('\\cdot') || this.eat('\\times')) value *= this.power(depth);
      else if (this.eat('/')) value /= this.power(depth);
      else if (this.startsAtom()) value *= this.power(depth);
      else return value;
    }
  }

  private power(depth: number): number {
    const base = this.atom(depth);
    if (!this.eat('^')) return base;
    const exponent = this.atom(depth);
    if (Math.abs(exponent) > MATH_ANSWER_LIMITS.maxExponent) throw new NotANumber();
    return base ** exponent;
  }

  private atom(depth: number): number {
    this.enter(depth);
    const s = this.s;
    const m = /^(?:\d+(?:\.\d*)?|\.\d+)/.exec(s.slice(this.pos, this.pos + 400));
    if (m !== null) {
      if (m[0].length >= 400) throw new NotANumber();
      this.pos += m[0].length;
      const whole = Number(m[0]);
      // `1\frac{4}{5}` is the mixed number 9/5 in MATH answers, not a product.
      const mixed = /^\\frac\{(\d+)\}\{(\d+)\}/.exec(s.slice(this.pos, this.pos + 60));
      if (mixed !== null && /^\d+$/.test(m[0])) {
        this.pos += mixed[0].length;
        return whole + Number(mixed[1]) / Number(mixed[2]);
      }
      return whole;
    }
    if (this.eat('\\pi')) return Math.PI;
    if (this.eat('\\frac')) {
      const num = this.group(depth + 1);
      const den = this.group(depth + 1);
      return num / den;
    }
    if (this.eat('\\sqrt')) {
      let index = 2;
      if (this.eat('[')) {
        index = this.expression(depth + 1);
        if (!this.eat(']')) throw new NotANumber();
      }
      const radicand = this.group(depth + 1);
      return index === 2 ? Math.sqrt(radicand) : radicand ** (1 / index);
    }
    if (s[this.pos] === '{') return this.group(depth + 1);
    if (this.eat('(')) {
      const value = this.expression(depth + 1);
      if (!this.eat(')')) throw new NotANumber();
      return value;
    }
    throw new NotANumber();
  }

  private group(depth: number): number {
    if (!this.eat('{')) {
      // `\frac12` style single-digit argument.
      const ch = this.s[this.pos];
      if (ch !== undefined && ch >= '0' && ch <= '9') {
        this.pos++;
        return Number(ch);
      }
      throw new NotANumber();
    }
    const value = this.expression(depth + 1);
    if (!this.eat('}')) throw new NotANumber();
    return value;
  }

  private startsAtom(): boolean {
    const ch = this.s[this.pos];
    if (ch === undefined) return false;
    if ((ch >= '0' && ch <= '9') || ch === '(' || ch === '{') return true;
    return (
      this.s.startsWith('\\pi', this.pos) ||
      this.s.startsWith('\\sqrt', this.pos) ||
      this.s.startsWith('\\frac', this.pos)
    );
  }

  private eat(token: string): boolean {
    if (!this.s.startsWith(token, this.pos)) return false;
    // `\pi` must not be the start of `\pisomething`.
    if (token.startsWith('\\') && /[a-zA-Z]/.test(this.s[this.pos + token.length] ?? '')) return false;
    this.pos += token.length;
    return true;
  }

  private enter(depth: number): void {
    if (depth > MATH_ANSWER_LIMITS.maxDepth) throw new NotANumber();
  }
}
