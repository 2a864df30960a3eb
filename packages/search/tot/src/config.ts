import { assertBoolean, assertInteger, assertNumber, assertOneOf, mergeConfig } from '@o1lab/core';

/** Search order over thoughts: breadth-first with a beam of `breadth`, or depth-first with pruning. */
export type TotAlgorithm = 'bfs' | 'dfs';

/**
 * How a state (a partial solution) is valued: a process reward model's last-step score, an outcome
 * reward model's score, or a `judge` (ToT's value prompt to the policy, or any batched callback).
 */
export type TotEvaluator = 'prm' | 'orm' | 'judge';

/**
 * Knobs of {@link treeOfThoughts}. Names and defaults follow Yao et al. 2023, *Tree of Thoughts:
 * Deliberate Problem Solving with Large Language Models* (Algorithms 1 and 2, Game of 24 settings).
 * Plain JSON data: it is written into every result.
 */
export interface TotConfig {
  /** @default 'bfs' (Yao et al. 2023, Game of 24) */
  readonly algorithm: TotAlgorithm;
  /**
   * k: thoughts proposed per state in one policy call (duplicates merge).
   * @default 5 (Yao et al. 2023, k = 5 samples in creative writing)
   */
  readonly numThoughts: number;
  /**
   * b: states kept per level by BFS.
   * @default 5 (Yao et al. 2023, Game of 24)
   */
  readonly breadth: number;
  /**
   * T: thought steps before the search stops (a thought that states an answer stops its path earlier).
   * @default 3 (Yao et al. 2023, Game of 24)
   */
  readonly maxSteps: number;
  /** @default 'prm' */
  readonly evaluator: TotEvaluator;
  /**
   * v_th of DFS: a thought valued at or below it is pruned and the search backtracks.
   * @default 0.1 (o1lab; Yao et al. 2023 leave v_th task-specific)
   */
  readonly pruneThreshold: number;
  /**
   * Most states DFS expands before it stops (ToT's step limit in mini crosswords).
   * @default 100 (Yao et al. 2023, crosswords)
   */
  readonly maxExpansions: number;
  /**
   * BFS: when no thought has stated an answer after `maxSteps`, complete the best state with one more
   * policy call (ToT's final G(p, argmax V, 1)).
   * @default true (Yao et al. 2023, Algorithm 1)
   */
  readonly completeBest: boolean;
  /** Token limit of one thought. @default 64 (o1lab) */
  readonly maxStepTokens: number;
  /** Token limit of the final completion. @default 256 (o1lab) */
  readonly maxCompletionTokens: number;
  /** Sampling temperature of thoughts. @default 0.7 (Yao et al. 2023) */
  readonly temperature: number;
  /** Seed of the policy calls. @default 0 */
  readonly seed: number;
}

/** The defaults, frozen. */
export const defaultTotConfig: TotConfig = Object.freeze({
  algorithm: 'bfs',
  numThoughts: 5,
  breadth: 5,
  maxSteps: 3,
  evaluator: 'prm',
  pruneThreshold: 0.1,
  maxExpansions: 100,
  completeBest: true,
  maxStepTokens: 64,
  maxCompletionTokens: 256,
  temperature: 0.7,
  seed: 0,
});

const WHERE = 'treeOfThoughts config';

/** Merges `options` over {@link defaultTotConfig} and validates every field, naming the bad one. */
export function resolveTotConfig(options?: Partial<TotConfig>): TotConfig {
  const c = mergeConfig(defaultTotConfig, options, WHERE);
  assertOneOf('algorithm', c.algorithm, ['bfs', 'dfs'], WHERE);
  assertInteger('numThoughts', c.numThoughts, { min: 1 }, WHERE);
  assertInteger('breadth', c.breadth, { min: 1 }, WHERE);
  assertInteger('maxSteps', c.maxSteps, { min: 1 }, WHERE);
  assertOneOf('evaluator', c.evaluator, ['prm', 'orm', 'judge'], WHERE);
  assertNumber('pruneThreshold', c.pruneThreshold, {}, WHERE);
  assertInteger('maxExpansions', c.maxExpansions, { min: 1 }, WHERE);
  assertBoolean('completeBest', c.completeBest, WHERE);
  assertInteger('maxStepTokens', c.maxStepTokens, { min: 1 }, WHERE);
  assertInteger('maxCompletionTokens', c.maxCompletionTokens, { min: 1 }, WHERE);
  assertNumber('temperature', c.temperature, { min: 0 }, WHERE);
  assertInteger('seed', c.seed, { min: 0 }, WHERE);
  return c;
}
