import {
  createRng,
  type GenerateOptions,
  type Json,
  O1labError,
  type Problem,
  type Rng,
  type Task,
} from '@o1lab/core';
import { ANSWER_PREFIX, STEP_DELIMITER, solveCountdown, solveGame24 } from '@o1lab/tasks';
import { BEHAVIOUR_PREFIXES, BEHAVIOURS, type Behaviour } from './behaviours.js';
import { resolveSynthesisConfig, type SynthesisConfig } from './synthesis-config.js';

/** The tasks whose reference solvers the synthesizer reads. */
export type SynthesisTaskName = 'countdown' | 'arithmetic' | 'game24';

/** One synthesized trace and what it contains. */
export interface SynthesizedTrace {
  readonly prompt: string;
  /** Steps delimited by `"\n"`, ending in the `answer:` line. */
  readonly completion: string;
  /** Behaviours present in `completion`, in {@link BEHAVIOURS} order. */
  readonly behaviours: readonly Behaviour[];
  /** 0-based line indices (in `completion`) of the deliberately wrong steps that an `oops:` line retracts. */
  readonly corruptedLines: readonly number[];
  /** 0-based line indices of the abandoned branch (`try:` lines). */
  readonly abandonedLines: readonly number[];
}

type Options = Partial<Omit<SynthesisConfig, 'rates'>> & {
  readonly rates?: Partial<SynthesisConfig['rates']>;
};

/**
 * Turns the task's reference solution of `problem` into a reasoning trace that shows the roadmap's
 * behaviours, each switched on with its probability in `config.rates` (draws from `rng`). Returns
 * null when the task has no solution for the problem or the plain trace does not fit `maxLength`.
 *
 * Trace, top to bottom: `given:` (analysis), `plan:` (decomposition), `try:` ... `back:`
 * (an abandoned branch), then the steps, where a step may be preceded by a wrong version of itself
 * and an `oops:` line (self-correction) and followed by a `check:` line (self-evaluation), then the
 * answer line. Every check and every retraction is exact arithmetic; the abandoned branch of
 * countdown and game24 is a real dead end (the solver finds no way to the target after it).
 */
