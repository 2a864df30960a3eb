export type { PpoConfig, PpoConfigInput } from './config.js';
export {
  defaultPpoConfig,
  defaultPpoOptimizerConfig,
  defaultPpoRolloutConfig,
  resolvePpoConfig,
} from './config.js';
export type { PpoContext, PpoHooks, PpoLossInputs, PpoLossParts, PpoResult, PpoStepStats } from './ppo.js';
export {
  adaptiveKlCoef,
  gae,
  ppoLoss,
  ppoTokenRewards,
  ppoTrain,
  ppoUpdate,
  stepRewardTokens,
} from './ppo.js';
export type { StepRewardFn } from './step-rewards.js';
export { completionSteps, prmStepRewards, rolloutState, shapedStepRewards } from './step-rewards.js';
