import { assertInteger, assertNumber, assertOneOf, O1labError } from '@o1lab/core';
import { type RolloutConfig, resolveRolloutConfig } from '@o1lab/learn-rollout';
import { resolveTrainConfig, type TrainConfig } from '@o1lab/model';

/**
 * `reinforce`: REINFORCE with a moving-average baseline (Williams 1992); `rloo`: leave-one-out
 * baseline over the G samples of a prompt (Ahmadian et al. 2024); `reinforce++`: token-level KL
 * in the reward, returns, global batch advantage normalisation and a clipped surrogate (Hu 2025).
 */
export type ReinforceEstimator = 'reinforce' | 'rloo' | 'reinforce++';

/** REINFORCE-family learners. Every field is plain JSON. */
export interface ReinforceConfig {
  /** @default 'rloo' */
  readonly estimator: ReinforceEstimator;
  /** Optimizer steps (one rollout batch each). @default 100 */
  readonly numSteps: number;
  /** Prompts per step; each gets `rollout.numGenerations` completions. @default 8 */
  readonly numPrompts: number;
  /** Update passes per rollout batch (`reinforce++` only; the others are on-policy). @default 1 */
  readonly numIterations: number;
  /** Minibatches per pass. @default 1 */
  readonly numMiniBatches: number;
  /** Decay of the moving-average baseline b <- decay b + (1 - decay) mean(r) (`reinforce`). @default 0.9 */
  readonly baselineDecay: number;
  /**
   * KL-in-reward coefficient: sequence KL sum_t (log pi_old - log pi_ref) subtracted from the
   * reward (`reinforce`, `rloo`, as TRL's RLOO) or per-token k1 penalty (`reinforce++`). 0 drops the
   * reference. @default 0.05 (TRL RLOOConfig `kl_coef`)
   */
  readonly klCoef: number;
  /** Discount of the `reinforce++` returns. @default 1 (Hu 2025) */
  readonly gamma: number;
  /** PPO clip range of the `reinforce++` surrogate. @default 0.2 (Hu 2025) */
  readonly clipRange: number;
  /** Rollouts generated ahead while updating; staleness bound. @default 0 (on-policy) */
  readonly maxStaleness: number;
  /** @default 0 */
  readonly seed: number;
  readonly rollout: RolloutConfig;
  /** @default learningRate 1e-5 constant, no warmup, no decay, clip 1 */
  readonly optimizer: TrainConfig;
}

export const defaultReinforceRolloutConfig: RolloutConfig = resolveRolloutConfig({ numGenerations: 4 });

export const defaultReinforceOptimizerConfig: TrainConfig = resolveTrainConfig({
  learningRate: 1e-5,
  minLearningRate: 1e-5,
  warmupSteps: 0,
  weightDecay: 0,
  gradClipNorm: 1,
});

export const defaultReinforceConfig: ReinforceConfig = Object.freeze({
  estimator: 'rloo',
  numSteps: 100,
  numPrompts: 8,
  numIterations: 1,
  numMiniBatches: 1,
  baselineDecay: 0.9,
  klCoef: 0.05,
  gamma: 1,
  clipRange: 0.2,
  maxStaleness: 0,
  seed: 0,
  rollout: defaultReinforceRolloutConfig,
  optimizer: defaultReinforceOptimizerConfig,
});

/** Options of {@link resolveReinforceConfig}: any field, with partial `rollout` and `optimizer`. */
export type ReinforceConfigInput = Partial<Omit<ReinforceConfig, 'rollout' | 'optimizer'>> & {
  readonly rollout?: Partial<RolloutConfig>;
  readonly optimizer?: Partial<TrainConfig>;
};

/** Fills defaults and validates, naming the option at fault. */
export function resolveReinforceConfig(options: ReinforceConfigInput = {}): ReinforceConfig {
  const where = 'ReinforceConfig';
  for (const key of Object.keys(options)) {
    if (!(key in defaultReinforceConfig))
      throw new O1labError('INVALID_CONFIG', `unknown option \`${key}\``, { where });
  }
  const { rollout, optimizer, ...rest } = options;
  const c = {
    ...defaultReinforceConfig,
    ...rest,
    rollout: resolveRolloutConfig({ ...defaultReinforceRolloutConfig, ...rollout }),
    optimizer: resolveTrainConfig({ ...defaultReinforceOptimizerConfig, ...optimizer }),
  };
  assertOneOf('estimator', c.estimator, ['reinforce', 'rloo', 'reinforce++'], where);
  assertInteger('numSteps', c.numSteps, { min: 0 }, where);
  assertInteger('numPrompts', c.numPrompts, { min: 1 }, where);
  assertInteger('numIterations', c.numIterations, { min: 1 }, where);
  assertInteger('numMiniBatches', c.numMiniBatches, { min: 1 }, where);
  assertNumber('baselineDecay', c.baselineDecay, { min: 0, max: 1 }, where);
  assertNumber('klCoef', c.klCoef, { min: 0 }, where);
  assertNumber('gamma', c.gamma, { min: 0, max: 1 }, where);
  assertNumber('clipRange', c.clipRange, { gt: 0, lt: 1 }, where);
  assertInteger('maxStaleness', c.maxStaleness, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  if (c.estimator === 'rloo' && c.rollout.numGenerations < 2) {
    throw new O1labError('INVALID_CONFIG', '`rollout.numGenerations` must be >= 2 for the RLOO baseline', {
      where,
    });
  }
  if (c.estimator !== 'reinforce++' && c.numIterations !== 1) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`numIterations\` must be 1 for the on-policy estimator '${c.estimator}'`,
      {
        where,
        hint: "use estimator 'reinforce++' (clipped ratio) for several passes",
      },
    );
  }
  if ((c.numPrompts * c.rollout.numGenerations) % c.numMiniBatches !== 0) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`numMiniBatches\` (${c.numMiniBatches}) must divide numPrompts x numGenerations (${c.numPrompts * c.rollout.numGenerations})`,
      { where },
    );
  }
  return Object.freeze(c);
}
