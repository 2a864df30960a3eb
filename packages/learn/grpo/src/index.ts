export type {
  GrpoConfig,
  GrpoConfigInput,
  GrpoKlEstimator,
  GrpoSupervision,
  LossAggregation,
} from './config.js';
export {
  defaultGrpoConfig,
  defaultGrpoOptimizerConfig,
  defaultGrpoRolloutConfig,
  GRPO_VARIANTS,
  resolveGrpoConfig,
} from './config.js';
export type {
  GrpoContext,
  GrpoHooks,
  GrpoLossConfig,
  GrpoLossParts,
  GrpoResult,
  GrpoStepStats,
  PolicyLossInputs,
} from './grpo.js';
export {
  aggregateLoss,
  grpoAdvantages,
  grpoLoss,
  grpoProcessAdvantages,
  grpoTrain,
  grpoUpdate,
  overlongShaping,
} from './grpo.js';
