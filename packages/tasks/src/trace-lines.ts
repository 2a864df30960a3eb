import type { StepCheck } from '@o1lab/core';
import { applyOperator, type ExprNode, isValueTooLarge, type Parsed, parseEquation } from './expression.js';
import { equalRational, formatRational, type Rational } from './rational.js';
import { ANSWER_PREFIX } from './text.js';

/**
 * Prefixes of the behaviour lines a reasoning trace may carry between its steps (the behaviours of
 * the roadmap's policy initialisation, Zeng et al. 2024, section 3.2, as `@o1lab/policy-init`
 * writes them). A line without a prefix is a step.
 *
 * - `given:` problem analysis, `plan:` decomposition: commentary;
 * - `check:` self-evaluation, e.g. `check: 4+16=20 ok`: commentary whose claim `checkSteps` judges;
 * - `oops:` self-correction: retracts the step on the line right before it;
 * - `try:` a step on a branch, `back:` abandons the branch (undoes every step since its first `try:`).
 */
export const TRACE_LINE_PREFIXES = Object.freeze({
  analysis: 'given:',
  decomposition: 'plan:',
  selfEvaluation: 'check:',
  selfCorrection: 'oops:',
  branch: 'try:',
  backtracking: 'back:',
});

/** What a trace line is, by its prefix. */
export type TraceLineKind = 'commentary' | 'check' | 'oops' | 'try' | 'back' | 'answer' | 'step';

/** Reason given to a commentary line in {@link StepCheck}: neither right nor wrong. */
export const COMMENTARY_REASON = 'commentary';

/** A trimmed line's kind and the text after its prefix (the whole line for a step or answer). */
export function classifyTraceLine(line: string): { readonly kind: TraceLineKind; readonly body: string } {
  const p = TRACE_LINE_PREFIXES;
  if (line.startsWith(ANSWER_PREFIX)) return { kind: 'answer', body: line };
  if (line.startsWith(p.analysis)) return { kind: 'commentary', body: line.slice(p.analysis.length).trim() };
  if (line.startsWith(p.decomposition))
    return { kind: 'commentary', body: line.slice(p.decomposition.length).trim() };
  if (line.startsWith(p.selfEvaluation))
    return { kind: 'check', body: line.slice(p.selfEvaluation.length).trim() };
  if (line.startsWith(p.selfCorrection))
    return { kind: 'oops', body: line.slice(p.selfCorrection.length).trim() };
  if (line.startsWith(p.branch)) return { kind: 'try', body: line.slice(p.branch.length).trim() };
  if (line.startsWith(p.backtracking))
    return { kind: 'back', body: line.slice(p.backtracking.length).trim() };
  return { kind: 'step', body: line };
}

/** How a task applies steps to its state; states are never mutated, so undoing is keeping the old one. */
export interface TraceRules<S> {
  readonly start: S;
  /** The state after one step, or why the step is invalid. */
  apply(state: S, step: string): Parsed<S>;
  /** Judges an `answer:` line (the whole trimmed line) against the state the steps left. */
  answer(state: S, line: string): StepCheck;
  /** A `try:` body that is not a step at all (arithmetic's estimate) is commentary, not a wrong step. */
  isFreeTextBranch?(body: string): boolean;
}

/** One judged line of {@link walkTrace}. */
export interface WalkedLine {
  readonly kind: TraceLineKind;
  readonly check: StepCheck;
  /** A step (or `try:` step) that the `oops:` line right after it retracts. */
  readonly retracted: boolean;
}

/**
 * Walks a trace line by line, keeping the task state through retractions and branches:
 *
 * - a step (or a `try:` step) is applied when valid; an invalid one changes nothing;
 * - `oops:` right after a step (or `try:` step) restores the state from before that step; it is
 *   correct when the step was wrong, incorrect when it retracts a correct step or has no step right
 *   before it (then it changes nothing);
 * - the first `try:` line since the last `back:` opens a branch; `back:` restores the state from
 *   before that line, undoing every step since (incorrect, and changing nothing, without an open branch);
 * - `given:` and `plan:` are commentary; so is `check:`, except that with `judgeChecks` a claim
 *   `check: <lhs>=<value> ok` is judged as exact arithmetic over the literals it names (numbers need
 *   not be available: a check re-derives, it consumes nothing) and is incorrect when false.
 *
 * Each line costs time linear in its length (states are small), so the walk is linear in the trace.
 */