export function synthesizeTrace(
  task: Task,
  problem: Problem,
  rng: Rng,
  config: Options = {},
): SynthesizedTrace | null {
  const c = resolveSynthesisConfig(config);
  const name = taskName(task);
  const solution = task.solve?.(problem) ?? null;
  if (solution === null) return null;
  const prompt = task.prompt(problem);
  const steps = solution.slice(0, -1);
  const answerLine = solution[solution.length - 1]!;
  const parsed = steps.map(parseStep);

  // Draw every random choice first, so that dropping a behaviour to fit maxLength changes nothing else.
  const wanted = new Set(BEHAVIOURS.filter((b) => rng.bernoulli(c.rates[b])));
  const checkAt = steps.map(() => rng.bernoulli(c.checkProbability));
  const checkable = parsed.flatMap((p, i) => (p === null ? [] : [i]));
  if (checkable.length > 0 && !checkAt.some((x, i) => x && parsed[i] !== null))
    checkAt[checkable[rng.int(checkable.length)]!] = true;
  const corruptible = parsed.flatMap((p, i) => (p !== null && /^\d+$/.test(p.c) ? [i] : []));
  const corruptAt = corruptible.length > 0 ? corruptible[rng.int(corruptible.length)]! : -1;
  const delta = DELTAS[rng.int(DELTAS.length)]!;
  const branch = !wanted.has('backtracking')
    ? null
    : name === 'arithmetic'
      ? arithmeticBranch(problem)
      : deadEndBranch(name, problem, steps, rng);
  // A restatement like `(11-(6/2))*3` can be misread (`(6/2)` names an available 3), so it is kept
  // only when the task's verifier accepts it; otherwise the trace stays step by step.
  const candidate = name === 'arithmetic' || wanted.has('stepByStep') ? null : restateDerivation(steps);
  const restated =
    candidate !== null && task.verify(problem, `${ANSWER_PREFIX} ${candidate}`).correct ? candidate : null;

  const build = (on: ReadonlySet<Behaviour>): SynthesizedTrace => {
    const lines: string[] = [];
    const corruptedLines: number[] = [];
    const abandonedLines: number[] = [];
    const present = new Set<Behaviour>();
    if (on.has('analysis')) {
      lines.push(`${BEHAVIOUR_PREFIXES.analysis} ${analysisText(name, problem)}`);
      present.add('analysis');
    }
    const plan = planText(name, problem, parsed[parsed.length - 1] ?? null);
    if (on.has('decomposition') && plan !== null) {
      lines.push(`${BEHAVIOUR_PREFIXES.decomposition} ${plan}`);
      present.add('decomposition');
    }
    if (on.has('backtracking') && branch !== null) {
      for (const s of branch.steps) {
        abandonedLines.push(lines.length);
        lines.push(`${BEHAVIOUR_PREFIXES.branch} ${s}`);
      }
      lines.push(`${BEHAVIOUR_PREFIXES.backtracking} ${branch.why}`);
      present.add('backtracking');
    }
    const stepwise = on.has('stepByStep') || (restated === null && name !== 'arithmetic');
    if (!stepwise && name !== 'arithmetic') present.delete('stepByStep');
    if (stepwise) {
      steps.forEach((step, i) => {
        const p = parsed[i] ?? null;
        if (on.has('selfCorrection') && i === corruptAt && p !== null) {
          const wrong = corrupt(p.c, delta);
          corruptedLines.push(lines.length);
          lines.push(`${p.a}${p.op}${p.b}=${wrong}`);
          lines.push(`${BEHAVIOUR_PREFIXES.selfCorrection} ${inverse(p, wrong)} is not ${unwrap(p.a)}`);
          present.add('selfCorrection');
        }
        lines.push(step);
        if (on.has('selfEvaluation') && checkAt[i] === true && p !== null) {
          lines.push(`${BEHAVIOUR_PREFIXES.selfEvaluation} ${inverse(p, p.c)}=${unwrap(p.a)} ok`);
          present.add('selfEvaluation');
        }
      });
      if (steps.length > 0) present.add('stepByStep');
      lines.push(answerLine);
    } else {
      lines.push(name === 'arithmetic' ? answerLine : `${ANSWER_PREFIX} ${restated}`);
    }
    return {
      prompt,
      completion: lines.join(STEP_DELIMITER),
      behaviours: BEHAVIOURS.filter((b) => present.has(b)),
      corruptedLines,
      abandonedLines,
    };
  };

  const on = new Set(wanted);
  let trace = build(on);
  for (const drop of DROP_ORDER) {
    if (prompt.length + trace.completion.length <= c.maxLength) break;
    on.delete(drop);
    trace = build(on);
  }
  if (prompt.length + trace.completion.length > c.maxLength) {
    on.add('stepByStep');
    trace = build(on);
    if (prompt.length + trace.completion.length > c.maxLength) return null;
  }
  return trace;
}

/** Order in which behaviours are dropped from a trace that is longer than `maxLength`. */
const DROP_ORDER: readonly Behaviour[] = [
  'backtracking',
  'selfEvaluation',
  'decomposition',
  'analysis',
  'selfCorrection',
];

/** Offsets of a deliberately wrong result (off by one or two, or a slipped tens digit). */
const DELTAS = [-2, -1, 1, 2, 10, -10] as const;

function taskName(task: Task): SynthesisTaskName {
  if (task.name === 'countdown' || task.name === 'arithmetic' || task.name === 'game24') return task.name;
  throw new O1labError('UNSUPPORTED', `no trace synthesis for task '${task.name}'`, {
    where: 'synthesizeTrace',
    hint: 'use countdown, arithmetic or game24',
  });
}

/** `a op b = c` as the solvers write it; operands may be `(p/q)` or `(-n)`. */
interface ParsedStep {
  readonly a: string;
  readonly op: '+' | '-' | '*' | '/';
  readonly b: string;
  readonly c: string;
}

const OPERAND = String.raw`(\d+|\(-?\d+(?:/\d+)?\))`;
const STEP_RE = new RegExp(`^${OPERAND}([-+*/])${OPERAND}=(-?\\d+(?:/\\d+)?)$`);

function parseStep(step: string): ParsedStep | null {
  const m = STEP_RE.exec(step.replace(/ /g, ''));
  if (m === null) return null;
  return { a: m[1]!, op: m[2] as ParsedStep['op'], b: m[3]!, c: m[4]! };
}

