export type { DistillValueTarget, SearchDistillConfig } from './config.js';
export { defaultSearchDistillConfig, resolveSearchDistillConfig } from './config.js';
export type {
  SearchDistillLoopInputs,
  SearchDistillOptions,
  SearchDistillResult,
  SearchDistillRound,
  SearchDistillStepLog,
} from './distill.js';
export { searchDistillLoop, searchDistillTrain } from './distill.js';
export type { DistillBatch, SearchDistillLossResult } from './loss.js';
export { distillBatch, searchDistillLoss } from './loss.js';
export type { DistillExample, DistillTree, DistillTreeNode, OutcomeFn } from './targets.js';
export { distillExamples } from './targets.js';
