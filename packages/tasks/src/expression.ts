import {
  addRational,
  divRational,
  mulRational,
  type Rational,
  rational,
  rationalDigits,
  subRational,
} from './rational.js';

/**
 * Limits of the expression parser. Model text is untrusted: every limit is checked while scanning,
 * before any number is built, so a hostile line costs time linear in its length and never recursion
 * deeper than {@link EXPRESSION_LIMITS.maxDepth} parentheses.
 */
export const EXPRESSION_LIMITS = Object.freeze({
  /** Longest step or answer line considered; longer lines are rejected unread. */
  maxLineLength: 1000,
  /** Most digits in one number literal (a 10^4-digit literal is rejected, never converted). */
  maxLiteralDigits: 64,
  /** Deepest parenthesis nesting. */
  maxDepth: 32,
  /** Most digits in an intermediate value's numerator or denominator. */
  maxValueDigits: 256,
});

export type Operator = '+' | '-' | '*' | '/';

/**
 * Expression tree. An `atom` is one number taken from the available numbers: an integer literal, or
 * a parenthesised literal such as `(8/3)` or `(-5)` that names an earlier non-integer result. A
 * parenthesised fraction also records its numerator and denominator, so that where no such result is
 * available it reads as an ordinary division of two integers.
 */
export type ExprNode =
  | { readonly kind: 'atom'; readonly value: Rational; readonly split?: readonly [Rational, Rational] }
  | { readonly kind: 'binary'; readonly op: Operator; readonly left: ExprNode; readonly right: ExprNode };

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

/** A step equation `lhs = rhs`, with `rhs` a plain value. */
export interface Equation {
  readonly lhs: ExprNode;
  readonly rhs: Rational;
}

type Token =
  | { readonly kind: 'num'; readonly value: bigint }
  | { readonly kind: 'op'; readonly op: Operator }
  | { readonly kind: '(' | ')' | '=' };

/** Parses an arithmetic expression over integer literals with + - * / and parentheses. */
export function parseExpression(text: string): Parsed<ExprNode> {
  const tokens = tokenize(text);
  if (!tokens.ok) return tokens;
  return parseTokens(tokens.value, 0, tokens.value.length);
}

/** Parses `expression = value`, e.g. `25+3=28` or `3-(8/3)=1/3`. */
export function parseEquation(text: string): Parsed<Equation> {
  const tokens = tokenize(text);
  if (!tokens.ok) return tokens;
  const list = tokens.value;
  let eq = -1;
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.kind !== '=') continue;
    if (eq !== -1) return fail('more than one `=`');
    eq = i;
  }
  if (eq === -1) return fail('no `=`');
  const lhs = parseTokens(list, 0, eq);
  if (!lhs.ok) return lhs;
  const rhs = parseValueTokens(list, eq + 1, list.length);
  if (!rhs.ok) return rhs;
  return { ok: true, value: { lhs: lhs.value, rhs: rhs.value } };
}

/** Parses a plain value: `29`, `-5`, `8/3`, `(-1/3)`. */
export function parseValue(text: string): Parsed<Rational> {
  const tokens = tokenize(text);
  if (!tokens.ok) return tokens;
  return parseValueTokens(tokens.value, 0, tokens.value.length);
}

/** Number of operators in an expression tree. */
export function countOperators(node: ExprNode): number {
  return node.kind === 'atom' ? 0 : 1 + countOperators(node.left) + countOperators(node.right);
}

/** Applies one operator exactly; null for division by zero. */
export function applyOperator(op: Operator, a: Rational, b: Rational): Rational | null {
  switch (op) {
    case '+':
      return addRational(a, b);
    case '-':
      return subRational(a, b);
    case '*':
      return mulRational(a, b);
    case '/':
      return divRational(a, b);
  }
}

/** Checks a value against {@link EXPRESSION_LIMITS.maxValueDigits}. */
export function isValueTooLarge(value: Rational): boolean {
  return rationalDigits(value) > EXPRESSION_LIMITS.maxValueDigits;
}

function tokenize(text: string): Parsed<Token[]> {
  if (text.length > EXPRESSION_LIMITS.maxLineLength) {
    return fail(`line longer than ${EXPRESSION_LIMITS.maxLineLength} characters`);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let j = i;
      while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      if (j - i > EXPRESSION_LIMITS.maxLiteralDigits) {
        return fail(`number literal longer than ${EXPRESSION_LIMITS.maxLiteralDigits} digits`);
      }
      tokens.push({ kind: 'num', value: BigInt(text.slice(i, j)) });
      i = j;
      continue;
    }
    const ch = text[i]!;
    if (ch === '+' || ch === '-' || ch === '*' || ch === '/') tokens.push({ kind: 'op', op: ch });
    else if (ch === '(' || ch === ')' || ch === '=') tokens.push({ kind: ch });
    else return fail(`unexpected character ${describeChar(text, i)} at column ${i + 1}`);
    i++;
  }
  return { ok: true, value: tokens };
}

