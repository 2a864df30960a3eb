import { assertBoolean, assertInteger, assertNumber, assertOneOf, mergeConfig } from '@o1lab/core';

/** How a leaf state is valued. */
export type MctsEvaluator = 'prm' | 'orm' | 'rollout';

/** Where children's priors come from. */
export type MctsPriorSource = 'logprob' | 'frequency';

/** How a terminal node (a step that states an answer, an end of sequence, `maxDepth`) is valued. */
export type MctsTerminalValue = 'evaluator' | 'verifier';

/** How a finished rollout is scored. */
export type MctsRolloutScorer = 'orm' | 'verifier';

/** How the final answer is read off the tree. */
export type MctsFinalSelection = 'mostVisited' | 'bestValue';

/**
 * Knobs of {@link mctsSearch}. Names and defaults follow the papers they come from: PUCT and its
 * exploration schedule from MuZero (Schrittwieser et al. 2020, appendix B; mctx), root noise from
 * AlphaZero (Silver et al. 2018), progressive widening from Coulom (2007) and Couëtoux et al. (2011),
 * virtual loss from AlphaGo (Silver et al. 2016). Plain JSON data: it is written into every tree.
 */
export interface MctsConfig {
  /**
   * Simulations (selection -> expansion -> evaluation -> backup) to run; the root's children's visit
   * counts sum to the number completed.
   * @default 64 (o1lab; AlphaZero used 800 per move)
   */
  readonly numSimulations: number;
  /**
   * Leaves selected per round under virtual loss, expanded in one policy call and evaluated in one
   * reward call. 1 is sequential MCTS.
   * @default 8 (o1lab: one ONNX batch)
   */
  readonly batchSize: number;
  /**
   * Visits of value 0 added along a pending simulation's path while its round is in flight, so the
   * next selection in the round looks elsewhere (AlphaGo, Silver et al. 2016, n_vl).
   * @default 1
   */
  readonly virtualLoss: number;
  /**
   * c1 of the MuZero exploration schedule c(s) = c1 + log((N(s) + c2 + 1) / c2).
   * @default 1.25 (Schrittwieser et al. 2020, appendix B)
   */
  readonly pbCInit: number;
  /**
   * c2 of the MuZero exploration schedule.
   * @default 19652 (Schrittwieser et al. 2020, appendix B)
   */
  readonly pbCBase: number;
  /**
   * Q normalised to [0, 1] by the min and max backed-up value seen in the tree (MuZero's MinMaxStats).
   * @default true (Schrittwieser et al. 2020, appendix B)
   */
  readonly normalizeQ: boolean;
  /**
   * Concentration of the Dirichlet noise mixed into the root priors.
   * @default 0.3 (Silver et al. 2018, chess)
   */
  readonly dirichletAlpha: number;
  /**
   * Weight of the noise in the root priors (0 turns the noise off).
   * @default 0.25 (Silver et al. 2018)
   */
  readonly dirichletFraction: number;
  /**
   * Steps sampled when a node is first expanded (duplicates merge into one child).
   * @default 4 (o1lab)
   */
  readonly numActions: number;
  /**
   * Priors: `'logprob'` is softmax(step log-probability / `priorTemperature`) over the distinct
   * sampled children; `'frequency'` is how often each child was sampled (the empirical policy of
   * Sampled MuZero, Hubert et al. 2021).
   * @default 'logprob'
   */
  readonly priorSource: MctsPriorSource;
  /**
   * Temperature of the `'logprob'` prior softmax.
   * @default 1
   */
  readonly priorTemperature: number;
  /**
   * Progressive widening: an expanded node with N visits may hold up to ceil(k N^alpha) children
   * (at least its first `numActions` samples); when it holds fewer, a simulation that reaches it
   * samples the missing ones (Coulom 2007; Couëtoux et al. 2011).
   * @default true
   */
  readonly progressiveWidening: boolean;
  /**
   * k of progressive widening.
   * @default 1 (Couëtoux et al. 2011)
   */
  readonly wideningConstant: number;
  /**
   * alpha of progressive widening, in (0, 1).
   * @default 0.5 (Couëtoux et al. 2011)
   */
  readonly wideningExponent: number;
  /**
   * Most distinct children a node may hold.
   * @default 16 (o1lab)
   */
  readonly maxChildren: number;
  /**
   * How leaves are valued: last-step score of a PRM, an ORM's outcome score, or rollouts (policy
   * completions scored by `rolloutScorer`).
   * @default 'prm'
   */
  readonly evaluator: MctsEvaluator;
  /**
   * How terminal nodes are valued. `'verifier'` uses the task's rule-based check (1 correct, 0 not):
   * ground truth, meant for training-time search that produces data.
   * @default 'evaluator'
   */
  readonly terminalValue: MctsTerminalValue;
  /**
   * Completions per leaf when `evaluator` is `'rollout'`; the leaf's value is their mean score.
   * @default 1
   */
  readonly numRollouts: number;
  /**
   * Scorer of finished rollouts.
   * @default 'verifier'
   */
  readonly rolloutScorer: MctsRolloutScorer;
  /**
   * Token limit of one rollout completion.
   * @default 256 (o1lab)
   */
  readonly rolloutMaxTokens: number;
  /**
   * Token limit of one sampled step.
   * @default 64 (o1lab)
   */
  readonly maxStepTokens: number;
  /**
   * Steps after which a node is terminal even without an answer.
   * @default 8 (o1lab)
   */
  readonly maxDepth: number;
  /**
   * Sampling temperature of steps and rollouts.
   * @default 1
   */
  readonly temperature: number;
  /**
   * Answer read off the tree: the most visited path to a terminal node (AlphaZero's move choice), or
   * the terminal node with the highest value.
   * @default 'mostVisited'
   */
  readonly finalSelection: MctsFinalSelection;
  /**
   * Seed of all randomness (root noise, policy call seeds).
   * @default 0
   */
  readonly seed: number;
}

