export type { DpoConfig, DpoLossType } from './config.js';
export { defaultDpoConfig, resolveDpoConfig } from './config.js';
export type { DpoOptions, DpoResult, DpoStepLog } from './dpo.js';
export { createReferenceModel, dpoTrain } from './dpo.js';
export type { CompletionLogprobs, DpoLossResult, PreferenceLogps } from './loss.js';
export { completionLogprobs, dpoLoss, meanTokenNll, sequenceLogprobs } from './loss.js';
export type { IterativeDpoOptions, IterativeDpoRound, RoundPairs } from './online.js';
export { iterativeDpo } from './online.js';
export type { OutcomeGroup, PreferencePair, ScoredGroup, StepPairOptions, StepTreeNode } from './pairs.js';
export {
  pairsFromOutcomes,
  pairsFromScores,
  preferenceBatch,
  readPreferenceDataset,
  stepPairsFromTree,
  validatePreferencePair,
  writePreferenceDataset,
} from './pairs.js';
export type { FirstErrorStepPairOptions, FirstErrorStepPairs } from './step-pairs.js';
export { firstErrorStepPairs } from './step-pairs.js';
