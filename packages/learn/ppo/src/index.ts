/** Re-exported from `@o1lab/learn-rollout`, where GRPO's process supervision shares them. */
export { completionSteps, type StepRewardFn } from '@o1lab/learn-rollout';
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
export { prmStepRewards, rolloutState, shapedStepRewards } from './step-rewards.js';