function parseTokens(tokens: readonly Token[], start: number, end: number): Parsed<ExprNode> {
  if (start === end) return fail('empty expression');
  // Parenthesis depth is checked in one linear pass first, so the recursive descent below never
  // recurses deeper than maxDepth + a constant whatever the input.
  let depth = 0;
  for (let i = start; i < end; i++) {
    const kind = tokens[i]!.kind;
    if (kind === '(') {
      depth++;
      if (depth > EXPRESSION_LIMITS.maxDepth) {
        return fail(`parentheses nested deeper than ${EXPRESSION_LIMITS.maxDepth}`);
      }
    } else if (kind === ')') {
      depth--;
      if (depth < 0) return fail('unbalanced `)`');
    } else if (kind === '=') {
      return fail('unexpected `=`');
    }
  }
  if (depth !== 0) return fail('unbalanced `(`');
  const parser = new Parser(tokens, start, end);
  try {
    const node = parser.expression();
    if (parser.pos !== end) return fail('unexpected text after expression');
    return { ok: true, value: node };
  } catch (error) {
    if (error instanceof SyntaxFailure) return fail(error.message);
    throw error;
  }
}

class SyntaxFailure extends Error {}

// Recursive descent: expression := term (('+'|'-') term)*; term := primary (('*'|'/') primary)*;
// primary := integer | '(' signed-literal ')' | '(' expression ')'. No unary minus: negation is not
// one of the four operations, so it would let a derivation change a number for free.
class Parser {
  pos: number;

  constructor(
    private readonly tokens: readonly Token[],
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  expression(): ExprNode {
    let node = this.term();
    for (;;) {
      const t = this.peek();
      if (t?.kind !== 'op' || (t.op !== '+' && t.op !== '-')) return node;
      this.pos++;
      node = { kind: 'binary', op: t.op, left: node, right: this.term() };
    }
  }

  private term(): ExprNode {
    let node = this.primary();
    for (;;) {
      const t = this.peek();
      if (t?.kind !== 'op' || (t.op !== '*' && t.op !== '/')) return node;
      this.pos++;
      node = { kind: 'binary', op: t.op, left: node, right: this.primary() };
    }
  }

  private primary(): ExprNode {
    const t = this.peek();
    if (t === undefined) throw new SyntaxFailure('expression ends early');
    if (t.kind === 'num') {
      this.pos++;
      return { kind: 'atom', value: rational(t.value) };
    }
    if (t.kind !== '(') throw new SyntaxFailure(`unexpected \`${tokenText(t)}\``);
    const literal = this.parenthesisedLiteral();
    if (literal !== null) return literal;
    this.pos++;
    const inner = this.expression();
    if (this.peek()?.kind !== ')') throw new SyntaxFailure('missing `)`');
    this.pos++;
    return inner;
  }

  // `(n)`, `(-n)`, `(p/q)`, `(-p/q)`: one number, not an operation.
  private parenthesisedLiteral(): ExprNode | null {
    let i = this.pos + 1;
    const at = (k: number): Token | undefined => (k < this.end ? this.tokens[k] : undefined);
    let negative = false;
    const first = at(i);
    if (first?.kind === 'op' && first.op === '-') {
      negative = true;
      i++;
    }
    const p = at(i);
    if (p?.kind !== 'num') return null;
    i++;
    let q: bigint | null = null;
    const slash = at(i);
    if (slash?.kind === 'op' && slash.op === '/') {
      const d = at(i + 1);
      if (d?.kind !== 'num') return null;
      q = d.value;
      i += 2;
    }
    if (at(i)?.kind !== ')') return null;
    if (q === 0n) throw new SyntaxFailure('division by zero');
    this.pos = i + 1;
    const value = rational(negative ? -p.value : p.value, q ?? 1n);
    if (q === null || negative) return { kind: 'atom', value };
    return { kind: 'atom', value, split: [rational(p.value), rational(q)] };
  }

  private peek(): Token | undefined {
    return this.pos < this.end ? this.tokens[this.pos] : undefined;
  }
}

function parseValueTokens(tokens: readonly Token[], start: number, end: number): Parsed<Rational> {
  let i = start;
  let close = end;
  if (tokens[i]?.kind === '(' && end - start >= 2 && tokens[end - 1]?.kind === ')') {
    i++;
    close = end - 1;
  }
  let negative = false;
  const sign = tokens[i];
  if (sign?.kind === 'op' && sign.op === '-') {
    negative = true;
    i++;
  }
  const p = tokens[i];
  if (i >= close || p?.kind !== 'num') return fail('expected a number after `=`');
  i++;
  let q = 1n;
  if (i < close) {
    const slash = tokens[i];
    const d = tokens[i + 1];
    if (slash?.kind !== 'op' || slash.op !== '/' || d?.kind !== 'num' || i + 2 !== close) {
      return fail('the result must be a single number such as `28`, `-5` or `8/3`');
    }
    if (d.value === 0n) return fail('division by zero in the result');
    q = d.value;
  }
  return { ok: true, value: rational(negative ? -p.value : p.value, q) };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function tokenText(t: Token): string {
  if (t.kind === 'num') return t.value.toString();
  if (t.kind === 'op') return t.op;
  return t.kind;
}

function describeChar(text: string, i: number): string {
  const code = text.codePointAt(i) ?? 0;
  if (code >= 33 && code <= 126) return `\`${text[i]}\``;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