/** A value as an operand: integers bare, fractions and negatives in parentheses. */
function operand(value: string): string {
  return /^\d+$/.test(value) ? value : `(${value})`;
}

function unwrap(text: string): string {
  return text.startsWith('(') ? text.slice(1, -1) : text;
}

/** The left side that re-derives operand `a` from result `c`: c-b, c+b, c/b or c*b. */
function inverse(p: ParsedStep, c: string): string {
  const back = { '+': '-', '-': '+', '*': '/', '/': '*' }[p.op];
  return `${operand(c)}${back}${p.b}`;
}

function corrupt(value: string, delta: number): string {
  const n = Number(value);
  const wrong = n + delta >= 0 ? n + delta : n + Math.abs(delta);
  return String(wrong);
}

function analysisText(name: SynthesisTaskName, problem: Problem): string {
  const d = problem.data as { numbers?: number[]; target?: number; a?: string; b?: string };
  if (name === 'arithmetic') return `${d.a} times ${d.b}`;
  if (name === 'game24') return `${d.numbers!.join(' ')}, use all, make 24`;
  return `${d.numbers!.join(' ')}, make ${d.target}`;
}

const OP_WORDS = { '+': 'add', '-': 'subtract', '*': 'multiply', '/': 'divide' } as const;

function planText(name: SynthesisTaskName, problem: Problem, last: ParsedStep | null): string | null {
  if (name === 'arithmetic') {
    const b = (problem.data as { b: string }).b;
    const k = [...b].filter((ch) => ch !== '0').length;
    return k === 1 ? '1 partial product' : `${k} partial products, then add`;
  }
  if (last === null) return null;
  return `get ${unwrap(last.a)} and ${unwrap(last.b)}, then ${OP_WORDS[last.op]}`;
}

interface Branch {
  readonly steps: readonly string[];
  readonly why: string;
}

/** An estimate that the trace starts and abandons for the exact long multiplication. */
function arithmeticBranch(problem: Problem): Branch {
  const { a, b } = problem.data as { a: string; b: string };
  const round = (s: string) =>
    s.length <= 1 ? s : `${Math.round(Number(s) / 10 ** (s.length - 1))}${'0'.repeat(s.length - 1)}`;
  const ra = round(a);
  const rb = round(b);
  const product = BigInt(ra) * BigInt(rb);
  return { steps: [`${a}*${b} near ${ra}*${rb}=${product}`], why: 'estimate only, go exact' };
}

/**
 * A first move over the given numbers (positive integer result, not the solution's first step)
 * after which the solver finds no way to the target: a real dead end.
 */
function deadEndBranch(
  name: 'countdown' | 'game24',
  problem: Problem,
  steps: readonly string[],
  rng: Rng,
): Branch | null {
  const { numbers, target } = problem.data as { numbers: number[]; target?: number };
  const goal = name === 'game24' ? 24 : target!;
  const first = steps[0]?.replace(/ /g, '');
  const moves: { text: string; rest: number[]; value: number }[] = [];
  for (let i = 0; i < numbers.length; i++) {
    for (let j = 0; j < numbers.length; j++) {
      if (i === j) continue;
      const x = numbers[i]!;
      const y = numbers[j]!;
      const rest = numbers.filter((_, k) => k !== i && k !== j);
      const add = (op: string, value: number) => {
        if (Number.isSafeInteger(value) && value > 0)
          moves.push({ text: `${x}${op}${y}=${value}`, rest, value });
      };
      if (i < j) add('+', x + y);
      if (i < j) add('*', x * y);
      if (x > y) add('-', x - y);
      if (y > 0 && x % y === 0 && y !== 1) add('/', x / y);
    }
  }
  const order = moves.map((_, i) => i);
  for (let k = order.length - 1; k > 0; k--) {
    const r = rng.int(k + 1);
    [order[k], order[r]] = [order[r]!, order[k]!];
  }
  for (const i of order) {
    const m = moves[i]!;
    if (m.text === first || m.value === goal) continue;
    const pool = [...m.rest, m.value];
    const solvable =
      name === 'game24'
        ? pool.every((v) => v <= 1000) && solveGame24(pool, goal) !== null
        : solveCountdown(pool, goal) !== null;
    if (!solvable) return { steps: [m.text], why: `no way to ${goal} from ${pool.join(' ')}` };
  }
  return null;
}

