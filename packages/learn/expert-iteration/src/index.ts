export type {
  ExpertIterationConfig,
  ExpertIterationOptions,
  ExpertIterationVariant,
} from './config.js';
export {
  defaultExpertIterationConfig,
  expertIterationPreset,
  resolveExpertIterationConfig,
} from './config.js';
export type {
  CandidateFn,
  CandidateRequest,
  ExpertIterationInputs,
  ExpertIterationLog,
  ExpertIterationResult,
} from './expert-iteration.js';
export { expertIteration, policyCandidates } from './expert-iteration.js';
export type { StepSearchOptions } from './step-search.js';
export { stepSearchCandidates } from './step-search.js';
