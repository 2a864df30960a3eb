import type { State } from '@o1lab/core';
import { createRng, O1labError } from '@o1lab/core';
import { ANSWER_PREFIX, type CountdownData, countdownTask, solveCountdown } from '@o1lab/tasks';
import { createTablePolicy, type TablePolicy, type TableStep } from './table-policy.js';
import { hashString } from './toy-mdp.js';

/** Options of {@link createCountdownSolverPolicy}. */
export interface CountdownSolverOptions {
  /**
   * Probability mass moved away from the reference solver's next step: half to random valid moves,
   * half to invalid steps (wrong arithmetic, numbers not in the pool). 0 = always the solver's step.
   * @default 0.5
   */
  readonly noise?: number;
  /** Seed of which random moves each state offers. @default 0 */
  readonly seed?: number;
  /** Random valid moves offered per state. @default 3 */
  readonly numRandomMoves?: number;
  /** @default 2000 */
  readonly flopsPerToken?: number;
  /** @default true */
  readonly prefixCache?: boolean;
}

/**
 * A "noisy solver" policy for countdown, to compare searchers before a neural model exists. In each
 * state it replays the steps so far on the number pool (`a op b = c` removes a and b, adds c) and
 * proposes:
 *
 * - the reference solver's next step from the current pool (`solveCountdown`), with probability
 *   `1 - noise`; once the target is in the pool, `answer: <target>` (then end of sequence);
 * - `numRandomMoves` random valid moves on the pool, sharing `noise / 2`;
 * - two invalid steps (wrong arithmetic; a number not in the pool), sharing `noise / 2`.
 *
 * From a dead-end pool (no solution left) it proposes only random and invalid moves, and with one
 * number left it answers that number. Which random moves a state offers is a function of (seed, the
 * steps so far), so the policy is a fixed table like {@link createTablePolicy}'s. Steps use the
 * solver's format (`25+3=28`), the last line is `answer: 24`, as `countdownTask` verifies.
 */
export function createCountdownSolverPolicy(options: CountdownSolverOptions = {}): TablePolicy {
  const noise = options.noise ?? 0.5;
  const seed = options.seed ?? 0;
  const numRandomMoves = options.numRandomMoves ?? 3;
  if (!(noise >= 0 && noise <= 1)) {
    throw new O1labError('INVALID_CONFIG', `\`noise\` must be in [0, 1], got ${noise}`, {
      where: 'createCountdownSolverPolicy',
    });
  }
  const solved = new Map<string, string | null>();
  const solverStep = (pool: readonly number[], target: number): string | null => {
    const key = `${[...pool].sort((a, b) => a - b).join(',')}>${target}`;
    let step = solved.get(key);
    if (step === undefined) {
      step = solveCountdown(pool, target)?.[0] ?? null;
      if (solved.size > 100_000) solved.clear();
      solved.set(key, step);
    }
    return step;
  };

  const distribution = (state: State): TableStep[] => {
    const data = state.problem.data as unknown as CountdownData;
    const pool = [...data.numbers];
    for (const step of state.steps) {
      if (step.text.startsWith(ANSWER_PREFIX)) return [];
      applyMove(pool, step.text);
    }
    if (state.steps.length > data.numbers.length + 1)
      return [{ text: `${ANSWER_PREFIX} ${pool[0] ?? 0}`, p: 1, end: true }];
    const rng = createRng(hashString(state.steps.map((s) => s.text).join('\n')), seed);
    const table = new Map<string, TableStep>();
    const add = (text: string, p: number, end = false) => {
      if (p <= 0) return;
      const prev = table.get(text);
      table.set(text, { text, p: (prev?.p ?? 0) + p, ...(end ? { end } : {}) });
    };

    const moves = validMoves(pool);
    const random = rng.shuffle(moves.slice()).slice(0, numRandomMoves);
    const invalid = invalidMoves(pool, rng);
    if (pool.includes(data.target)) {
      add(`${ANSWER_PREFIX} ${data.target}`, 1 - noise, true);
    } else {
      const next = pool.length > 1 ? solverStep(pool, data.target) : null;
      if (next !== null) add(next, 1 - noise);
      else if (pool.length === 1) add(`${ANSWER_PREFIX} ${pool[0]}`, 1 - noise, true);
      else for (const m of random) add(m, (1 - noise) / random.length);
    }
    for (const m of random) add(m, noise / 2 / random.length);
    for (const m of invalid) add(m, noise / 2 / invalid.length);
    if (table.size === 0) add(`${ANSWER_PREFIX} ${pool[0] ?? 0}`, 1, true);
    return [...table.values()];
  };

  return createTablePolicy({
    name: `countdown-noisy-solver-${noise}`,
    distribution,
    stepDelimiter: countdownTask.stepDelimiter,
    ...(options.flopsPerToken === undefined ? {} : { flopsPerToken: options.flopsPerToken }),
    ...(options.prefixCache === undefined ? {} : { prefixCache: options.prefixCache }),
  });
}

// Applies `a op b = c` to the pool as written (operands present are removed, the stated result added).
function applyMove(pool: number[], text: string): void {
  const m = /^\s*(\d+)\s*[-+*/]\s*(\d+)\s*=\s*(\d+)\s*$/.exec(text);
  if (!m) return;
  const a = Number(m[1]);
  const b = Number(m[2]);
  const i = pool.indexOf(a);
  if (i < 0) return;
  pool.splice(i, 1);
  const j = pool.indexOf(b);
  if (j < 0) {
    pool.push(a);
    return;
  }
  pool.splice(j, 1);
  pool.push(Number(m[3]));
}

// Every move with a positive integer result, in the solver's format, in a fixed order.
function validMoves(pool: readonly number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < pool.length; i++) {
    for (let j = i + 1; j < pool.length; j++) {
      const hi = Math.max(pool[i]!, pool[j]!);
      const lo = Math.min(pool[i]!, pool[j]!);
      out.push(`${hi}+${lo}=${hi + lo}`);
      if (lo > 1) out.push(`${hi}*${lo}=${hi * lo}`);
      if (hi > lo) out.push(`${hi}-${lo}=${hi - lo}`);
      if (lo > 1 && hi % lo === 0) out.push(`${hi}/${lo}=${hi / lo}`);
    }
  }
  return [...new Set(out)];
}

// A step with wrong arithmetic and one that uses a number not in the pool.
function invalidMoves(pool: readonly number[], rng: ReturnType<typeof createRng>): string[] {
  if (pool.length === 0) return [];
  const a = rng.pick(pool);
  const b = pool.length > 1 ? rng.pick(pool.filter((_, k) => k !== pool.indexOf(a))) : a;
  let missing = 1 + rng.int(30);
  while (pool.includes(missing)) missing++;
  return [`${Math.max(a, b)}+${Math.min(a, b)}=${a + b + 1}`, `${a}+${missing}=${a + missing}`];
}