/** The defaults, frozen. */
export const defaultMctsConfig: MctsConfig = Object.freeze({
  numSimulations: 64,
  batchSize: 8,
  virtualLoss: 1,
  pbCInit: 1.25,
  pbCBase: 19652,
  normalizeQ: true,
  dirichletAlpha: 0.3,
  dirichletFraction: 0.25,
  numActions: 4,
  priorSource: 'logprob',
  priorTemperature: 1,
  progressiveWidening: true,
  wideningConstant: 1,
  wideningExponent: 0.5,
  maxChildren: 16,
  evaluator: 'prm',
  terminalValue: 'evaluator',
  numRollouts: 1,
  rolloutScorer: 'verifier',
  rolloutMaxTokens: 256,
  maxStepTokens: 64,
  maxDepth: 8,
  temperature: 1,
  finalSelection: 'mostVisited',
  seed: 0,
});

const WHERE = 'mctsSearch config';

/** Merges `options` over {@link defaultMctsConfig} and validates every field, naming the bad one. */
export function resolveMctsConfig(options?: Partial<MctsConfig>): MctsConfig {
  const c = mergeConfig(defaultMctsConfig, options, WHERE);
  assertInteger('numSimulations', c.numSimulations, { min: 1 }, WHERE);
  assertInteger('batchSize', c.batchSize, { min: 1 }, WHERE);
  assertNumber('virtualLoss', c.virtualLoss, { min: 0 }, WHERE);
  assertNumber('pbCInit', c.pbCInit, { min: 0 }, WHERE);
  assertNumber('pbCBase', c.pbCBase, { gt: 0 }, WHERE);
  assertBoolean('normalizeQ', c.normalizeQ, WHERE);
  assertNumber('dirichletAlpha', c.dirichletAlpha, { gt: 0 }, WHERE);
  assertNumber('dirichletFraction', c.dirichletFraction, { min: 0, max: 1 }, WHERE);
  assertInteger('numActions', c.numActions, { min: 1 }, WHERE);
  assertOneOf('priorSource', c.priorSource, ['logprob', 'frequency'], WHERE);
  assertNumber('priorTemperature', c.priorTemperature, { gt: 0 }, WHERE);
  assertBoolean('progressiveWidening', c.progressiveWidening, WHERE);
  assertNumber('wideningConstant', c.wideningConstant, { gt: 0 }, WHERE);
  assertNumber('wideningExponent', c.wideningExponent, { gt: 0, lt: 1 }, WHERE);
  assertInteger('maxChildren', c.maxChildren, { min: 1 }, WHERE);
  assertOneOf('evaluator', c.evaluator, ['prm', 'orm', 'rollout'], WHERE);
  assertOneOf('terminalValue', c.terminalValue, ['evaluator', 'verifier'], WHERE);
  assertInteger('numRollouts', c.numRollouts, { min: 1 }, WHERE);
  assertOneOf('rolloutScorer', c.rolloutScorer, ['orm', 'verifier'], WHERE);
  assertInteger('rolloutMaxTokens', c.rolloutMaxTokens, { min: 1 }, WHERE);
  assertInteger('maxStepTokens', c.maxStepTokens, { min: 1 }, WHERE);
  assertInteger('maxDepth', c.maxDepth, { min: 1 }, WHERE);
  assertNumber('temperature', c.temperature, { min: 0 }, WHERE);
  assertOneOf('finalSelection', c.finalSelection, ['mostVisited', 'bestValue'], WHERE);
  assertInteger('seed', c.seed, { min: 0 }, WHERE);
  return c;
}
