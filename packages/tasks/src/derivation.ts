import type { StepCheck, Verification } from '@o1lab/core';
import {
  applyOperator,
  countOperators,
  type ExprNode,
  isValueTooLarge,
  type Parsed,
  parseEquation,
  parseExpression,
} from './expression.js';
import { equalRational, formatRational, type Rational, rational } from './rational.js';
import { ANSWER_PREFIX, MAX_COMPLETION_LENGTH, parseAnswerLine, splitCompletion } from './text.js';
import { classifyTraceLine, type TraceRules, walkTrace } from './trace-lines.js';

/**
 * What a countdown or game24 derivation must do: combine `numbers` (each at most once, or exactly
 * once when `useAll`) with + - * / into `target`.
 */
export interface DerivationRules {
  readonly numbers: readonly number[];
  readonly target: number;
  /** Every given number must be used (game24). */
  readonly useAll: boolean;
}

/**
 * Checks a whole completion: every step line `lhs = value` must be exact and use only available
 * numbers (given numbers and results of earlier steps, each once). The answer line (`expr` or
 * `expr = value`) is one more expression, either over the numbers the steps left or restating the
 * whole derivation from the given numbers, and must equal the target; for game24 no number may be
 * left over. So `answer: 29` after a step that made 29 is a derivation, and so is
 * `answer: (25+3)+(8-7)` with no steps; a claimed number that no step made is not.
 *
 * Behaviour lines (see {@link walkTrace}) are read, not rejected: `given:`, `plan:` and `check:` are
 * commentary; `oops:` retracts the step right before it (a retracted wrong step does not make the
 * completion wrong); `try:` lines are steps on a branch that `back:` undoes. Every step that is not
 * retracted, on a branch or not, must be valid, and the answer is judged against the numbers the
 * surviving steps left, exactly as without behaviour lines.
 */
export function verifyDerivation(rules: DerivationRules, text: string): Verification {
  if (text.length > MAX_COMPLETION_LENGTH) {
    return {
      correct: false,
      answer: null,
      reason: `completion longer than ${MAX_COMPLETION_LENGTH} characters`,
    };
  }
  const { steps, answer } = splitCompletion(text);
  const normalised = parseAnswerLine(text);
  const walked = walkTrace(traceRules(rules), steps, false);
  for (let i = 0; i < walked.lines.length; i++) {
    const line = walked.lines[i]!;
    if ((line.kind === 'step' || line.kind === 'try') && !line.check.correct && !line.retracted)
      return { correct: false, answer: normalised, reason: `step ${i + 1}: ${line.check.reason}` };
  }
  if (answer === null) return { correct: false, answer: null, reason: 'no `answer:` line' };
  const claim = parseAnswerClaim(answer);
  if (!claim.ok) return { correct: false, answer: normalised, reason: `answer: ${claim.reason}` };
  // The answer either continues from the numbers the steps left (`answer: 29`) or restates the
  // whole derivation from the given numbers (`answer: (25+3)+(8-7)`, as Tree of Thoughts prompts ask).
  let outcome = finishDerivation(rules, claim.value, walked.state);
  if (!outcome.ok && steps.length > 0) {
    const restated = finishDerivation(rules, claim.value, initialPool(rules));
    if (restated.ok) outcome = restated;
  }
  if (!outcome.ok) return { correct: false, answer: normalised, reason: outcome.reason };
  return { correct: true, answer: normalised };
}

interface AnswerClaim {
  readonly expression: ExprNode;
  /** The value after a trailing `= value`, when the answer line has one. */
  readonly stated: Rational | null;
}

// `29`, `(25+3)+(8-7)` or `(25+3)+(8-7)=29`.
function parseAnswerClaim(answer: string): Parsed<AnswerClaim> {
  if (answer.includes('=')) {
    const eq = parseEquation(answer);
    return eq.ok ? { ok: true, value: { expression: eq.value.lhs, stated: eq.value.rhs } } : eq;
  }
  const expr = parseExpression(answer);
  return expr.ok ? { ok: true, value: { expression: expr.value, stated: null } } : expr;
}

function finishDerivation(
  rules: DerivationRules,
  claim: AnswerClaim,
  start: readonly Rational[],
): Parsed<true> {
  const pool = start.slice();
  const value = evaluate(claim.expression, pool);
  if (!value.ok) return { ok: false, reason: `answer: ${value.reason}` };
  if (claim.stated !== null && !equalRational(claim.stated, value.value)) {
    return {
      ok: false,
      reason: `answer: the expression is ${formatRational(value.value)}, not ${formatRational(claim.stated)}`,
    };
  }
  if (!equalRational(value.value, rational(BigInt(rules.target)))) {
    return { ok: false, reason: `answer is ${formatRational(value.value)}, not the target ${rules.target}` };
  }
  if (rules.useAll && pool.length > 0) {
    return { ok: false, reason: `not every number was used: ${pool.map(formatRational).join(' ')} left` };
  }
  return { ok: true, value: true };
}

/**
 * Ground truth per step: a step is correct when it parses, its arithmetic is exact and it uses only
 * numbers available at that point. An incorrect step neither consumes nor makes numbers, so later
 * steps are judged against the numbers the correct steps before them left. An `answer:` line is
 * judged as {@link verifyDerivation} judges it: correct when it completes the derivation.
 *
 * Behaviour lines follow {@link walkTrace}: `given:`/`plan:` are correct with reason `commentary`,
 * a `check:` claim is correct when its arithmetic is exact, `oops:` is correct when it retracts a
 * wrong step (the retracted step keeps its own verdict), `try:` steps are judged as steps, and
 * `back:` is correct when it abandons an open branch.
 */
