import { assertInteger, assertNumber, assertOneOf, mergeConfig } from '@o1lab/core';

/**
 * `'rebase'`: reward-balanced search, the frontier of each depth shares a fixed total width in
 * proportion to softmax(reward / T_b) (Wu et al. 2024). `'bestFirst'`: a priority queue of open
 * states by value, the best expanded first (greedy best-first, A* with g = 0 and h = the PRM value).
 */
export type BestFirstStrategy = 'rebase' | 'bestFirst';

/** How states are valued: a PRM's last-step score or an ORM's score. */
export type BestFirstEvaluator = 'prm' | 'orm';

/**
 * How the answer is chosen among finished solutions: the highest value, or the answer whose
 * solutions' values sum highest (weighted majority vote).
 */
export type BestFirstSelection = 'bestValue' | 'weightedVote';

/**
 * Knobs of {@link bestFirstSearch}. REBASE names follow Wu et al. 2024, *Inference Scaling Laws: An
 * Empirical Analysis of Compute-Optimal Inference for Problem-Solving with Language Models*, section
 * 3.2. Plain JSON data: it is written into every result.
 */
export interface BestFirstConfig {
  /** @default 'rebase' */
  readonly strategy: BestFirstStrategy;
  /**
   * N of REBASE: solutions to finish. The root is expanded N times; afterwards every depth's frontier
   * shares N minus the solutions finished so far.
   * @default 16 (o1lab; Wu et al. 2024 sweep N from 8 to 256)
   */
  readonly width: number;
  /**
   * T_b of REBASE: temperature of the softmax over frontier rewards that splits the width.
   * @default 0.1 (o1lab; Wu et al. 2024 tune it per task)
   */
  readonly balanceTemperature: number;
  /**
   * Best-first: children sampled per expanded state.
   * @default 4 (o1lab)
   */
  readonly numChildren: number;
  /**
   * Best-first: states popped from the queue per round and expanded in one policy call.
   * @default 4 (o1lab)
   */
  readonly expansionBatch: number;
  /**
   * Best-first: most states expanded before the search stops.
   * @default 64 (o1lab)
   */
  readonly maxExpansions: number;
  /**
   * Best-first: times one state may be expanded. Its children are samples and may all miss the good
   * step; an expanded state goes back into the queue with its value until this many expansions.
   * @default 2 (o1lab)
   */
  readonly maxExpansionsPerState: number;
  /**
   * Best-first: a finished state that tops the queue ends the search when its value is at least
   * this (0 is the plain goal test at pop time); below it, it is set aside as a candidate and the
   * search goes on.
   * @default 0.5 (o1lab: a PRM value is the estimated probability of being correct)
   */
  readonly acceptThreshold: number;
  /** @default 'prm' (Wu et al. 2024 use a PRM) */
  readonly evaluator: BestFirstEvaluator;
  /**
   * @default 'weightedVote' (Wu et al. 2024 pair REBASE with weighted majority voting)
   */
  readonly finalSelection: BestFirstSelection;
  /** Steps after which a state is finished even without an answer. @default 8 (o1lab) */
  readonly maxDepth: number;
  /** Token limit of one step. @default 64 (o1lab) */
  readonly maxStepTokens: number;
  /** @default 1 */
  readonly temperature: number;
  /** Seed of the policy calls. @default 0 */
  readonly seed: number;
}

/** The defaults, frozen. */
export const defaultBestFirstConfig: BestFirstConfig = Object.freeze({
  strategy: 'rebase',
  width: 16,
  balanceTemperature: 0.1,
  numChildren: 4,
  expansionBatch: 4,
  maxExpansions: 64,
  maxExpansionsPerState: 2,
  acceptThreshold: 0.5,
  evaluator: 'prm',
  finalSelection: 'weightedVote',
  maxDepth: 8,
  maxStepTokens: 64,
  temperature: 1,
  seed: 0,
});

const WHERE = 'bestFirstSearch config';

/** Merges `options` over {@link defaultBestFirstConfig} and validates every field, naming the bad one. */
export function resolveBestFirstConfig(options?: Partial<BestFirstConfig>): BestFirstConfig {
  const c = mergeConfig(defaultBestFirstConfig, options, WHERE);
  assertOneOf('strategy', c.strategy, ['rebase', 'bestFirst'], WHERE);
  assertInteger('width', c.width, { min: 1 }, WHERE);
  assertNumber('balanceTemperature', c.balanceTemperature, { gt: 0 }, WHERE);
  assertInteger('numChildren', c.numChildren, { min: 1 }, WHERE);
  assertInteger('expansionBatch', c.expansionBatch, { min: 1 }, WHERE);
  assertInteger('maxExpansions', c.maxExpansions, { min: 1 }, WHERE);
  assertInteger('maxExpansionsPerState', c.maxExpansionsPerState, { min: 1 }, WHERE);
  assertNumber('acceptThreshold', c.acceptThreshold, {}, WHERE);
  assertOneOf('evaluator', c.evaluator, ['prm', 'orm'], WHERE);
  assertOneOf('finalSelection', c.finalSelection, ['bestValue', 'weightedVote'], WHERE);
  assertInteger('maxDepth', c.maxDepth, { min: 1 }, WHERE);
  assertInteger('maxStepTokens', c.maxStepTokens, { min: 1 }, WHERE);
  assertNumber('temperature', c.temperature, { min: 0 }, WHERE);
  assertInteger('seed', c.seed, { min: 0 }, WHERE);
  return c;
}