/**
 * The whole derivation as one expression over the given numbers (`(25+3)+(8-7)`), for traces
 * without step-by-step completion; each step's result is replaced by its parenthesised expression.
 */
function restateDerivation(steps: readonly string[]): string | null {
  const made: { value: string; expr: string }[] = [];
  let last: string | null = null;
  for (const s of steps) {
    const p = parseStep(s);
    if (p === null) return null;
    const sub = (text: string) => {
      const i = made.findIndex((m) => m.value === unwrap(text));
      if (i === -1) return text;
      const [m] = made.splice(i, 1);
      return `(${m!.expr})`;
    };
    const expr = `${sub(p.a)}${p.op}${sub(p.b)}`;
    made.push({ value: p.c, expr });
    last = expr;
  }
  return last;
}

/** One line of a synthesized corpus: TRL's `prompt`/`completion` plus what the trace contains. */
export interface CorpusRecord {
  readonly prompt: string;
  readonly completion: string;
  readonly task: SynthesisTaskName;
  readonly problemId: string;
  readonly problem: Json;
  readonly behaviours: readonly Behaviour[];
  readonly corruptedLines: readonly number[];
  readonly abandonedLines: readonly number[];
}

/** Options of {@link synthesizeCorpus}. */
export interface CorpusOptions {
  /** Passed to `task.generate`. @default {} */
  readonly generateOptions?: GenerateOptions;
  /** Synthesis knobs (their `seed` seeds problems and traces). */
  readonly synthesis?: Options;
  /** Fraction of problem ids kept out of the corpus for evaluation (see {@link isHeldOut}). @default 0.1 */
  readonly heldOutFraction?: number;
}

/**
 * `numRecords` traces over problems drawn from `task.generate` with the synthesis seed, skipping
 * held-out problems (so evaluation on {@link heldOutProblems} measures generalisation).
 */
export function synthesizeCorpus(
  task: Task,
  numRecords: number,
  options: CorpusOptions = {},
): CorpusRecord[] {
  const synthesis = resolveSynthesisConfig(options.synthesis);
  const heldOut = options.heldOutFraction ?? 0.1;
  const rng = createRng(synthesis.seed);
  const name = taskName(task);
  const out: CorpusRecord[] = [];
  let attempts = 0;
  while (out.length < numRecords) {
    if (++attempts > 20 * numRecords + 1000) {
      throw new O1labError('INVALID_INPUT', `only ${out.length} of ${numRecords} traces could be made`, {
        where: 'synthesizeCorpus',
        hint: 'raise maxLength or lower heldOutFraction',
      });
    }
    const problem = task.generate(rng, options.generateOptions);
    if (isHeldOut(problem.id, heldOut)) continue;
    const trace = synthesizeTrace(task, problem, rng, synthesis);
    if (trace === null) continue;
    out.push({
      prompt: trace.prompt,
      completion: trace.completion,
      task: name,
      problemId: problem.id,
      problem: problem.data as Json,
      behaviours: trace.behaviours,
      corruptedLines: trace.corruptedLines,
      abandonedLines: trace.abandonedLines,
    });
  }
  return out;
}

/**
 * Deterministic train/test split by problem id: FNV-1a of the id, scaled to [0, 1), below
 * `fraction` means held out. The same id is held out in every corpus and every evaluation.
 */
export function isHeldOut(problemId: string, fraction: number): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < problemId.length; i++) {
    h ^= problemId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32 < fraction;
}

/** `count` distinct held-out problems drawn from `task.generate` with `seed` (fewer if the task has fewer). */
export function heldOutProblems(
  task: Task,
  count: number,
  options: {
    readonly seed?: number;
    readonly generateOptions?: GenerateOptions;
    readonly heldOutFraction?: number;
  } = {},
): Problem[] {
  const rng = createRng(options.seed ?? 12345);
  const fraction = options.heldOutFraction ?? 0.1;
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (let attempts = 0; out.length < count && attempts < 200 * count + 10_000; attempts++) {
    const p = task.generate(rng, options.generateOptions);
    if (!isHeldOut(p.id, fraction) || seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}
