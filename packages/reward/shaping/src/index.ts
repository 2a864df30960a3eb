export type {
  ConsensusLabeller,
  CorrectnessRewardConfig,
  FormatRewardConfig,
  MonteCarloLabelConfig,
  OverlongPenaltyConfig,
  PotentialShapingConfig,
} from './config.js';
export {
  defaultCorrectnessRewardConfig,
  defaultFormatRewardConfig,
  defaultMonteCarloLabelConfig,
  defaultOverlongPenaltyConfig,
  defaultPotentialShapingConfig,
  resolveCorrectnessRewardConfig,
  resolveFormatRewardConfig,
  resolveMonteCarloLabelConfig,
  resolveOverlongPenaltyConfig,
  resolvePotentialShapingConfig,
} from './config.js';
export type { MonteCarloLabelContext, MonteCarloLabels, StepJudge, StepLabel } from './monte-carlo.js';
export { monteCarloStepLabels } from './monte-carlo.js';
export type { Potential, ShapedStepRewards } from './potential.js';
export {
  heuristicPotential,
  outcomeToStepRewards,
  potentialShaping,
  shapeStepRewards,
  stepPrefixes,
  valuePotential,
} from './potential.js';
export type { ComposedReward, RewardBreakdown, RewardInput, RewardTerm } from './terms.js';
export {
  composeRewards,
  correctnessReward,
  formatReward,
  overlongPenalty,
  overlongPenaltyValue,
} from './terms.js';
