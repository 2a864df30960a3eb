import { assertBoolean, assertInteger, assertNumber, O1labError } from '@o1lab/core';
import { type RolloutConfig, resolveRolloutConfig } from '@o1lab/learn-rollout';
import { resolveTrainConfig, type TrainConfig } from '@o1lab/model';

/** Token-level PPO with a value-head critic, as in RLHF. Every field is plain JSON. */
export interface PpoConfig {
  /** Rollout batches (each followed by `numPpoEpochs` passes). @default 100 */
  readonly numSteps: number;
  /** Prompts per rollout batch; each gets `rollout.numGenerations` completions. @default 16 */
  readonly numPrompts: number;
  /** Passes over each rollout batch. @default 4 (TRL `num_ppo_epochs`) */
  readonly numPpoEpochs: number;
  /** Minibatches per pass. @default 1 (TRL `num_mini_batches`) */
  readonly numMiniBatches: number;
  /** Policy ratio clip epsilon. @default 0.2 (Schulman et al. 2017; TRL `cliprange`) */
  readonly clipRange: number;
  /** Value prediction clip around the rollout-time value. @default 0.2 (TRL `cliprange_value`) */
  readonly clipRangeValue: number;
  /** Value loss weight c1. @default 0.1 (TRL `vf_coef`) */
  readonly vfCoef: number;
  /** Entropy bonus weight c2. @default 0 (Ouyang et al. 2022 use none) */
  readonly entropyCoef: number;
  /** Discount gamma. @default 1 (TRL) */
  readonly gamma: number;
  /** GAE lambda. @default 0.95 (TRL `lam`; Schulman et al. 2016) */
  readonly gaeLambda: number;
  /** Per-token KL penalty coefficient beta in r_t (initial value when adaptive). @default 0.05 (TRL `kl_coef`) */
  readonly klCoef: number;
  /** Adapt `klCoef` towards `klTarget` (Ziegler et al. 2019, sec. 2.2). @default false */
  readonly adaptiveKl: boolean;
  /** Target sequence KL of the adaptive controller. @default 6 (Ziegler et al. 2019) */
  readonly klTarget: number;
  /** Horizon of the adaptive controller. @default 10000 (Ziegler et al. 2019) */
  readonly klHorizon: number;
  /** Whiten advantages over the batch's completion tokens. @default true (TRL) */
  readonly whitenAdvantages: boolean;
  /** Whiten token rewards before GAE. @default false (TRL `whiten_rewards`) */
  readonly whitenRewards: boolean;
  /** Rollouts generated ahead while updating; staleness bound. @default 0 (on-policy) */
  readonly maxStaleness: number;
  /** @default 0 */
  readonly seed: number;
  readonly rollout: RolloutConfig;
  /** @default learningRate 1e-5 constant, no warmup, no decay, clip 1 */
  readonly optimizer: TrainConfig;
}

/** One completion per prompt, as RLHF PPO samples. */
export const defaultPpoRolloutConfig: RolloutConfig = resolveRolloutConfig({ numGenerations: 1 });

export const defaultPpoOptimizerConfig: TrainConfig = resolveTrainConfig({
  learningRate: 1e-5,
  minLearningRate: 1e-5,
  warmupSteps: 0,
  weightDecay: 0,
  gradClipNorm: 1,
});

export const defaultPpoConfig: PpoConfig = Object.freeze({
  numSteps: 100,
  numPrompts: 16,
  numPpoEpochs: 4,
  numMiniBatches: 1,
  clipRange: 0.2,
  clipRangeValue: 0.2,
  vfCoef: 0.1,
  entropyCoef: 0,
  gamma: 1,
  gaeLambda: 0.95,
  klCoef: 0.05,
  adaptiveKl: false,
  klTarget: 6,
  klHorizon: 10000,
  whitenAdvantages: true,
  whitenRewards: false,
  maxStaleness: 0,
  seed: 0,
  rollout: defaultPpoRolloutConfig,
  optimizer: defaultPpoOptimizerConfig,
});

/** Options of {@link resolvePpoConfig}: any field, with partial `rollout` and `optimizer`. */
export type PpoConfigInput = Partial<Omit<PpoConfig, 'rollout' | 'optimizer'>> & {
  readonly rollout?: Partial<RolloutConfig>;
  readonly optimizer?: Partial<TrainConfig>;
};

/** Fills defaults and validates, naming the option at fault. */
export function resolvePpoConfig(options: PpoConfigInput = {}): PpoConfig {
  const where = 'PpoConfig';
  for (const key of Object.keys(options)) {
    if (!(key in defaultPpoConfig))
      throw new O1labError('INVALID_CONFIG', `unknown option \`${key}\``, { where });
  }
  const { rollout, optimizer, ...rest } = options;
  const c = {
    ...defaultPpoConfig,
    ...rest,
    rollout: resolveRolloutConfig({ ...defaultPpoRolloutConfig, ...rollout }),
    optimizer: resolveTrainConfig({ ...defaultPpoOptimizerConfig, ...optimizer }),
  };
  assertInteger('numSteps', c.numSteps, { min: 0 }, where);
  assertInteger('numPrompts', c.numPrompts, { min: 1 }, where);
  assertInteger('numPpoEpochs', c.numPpoEpochs, { min: 1 }, where);
  assertInteger('numMiniBatches', c.numMiniBatches, { min: 1 }, where);
  assertNumber('clipRange', c.clipRange, { gt: 0, lt: 1 }, where);
  assertNumber('clipRangeValue', c.clipRangeValue, { gt: 0 }, where);
  assertNumber('vfCoef', c.vfCoef, { min: 0 }, where);
  assertNumber('entropyCoef', c.entropyCoef, { min: 0 }, where);
  assertNumber('gamma', c.gamma, { min: 0, max: 1 }, where);
  assertNumber('gaeLambda', c.gaeLambda, { min: 0, max: 1 }, where);
  assertNumber('klCoef', c.klCoef, { min: 0 }, where);
  assertBoolean('adaptiveKl', c.adaptiveKl, where);
  assertNumber('klTarget', c.klTarget, { gt: 0 }, where);
  assertNumber('klHorizon', c.klHorizon, { gt: 0 }, where);
  assertBoolean('whitenAdvantages', c.whitenAdvantages, where);
  assertBoolean('whitenRewards', c.whitenRewards, where);
  assertInteger('maxStaleness', c.maxStaleness, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  if ((c.numPrompts * c.rollout.numGenerations) % c.numMiniBatches !== 0) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`numMiniBatches\` (${c.numMiniBatches}) must divide numPrompts x numGenerations (${c.numPrompts * c.rollout.numGenerations})`,
      { where },
    );
  }
  return Object.freeze(c);
}
