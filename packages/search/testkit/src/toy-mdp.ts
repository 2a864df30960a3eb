import type { GenerateOptions, Problem, Rng, State, Task } from '@o1lab/core';
import { assertInteger, assertNumber, createRng, initialState, O1labError } from '@o1lab/core';
import type { StepDistribution, TableStep } from './table-policy.js';

/**
 * A toy MDP with a known answer: a tree of `depth` steps, `branching` choices per step. Intermediate
 * steps are single letters (`a`, `b`, ...); the last step also states the leaf's answer (`c = 17`),
 * after which the policy ends the sequence. Exactly one leaf, the one at the end of `correctPath`,
 * holds the correct answer; the other leaves hold one of `numAnswers` wrong answers, so majority
 * votes have something to count.
 *
 * The policy's distribution at every node is fixed by `seed`: along the correct path the correct
 * child has probability `pCorrect`, the others share the rest by Dirichlet(1) weights; off the path
 * all children get Dirichlet(1) weights. The probability of sampling the correct answer from the root
 * is therefore `pCorrect ** depth`, and the value of any prefix (probability of ending correct under
 * the policy) is `pCorrect ** (steps left)` on the correct path and 0 off it.
 */
export type ToyMdpData = {
  readonly seed: number;
  readonly depth: number;
  readonly branching: number;
  readonly pCorrect: number;
  readonly numAnswers: number;
  /** Letters of the optimal (only correct) path, e.g. `'cab'`. */
  readonly correctPath: string;
};

/** Options of {@link createToyProblem} (and of the toy task's `generate`). */
export interface ToyMdpOptions {
  /** Seed of the tree's probabilities, correct path and answers. @default 0 */
  readonly seed?: number;
  /** Steps per solution. @default 3 */
  readonly depth?: number;
  /** Choices per step (at most 26). @default 3 */
  readonly branching?: number;
  /** Policy probability of the correct child along the correct path. @default 0.5 */
  readonly pCorrect?: number;
  /** Number of distinct wrong answers. @default 4 */
  readonly numAnswers?: number;
}

/** Defaults of {@link ToyMdpOptions}. */
export const defaultToyMdpOptions: Readonly<Required<ToyMdpOptions>> = Object.freeze({
  seed: 0,
  depth: 3,
  branching: 3,
  pCorrect: 0.5,
  numAnswers: 4,
});

const WHERE = 'toyMdp';

/** A toy MDP problem (see {@link ToyMdpData}). */
export function createToyProblem(options: ToyMdpOptions = {}): Problem<ToyMdpData> {
  const o = { ...defaultToyMdpOptions, ...options };
  assertInteger('seed', o.seed, { min: 0 }, WHERE);
  assertInteger('depth', o.depth, { min: 1, max: 12 }, WHERE);
  assertInteger('branching', o.branching, { min: 1, max: 26 }, WHERE);
  assertNumber('pCorrect', o.pCorrect, { gt: 0, max: 1 }, WHERE);
  assertInteger('numAnswers', o.numAnswers, { min: 1 }, WHERE);
  const rng = createRng(o.seed, 1);
  let correctPath = '';
  for (let d = 0; d < o.depth; d++) correctPath += letter(rng.int(o.branching));
  const data: ToyMdpData = {
    seed: o.seed,
    depth: o.depth,
    branching: o.branching,
    pCorrect: o.pCorrect,
    numAnswers: o.numAnswers,
    correctPath,
  };
  return {
    id: `toy-s${o.seed}-d${o.depth}-b${o.branching}-p${o.pCorrect}-a${o.numAnswers}`,
    task: 'toy-mdp',
    question: `Walk ${o.depth} steps down the toy tree ${o.seed} and report the answer at the leaf.`,
    data,
    answer: correctAnswer(data),
  };
}

