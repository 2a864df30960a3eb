export type {
  MctsConfig,
  MctsEvaluator,
  MctsFinalSelection,
  MctsPriorSource,
  MctsRolloutScorer,
  MctsTerminalValue,
} from './config.js';
export { defaultMctsConfig, resolveMctsConfig } from './config.js';
export type { MctsSearchState, MutableMctsNode, Simulation, ValueBounds } from './mcts.js';
export {
  allowedSamples,
  applyVirtualLoss,
  backup,
  childPriors,
  evaluateNodes,
  expandNode,
  explorationRate,
  finalNode,
  mctsSearch,
  mctsSearcher,
  normalizeValue,
  puctScore,
  revertVirtualLoss,
  selectChild,
  selectLeaf,
} from './mcts.js';
export type { MctsNode, MctsTerminalReason, MctsTree, VisitShare } from './tree.js';
export { meanValue, visitDistribution } from './tree.js';
