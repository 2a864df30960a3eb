export type { Behaviour, BehaviourFlags, BehaviourRates } from './behaviours.js';
export {
  BEHAVIOUR_PREFIXES,
  BEHAVIOURS,
  behaviourRates,
  detectBehaviours,
  solutionOf,
} from './behaviours.js';
export type { CardTraining } from './card.js';
export { renderModelCard } from './card.js';
export type { EvaluationConfig, PolicyEvaluation } from './evaluate.js';
export {
  createOrtPolicy,
  defaultEvaluationConfig,
  evaluatePolicy,
  resolveEvaluationConfig,
} from './evaluate.js';
export type { Progress } from './progress.js';
export { createProgress } from './progress.js';
export type { PhaseSummary, RecipePhase, TrainedPolicy, TrainPolicyOptions } from './recipe.js';
export { trainPolicy } from './recipe.js';
export type {
  RecipeConfig,
  RecipeModelConfig,
  RecipeOptions,
  RecipeSynthesisConfig,
} from './recipe-config.js';
export { defaultRecipeConfig, defaultRecipeModelConfig, resolveRecipeConfig } from './recipe-config.js';
export {
  loadReferencePolicy,
  REFERENCE_CHECKPOINT_RECIPES,
  REFERENCE_EVALUATION,
  REFERENCE_MODELS_DIR,
  REFERENCE_RECIPES,
  referenceModelDir,
} from './reference.js';
export type { BehaviourSwitches, SynthesisConfig } from './synthesis-config.js';
export {
  defaultBehaviourSwitches,
  defaultSynthesisConfig,
  resolveSynthesisConfig,
} from './synthesis-config.js';
export type { CorpusOptions, CorpusRecord, SynthesisTaskName, SynthesizedTrace } from './synthesize.js';
export { heldOutProblems, isHeldOut, synthesizeCorpus, synthesizeTrace } from './synthesize.js';
