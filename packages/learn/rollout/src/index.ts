export type { RolloutBatch, RolloutBatchOptions } from './batch.js';
export {
  buildRolloutBatch,
  completionRow,
  pickRows,
  rowsToTokens,
  sequenceToTokens,
  sliceRolloutBatch,
} from './batch.js';
export type { RolloutConfig } from './config.js';
export { defaultRolloutConfig, resolveRolloutConfig, sampleOptionsOf } from './config.js';
export type { PromptCompletionReward } from './jsonl.js';
export {
  promptCompletionRewardValidator,
  readRolloutsJsonl,
  rolloutRecords,
  writeRolloutsJsonl,
} from './jsonl.js';
export type { KlEstimator, PolicyForward, PolicyForwardOptions } from './logprobs.js';
export { klPenalty, maskedMean, policyForward, readPolicyForward } from './logprobs.js';
export {
  createToyModel,
  createToyPolicy,
  toyAnswer,
  toyGreedyAccuracy,
  toyPairs,
  toyPrompt,
  toyRng,
  toyTokenizer,
} from './next-digit-toy.js';
export type { LossStepResult, PolicyOptimizer } from './optimizer.js';
export { createPolicyOptimizer } from './optimizer.js';
export type { QueuedRollouts, StalenessStats } from './queue.js';
export { RolloutQueue } from './queue.js';
export type { CollectOptions, PassAt1, Rollout } from './rollout.js';
export { collectRollouts, greedyPassAt1, verifierRewards } from './rollout.js';
export { maskedAverage, maskedWhiten } from './stats.js';
export type { StepRewardFn } from './steps.js';
export { completionSteps, requireStepChecker } from './steps.js';
export type { SumToyData } from './sum-toy.js';
export { scriptedSample, sumToyProblem, sumToyTask } from './sum-toy.js';
export type { Sampler, WeightSyncStats } from './sync.js';
export { createSampler, syncWeights } from './sync.js';
export type { DigitEchoData } from './toy-task.js';
export { DIGIT_ECHO_ALPHABET, digitEchoProblems, digitEchoScore, digitEchoTask } from './toy-task.js';
