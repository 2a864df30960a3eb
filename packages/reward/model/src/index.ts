export type { StepAggregation } from '@o1lab/core';
export { aggregateStepScores, STEP_AGGREGATIONS } from '@o1lab/core';
export { prmSolutionScores } from './aggregate.js';
export type {
  BestOfNEvaluationConfig,
  JudgeRewardModelConfig,
  Prm800kConversionConfig,
  VerifierRewardModelConfig,
} from './config.js';
export {
  defaultBestOfNEvaluationConfig,
  defaultJudgeRewardModelConfig,
  defaultPrm800kConversionConfig,
  defaultVerifierRewardModelConfig,
  resolveBestOfNEvaluationConfig,
  resolveJudgeRewardModelConfig,
  resolvePrm800kConversionConfig,
  resolveVerifierRewardModelConfig,
} from './config.js';
export type { BestOfNEvaluation, BestOfNRow, BestOfNSample, StepAccuracy } from './evaluate.js';
export { bestOfNEvaluation, rocAuc, stepAccuracy } from './evaluate.js';
export type { JudgeKind, JudgePromptBuilder, JudgeRewardModelOptions } from './judge-reward-model.js';
export { createJudgeRewardModel, defaultJudgePrompt, parseVerdict } from './judge-reward-model.js';
export type {
  LearnedRewardModel,
  LearnedRewardModelOptions,
  RewardModelCard,
  SavableRewardModel,
} from './learned-reward-model.js';
export {
  createLearnedRewardModel,
  loadRewardModel,
  REWARD_MODEL_CARD_FILE,
  saveRewardModel,
  scoringRuntimeOptions,
} from './learned-reward-model.js';
export type { MathShepherdRecord } from './math-shepherd.js';
export {
  MATH_SHEPHERD_STEP_TAG,
  mathShepherdToStepwise,
  readMathShepherd,
  stepwiseToMathShepherd,
  validateMathShepherdRecord,
  writeMathShepherd,
} from './math-shepherd.js';
export type { McPrmExampleOptions } from './mc-examples.js';
export { mcPrmExamples, mcStepExamples, splitSteps } from './mc-examples.js';
export type {
  Prm800kCompletion,
  Prm800kQuestion,
  Prm800kRating,
  Prm800kRecord,
  Prm800kStep,
} from './prm800k.js';
export {
  prm800kToStepwise,
  readPrm800k,
  stepwiseToPrm800k,
  validatePrm800kRecord,
  writePrm800k,
} from './prm800k.js';
export { bceWithLogitsLoss, bradleyTerryLoss } from './reward-loss.js';
export type { EncodedSolution, PaddedRows } from './reward-sequences.js';
export { encodeSolution, padRows } from './reward-sequences.js';
export type { LearnedRewardKind, RewardTrainingConfig } from './reward-training-config.js';
export { defaultRewardTrainingConfig, resolveRewardTrainingConfig } from './reward-training-config.js';
export type { StepwiseRecord } from './stepwise.js';
export { readStepwise, stepwiseFromScores, validateStepwiseRecord, writeStepwise } from './stepwise.js';
export type {
  PreferencePair,
  RewardExample,
  RewardModelInit,
  RewardTrainingStats,
  TrainedRewardModel,
  TrainRewardModelInputs,
} from './train-reward-model.js';
export { trainRewardModel } from './train-reward-model.js';
export { createVerifierRewardModel, solutionText } from './verifier-reward-model.js';
