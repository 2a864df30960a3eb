export type { StepAggregation } from './aggregate.js';
export { aggregateStepScores, STEP_AGGREGATIONS } from './aggregate.js';
export type { BatchedCallPlan, Budget, ComputeSnapshot } from './compute.js';
export {
  budgetAllows,
  budgetRemaining,
  COMPUTE_FIELDS,
  ComputeMeter,
  computeTracker,
  diffCompute,
  isBudgetExhausted,
  mergeCompute,
  planBatchedCall,
  resolveBudget,
  ZERO_COMPUTE,
} from './compute.js';
export type { O1labErrorCode, O1labErrorOptions } from './errors.js';
export { isO1labError, O1labError } from './errors.js';
export type { JsonlLineError, JsonlReadResult, ValidationFailure, Validator } from './jsonl.js';
export {
  formatJsonl,
  invalid,
  parseJsonl,
  readJsonl,
  readJsonlStrict,
  writeFileAtomic,
  writeJsonl,
} from './jsonl.js';
export { Registry } from './registry.js';
export type { RngState } from './rng.js';
export { createRng, DEFAULT_RNG_STREAM, Rng } from './rng.js';
export type { Estimate } from './stats.js';
export { linearFit, mean, meanInterval, passAtK, std, wilsonInterval } from './stats.js';
export type {
  AnswerWeight,
  Candidate,
  FinishReason,
  GenerateOptions,
  Json,
  Learner,
  LearnStats,
  Policy,
  Problem,
  RewardModel,
  Sample,
  SampleOptions,
  SearchContext,
  Searcher,
  SearchResult,
  State,
  Step,
  StepCheck,
  Task,
  Trajectory,
  Verification,
} from './types.js';
export { appendStep, initialState, renderState, voteKeyOf } from './types.js';
export type { NumberBounds } from './validate.js';
export { assertBoolean, assertInteger, assertNumber, assertOneOf, mergeConfig } from './validate.js';