export function walkTrace<S>(
  rules: TraceRules<S>,
  lines: readonly string[],
  judgeChecks: boolean,
): { readonly lines: readonly WalkedLine[]; readonly state: S } {
  const out: { kind: TraceLineKind; check: StepCheck; retracted: boolean }[] = [];
  let state = rules.start;
  let branchStart: S | null = null;
  // The step on the line just walked: the state before it and whether it was valid.
  let last: { readonly before: S; readonly ok: boolean } | null = null;
  const commentary: StepCheck = { correct: true, reason: COMMENTARY_REASON };
  for (const raw of lines) {
    const { kind, body } = classifyTraceLine(raw.trim());
    let check: StepCheck;
    let stepped: { readonly before: S; readonly ok: boolean } | null = null;
    switch (kind) {
      case 'commentary':
        check = commentary;
        break;
      case 'check':
        check = judgeChecks ? judgeCheckClaim(body) : commentary;
        break;
      case 'oops':
        if (last === null) {
          check = { correct: false, reason: 'oops: no step right before it to retract' };
        } else {
          state = last.before;
          out[out.length - 1]!.retracted = true;
          check = last.ok ? { correct: false, reason: 'oops: retracts a correct step' } : { correct: true };
        }
        break;
      case 'back':
        if (branchStart === null) {
          check = { correct: false, reason: 'back: no `try:` branch to abandon' };
        } else {
          state = branchStart;
          branchStart = null;
          check = { correct: true };
        }
        break;
      case 'answer':
        check = rules.answer(state, body);
        break;
      case 'try':
      case 'step': {
        if (kind === 'try') {
          if (branchStart === null) branchStart = state;
          if (rules.isFreeTextBranch?.(body) === true) {
            check = commentary;
            break;
          }
        }
        const result = rules.apply(state, body);
        if (result.ok) {
          stepped = { before: state, ok: true };
          state = result.value;
          check = { correct: true };
        } else {
          stepped = { before: state, ok: false };
          check = { correct: false, reason: result.reason };
        }
        break;
      }
    }
    last = stepped;
    out.push({ kind, check, retracted: false });
  }
  return { lines: out, state };
}

// `4+16=20 ok`: the claimed equation must hold exactly. A body that is not `<equation> ok` is prose.
function judgeCheckClaim(body: string): StepCheck {
  const commentary: StepCheck = { correct: true, reason: COMMENTARY_REASON };
  if (!body.endsWith('ok')) return commentary;
  const claim = body.slice(0, -2).trimEnd();
  if (!claim.includes('=')) return commentary;
  const eq = parseEquation(claim);
  if (!eq.ok) return commentary;
  const value = evaluateLiterals(eq.value.lhs);
  if (!value.ok) return { correct: false, reason: `check: ${value.reason}` };
  if (!equalRational(value.value, eq.value.rhs)) {
    return {
      correct: false,
      reason: `check: the left side is ${formatRational(value.value)}, not ${formatRational(eq.value.rhs)}`,
    };
  }
  return { correct: true };
}

// Exact value of an expression over its literals (a parenthesised `(8/3)` is the value 8/3). The
// parser caps nesting at EXPRESSION_LIMITS.maxDepth, so recursion is bounded.
function evaluateLiterals(node: ExprNode): Parsed<Rational> {
  if (node.kind === 'atom') return { ok: true, value: node.value };
  const left = evaluateLiterals(node.left);
  if (!left.ok) return left;
  const right = evaluateLiterals(node.right);
  if (!right.ok) return right;
  const value = applyOperator(node.op, left.value, right.value);
  if (value === null) return { ok: false, reason: 'division by zero' };
  if (isValueTooLarge(value)) return { ok: false, reason: 'intermediate value too large' };
  return { ok: true, value };
}