export function checkDerivationSteps(rules: DerivationRules, steps: readonly string[]): StepCheck[] {
  return walkTrace(traceRules(rules), steps, true).lines.map((line) => line.check);
}

function traceRules(rules: DerivationRules): TraceRules<readonly Rational[]> {
  return {
    start: initialPool(rules),
    apply: applyStep,
    answer: (pool, line) => checkAnswerStep(rules, line.slice(ANSWER_PREFIX.length).trim(), pool),
  };
}

function checkAnswerStep(rules: DerivationRules, answer: string, pool: readonly Rational[]): StepCheck {
  const claim = parseAnswerClaim(answer);
  if (!claim.ok) return { correct: false, reason: `answer: ${claim.reason}` };
  const outcome = finishDerivation(rules, claim.value, pool);
  if (outcome.ok || finishDerivation(rules, claim.value, initialPool(rules)).ok) return { correct: true };
  return { correct: false, reason: outcome.reason };
}

function initialPool(rules: DerivationRules): Rational[] {
  return rules.numbers.map((n) => rational(BigInt(n)));
}

/** The pool after one step, or why the step is invalid. */
function applyStep(pool: readonly Rational[], step: string): Parsed<Rational[]> {
  const eq = parseEquation(step);
  if (!eq.ok) return eq;
  if (countOperators(eq.value.lhs) === 0) return { ok: false, reason: 'a step must apply an operation' };
  const next = pool.slice();
  const value = evaluate(eq.value.lhs, next);
  if (!value.ok) return value;
  if (!equalRational(value.value, eq.value.rhs)) {
    return {
      ok: false,
      reason: `wrong arithmetic: the left side is ${formatRational(value.value)}, not ${formatRational(eq.value.rhs)}`,
    };
  }
  next.push(value.value);
  return { ok: true, value: next };
}

// Evaluates exactly, removing each atom from `pool` as it is used. The tree is at most a few hundred
// nodes (lines are capped at EXPRESSION_LIMITS.maxLineLength), so recursion is bounded.
function evaluate(node: ExprNode, pool: Rational[]): Parsed<Rational> {
  if (node.kind === 'atom') {
    if (take(pool, node.value)) return { ok: true, value: node.value };
    if (node.split !== undefined) {
      const [p, q] = node.split;
      const snapshot = pool.slice();
      if (take(pool, p) && take(pool, q)) return { ok: true, value: node.value };
      pool.splice(0, pool.length, ...snapshot);
    }
    return { ok: false, reason: `${formatRational(node.value)} is not available` };
  }
  const left = evaluate(node.left, pool);
  if (!left.ok) return left;
  const right = evaluate(node.right, pool);
  if (!right.ok) return right;
  const value = applyOperator(node.op, left.value, right.value);
  if (value === null) return { ok: false, reason: 'division by zero' };
  if (isValueTooLarge(value)) return { ok: false, reason: 'intermediate value too large' };
  return { ok: true, value };
}

function take(pool: Rational[], value: Rational): boolean {
  const i = pool.findIndex((v) => equalRational(v, value));
  if (i === -1) return false;
  pool.splice(i, 1);
  return true;
}

/**
 * What self-consistency votes on in a derivation task (countdown, game24). Their final answer is the
 * given target, the same in every completion, so a vote over answers cannot choose between
 * completions; the answer to such a problem is the derivation itself. The key is that derivation in
 * canonical form: the steps that survive the trace (a step retracted by `oops:`, or on a branch that
 * `back:` abandoned, is dropped), each with the operands of `+` and `*` in sorted order, as a sorted
 * list, then the answer line in the same form. Completions that make the same moves in another order,
 * or with operands swapped, get the same key; lines that do not parse keep their text (spaces
 * removed). Null when there is no answer line.
 */
export function derivationVoteKey(text: string): string | null {
  if (text.length > MAX_COMPLETION_LENGTH) return null;
  const { steps, answer } = splitCompletion(text);
  if (answer === null || answer.length === 0) return null;
  const kept: string[] = [];
  let lastWasStep = false;
  let branchStart: number | null = null;
  for (const line of steps) {
    const { kind, body } = classifyTraceLine(line);
    if (kind === 'step' || kind === 'try') {
      if (kind === 'try' && branchStart === null) branchStart = kept.length;
      kept.push(canonicalEquation(body));
      lastWasStep = true;
      continue;
    }
    if (kind === 'oops' && lastWasStep) kept.pop();
    if (kind === 'back' && branchStart !== null) {
      kept.length = branchStart;
      branchStart = null;
    }
    lastWasStep = false;
  }
  kept.sort();
  return `${kept.join(';')}|${canonicalEquation(answer)}`;
}

// `b+a = c` -> `a+b=c`; an expression without `=` is canonicalised alone; unparsable text is kept.
function canonicalEquation(text: string): string {
  if (text.includes('=')) {
    const eq = parseEquation(text);
    if (eq.ok) return `${canonicalExpression(eq.value.lhs)}=${formatRational(eq.value.rhs)}`;
  } else {
    const expr = parseExpression(text);
    if (expr.ok) return canonicalExpression(expr.value);
  }
  return text.replace(/ +/g, '');
}

function canonicalExpression(node: ExprNode): string {
  if (node.kind === 'atom') return formatRational(node.value);
  let left = canonicalExpression(node.left);
  let right = canonicalExpression(node.right);
  if ((node.op === '+' || node.op === '*') && right < left) [left, right] = [right, left];
  return `(${left}${node.op}${right})`;
}
