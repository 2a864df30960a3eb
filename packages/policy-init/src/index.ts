export type { Behaviour, BehaviourFlags, BehaviourRates } from './behaviours.js';
export {
  BEHAVIOUR_PREFIXES,
  BEHAVIOURS,
  behaviourRates,
  detectBehaviours,
  solutionOf,
} from './behaviours.js';
export type { BehaviourSwitches, SynthesisConfig } from './synthesis-config.js';
export {
  defaultBehaviourSwitches,
  defaultSynthesisConfig,
  resolveSynthesisConfig,
} from './synthesis-config.js';
export type { CorpusOptions, CorpusRecord, SynthesisTaskName, SynthesizedTrace } from './synthesize.js';
export { heldOutProblems, isHeldOut, synthesizeCorpus, synthesizeTrace } from './synthesize.js';
