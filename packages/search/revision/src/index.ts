export type { RevisionConfig, RevisionScorer, RevisionSelection } from './config.js';
export { chainShape, defaultRevisionConfig, resolveRevisionConfig } from './config.js';
export type {
  AnswerWeight,
  RevisionAttempt,
  RevisionOptions,
  RevisionPromptBuilder,
  RevisionTree,
} from './revision.js';
export {
  createRevisionSearcher,
  defaultRevisionPrompt,
  revisionSearcher,
  selectAttempt,
  sequentialRevision,
} from './revision.js';