/** The toy MDP as a core {@link Task}: steps end at a newline; the answer follows `=` on the last line. */
export const toyTask: Task<ToyMdpData> = Object.freeze({
  name: 'toy-mdp',
  stepDelimiter: '\n',
  generate(rng: Rng, options: GenerateOptions = {}): Problem<ToyMdpData> {
    const pick = (key: keyof ToyMdpOptions): number | undefined => {
      const v = options[key];
      return typeof v === 'number' ? v : undefined;
    };
    const opts: Record<string, number> = { seed: rng.int(2 ** 31) };
    for (const key of ['depth', 'branching', 'pCorrect', 'numAnswers'] as const) {
      const v = pick(key);
      if (v !== undefined) opts[key] = v;
    }
    return createToyProblem(opts);
  },
  prompt(problem: Problem<ToyMdpData>): string {
    return `${problem.question}\n`;
  },
  parseAnswer(text: string): string | null {
    const lines = text.trimEnd().split('\n');
    const m = /=\s*(-?\d+)\s*$/.exec(lines[lines.length - 1] ?? '');
    return m ? String(Number(m[1])) : null;
  },
  verify(problem: Problem<ToyMdpData>, text: string) {
    const answer = toyTask.parseAnswer(text);
    if (answer === null) return { correct: false, answer, reason: 'no answer' };
    const correct = answer === problem.answer;
    return correct ? { correct, answer } : { correct, answer, reason: `expected ${problem.answer}` };
  },
  checkSteps(problem: Problem<ToyMdpData>, steps: readonly string[]) {
    let onPath = true;
    return steps.map((step, d) => {
      onPath = onPath && step.charAt(0) === problem.data.correctPath.charAt(d);
      return onPath ? { correct: true } : { correct: false, reason: 'leaves the correct path' };
    });
  },
  solve(problem: Problem<ToyMdpData>): string[] {
    return optimalSteps(problem);
  },
});

/** The steps of the optimal (only correct) path. */
export function optimalSteps(problem: Problem<ToyMdpData>): string[] {
  const { correctPath } = problem.data;
  return Array.from(correctPath, (c, d) =>
    d === correctPath.length - 1 ? `${c} = ${correctAnswer(problem.data)}` : c,
  );
}

/** The toy policy's model: the next-step table of a toy MDP state (see {@link ToyMdpData}). */
export const toyDistribution: StepDistribution = (state: State): readonly TableStep[] => {
  const data = state.problem.data as unknown as ToyMdpData;
  const path = pathOf(state, data);
  if (path === null || path.length >= data.depth) return [];
  const weights = childWeights(data, path);
  const last = path.length === data.depth - 1;
  return weights.map((p, i) => {
    const c = letter(i);
    return last ? { text: `${c} = ${leafAnswer(data, path + c)}`, p, end: true } : { text: c, p };
  });
};

/** The exact probability that the policy (temperature 1) ends with the correct answer from `state`. */
export function toyValue(state: State): number {
  const data = state.problem.data as unknown as ToyMdpData;
  const path = pathOf(state, data);
  if (path === null) return 0;
  if (path.length === data.depth) return path === data.correctPath ? 1 : 0;
  if (!data.correctPath.startsWith(path)) return 0;
  return data.pCorrect ** (data.depth - path.length);
}

/** The root state of a toy problem. */
export function toyRoot(problem: Problem<ToyMdpData>): State<ToyMdpData> {
  return initialState(toyTask, problem);
}

function correctAnswer(data: ToyMdpData): string {
  return String(10 + (data.seed % 90));
}

function leafAnswer(data: ToyMdpData, leaf: string): string {
  if (leaf === data.correctPath) return correctAnswer(data);
  const k = createRng(hashString(leaf), data.seed % 2 ** 31).int(data.numAnswers);
  return String(10 + (data.seed % 90) + 1 + k);
}

// Letters of the steps so far, or null when a step is not a move of this tree.
function pathOf(state: State, data: ToyMdpData): string | null {
  let path = '';
  for (const [d, step] of state.steps.entries()) {
    const c = step.text.charAt(0);
    const i = c.charCodeAt(0) - 97;
    if (!(i >= 0 && i < data.branching)) return null;
    const expected = d === data.depth - 1 ? `${c} = ${leafAnswer(data, path + c)}` : c;
    if (step.text !== expected) return null;
    path += c;
  }
  return path;
}

function childWeights(data: ToyMdpData, path: string): number[] {
  const rng = createRng(hashString(path), data.seed % 2 ** 31);
  const noise = rng.dirichlet(1, data.branching);
  if (!data.correctPath.startsWith(path)) return noise;
  const correct = data.correctPath.charCodeAt(path.length) - 97;
  if (data.branching === 1) return [1];
  let rest = 0;
  for (const [i, w] of noise.entries()) if (i !== correct) rest += w;
  return noise.map((w, i) =>
    i === correct ? data.pCorrect : rest > 0 ? ((1 - data.pCorrect) * w) / rest : 0,
  );
}

function letter(i: number): string {
  if (i < 0 || i >= 26) throw new O1labError('INTERNAL', `no letter for choice ${i}`, { where: WHERE });
  return String.fromCharCode(97 + i);
}

/** FNV-1a hash of a string, as a non-negative 31-bit integer (seeds keyed by text). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0x7fffffff;
}
