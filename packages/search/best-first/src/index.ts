export type {
  AnswerWeight,
  BestFirstNode,
  BestFirstRound,
  BestFirstSearchState,
  BestFirstTree,
  MutableBestFirstNode,
} from './best-first.js';
export { allocateWidths, bestFirstSearch, bestFirstSearcher, evaluate, expand } from './best-first.js';
export type { BestFirstConfig, BestFirstEvaluator, BestFirstSelection, BestFirstStrategy } from './config.js';
export { defaultBestFirstConfig, resolveBestFirstConfig } from './config.js';
