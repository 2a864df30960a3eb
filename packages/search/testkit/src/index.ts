export type { ConformanceOptions } from './conformance.js';
export {
  contextOf,
  DEFAULT_CONFORMANCE_BUDGETS,
  expectAnswerAmongCandidates,
  expectComputeFromMeters,
  expectWithinBudget,
  runSearcherConformance,
} from './conformance.js';
export type { CountdownSolverOptions } from './countdown-solver.js';
export { createCountdownSolverPolicy } from './countdown-solver.js';
export type { ToyEnvironment, ToyEnvironmentOptions, ToyRewardKind } from './environment.js';
export { createToyEnvironment } from './environment.js';
export { expectGolden, goldenOf, UPDATE_GOLDEN_ENV } from './golden.js';
export type { RecordedPrompt } from './prefill.js';
export { countUniqueTokens, recordPrompts } from './prefill.js';
export type { NoisyRewardOptions, ToyRewardOptions, ValueFunction } from './reward.js';
export {
  createNoisyRewardModel,
  createStepCheckRewardModel,
  createValueRewardModel,
  createVerifierRewardModel,
} from './reward.js';
export type { StepDistribution, TablePolicy, TablePolicyOptions, TableStep } from './table-policy.js';
export { createTablePolicy, DEFAULT_TOY_FLOPS_PER_TOKEN, EOS_TOKEN_ID } from './table-policy.js';
export type { PrefillMeasurement } from './tiny-ort.js';
export {
  createTinyOrtPolicy,
  measureTinyOrtPrefill,
  runPrefillChecks,
  TINY_WALK_ALPHABET,
  tinyWalkProblems,
  tinyWalkTask,
} from './tiny-ort.js';
export type { ToyMdpData, ToyMdpOptions } from './toy-mdp.js';
export {
  createToyProblem,
  defaultToyMdpOptions,
  hashString,
  optimalSteps,
  toyDistribution,
  toyRoot,
  toyTask,
  toyValue,
} from './toy-mdp.js';
export type {
  CountdownEnvironmentOptions,
  SearchWorkloadStats,
  WorkloadEnvironment,
  WorkloadSearch,
} from './workload.js';
export { createCountdownEnvironments, runSearchWorkload } from './workload.js';
