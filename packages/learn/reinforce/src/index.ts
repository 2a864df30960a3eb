export type { ReinforceConfig, ReinforceConfigInput, ReinforceEstimator } from './config.js';
export {
  defaultReinforceConfig,
  defaultReinforceOptimizerConfig,
  defaultReinforceRolloutConfig,
  resolveReinforceConfig,
} from './config.js';
export type { ReinforceContext, ReinforceHooks, ReinforceResult, ReinforceStepStats } from './reinforce.js';
export {
  clippedSurrogateLoss,
  movingBaselineAdvantages,
  reinforceLoss,
  reinforcePlusPlusAdvantages,
  reinforceTrain,
  reinforceUpdate,
  rlooAdvantages,
} from './reinforce.js';
