import { assertBoolean, assertInteger, assertNumber, assertOneOf, O1labError } from '@o1lab/core';
import { type RolloutConfig, resolveRolloutConfig } from '@o1lab/learn-rollout';
import { resolveTrainConfig, type TrainConfig } from '@o1lab/model';

/** How per-token losses become one number (see README). */
export type LossAggregation = 'sequence-mean' | 'token-mean' | 'constant';

/** Where the advantages come from (DeepSeekMath sec. 4.1.2 and 4.1.3). */
export type GrpoSupervision = 'outcome' | 'process';

/** Which per-token KL estimator. */
export type GrpoKlEstimator = 'k1' | 'k2' | 'k3';

/** GRPO and its DAPO and Dr. GRPO variants. Every field is plain JSON. */
export interface GrpoConfig {
  /** Optimizer steps (one rollout batch each). @default 100 */
  readonly numSteps: number;
  /** Prompts per step; each gets `rollout.numGenerations` completions (G). @default 8 */
  readonly numPrompts: number;
  /**
   * Policy updates per rollout batch, mu in DeepSeekMath Algorithm 1 (TRL `num_iterations`).
   * @default 1 (TRL)
   */
  readonly numIterations: number;
  /** Minibatches per update pass (rows are shuffled with `seed`). @default 1 */
  readonly numMiniBatches: number;
  /** Lower clip epsilon of the ratio (eps in DeepSeekMath eq. 3; eps_low in DAPO). @default 0.2 (Shao et al. 2024) */
  readonly epsilon: number;
  /** Upper clip epsilon (DAPO "clip-higher" sets 0.28). @default 0.2 (= epsilon, symmetric GRPO) */
  readonly epsilonHigh: number;
  /** KL coefficient beta (DeepSeekMath eq. 3). 0 drops the term and the reference model. @default 0.04 (Shao et al. 2024) */
  readonly beta: number;
  /** @default 'k3' (DeepSeekMath eq. 4, the unbiased non-negative estimator) */
  readonly klEstimator: GrpoKlEstimator;
  /**
   * `outcome`: one reward per completion, its group-normalised advantage on every token (sec.
   * 4.1.2). `process`: one reward per step from the context's `stepRewards` (a PRM, or a step
   * checker), normalised over all steps of the group, and each token's advantage the sum of the
   * normalised rewards of the steps that end at or after it (sec. 4.1.3). @default 'outcome'
   */
  readonly supervision: GrpoSupervision;
  /** Divide group-centred rewards by the group std; Dr. GRPO turns this off. @default true (Shao et al. 2024) */
  readonly scaleRewards: boolean;
  /** Added to the group std before dividing. @default 1e-4 (TRL) */
  readonly advantageEps: number;
  /**
   * `sequence-mean`: mean over each completion's tokens, then over completions (GRPO eq. 3);
   * `token-mean`: mean over all tokens of the batch (DAPO eq. 8); `constant`: sum over tokens
   * divided by B x maxCompletionTokens (Dr. GRPO). @default 'sequence-mean'
   */
  readonly lossAggregation: LossAggregation;
  /**
   * DAPO dynamic sampling (sec. 3.2): drop groups whose rewards are all equal (zero advantage) and
   * sample more prompts, up to `maxSamplingRounds` calls, to refill the batch. @default false
   */
  readonly dynamicSampling: boolean;
  /** Sampling calls per step at most when `dynamicSampling` is on. @default 3 */
  readonly maxSamplingRounds: number;
  /**
   * DAPO overlong reward shaping (eq. 13) with L_max = `rollout.maxCompletionTokens` and
   * L_cache = this many tokens; 0 turns it off. @default 0
   */
  readonly overlongBuffer: number;
  /**
   * Rollouts for step t + 1 are generated while step t updates when >= 1; the staleness of every
   * batch (updates between sampling and learning) is at most this and reported. @default 0 (on-policy)
   */
  readonly maxStaleness: number;
  /** Seeds prompt draws, sampling and minibatch order. @default 0 */
  readonly seed: number;
  readonly rollout: RolloutConfig;
  /** AdamW, schedule and clipping (`TrainConfig` of `@o1lab/model`). @default learningRate 1e-5, no warmup, no decay */
  readonly optimizer: TrainConfig;
}

/** Rollout defaults of GRPO: G = 8 completions per prompt (TRL `num_generations`). */
export const defaultGrpoRolloutConfig: RolloutConfig = resolveRolloutConfig({ numGenerations: 8 });

/**
 * Optimizer defaults: TRL's GRPOConfig uses 1e-6 for billion-parameter models; TinyGPT takes a
 * larger step. No warmup, constant rate, no weight decay, clipping at 1.
 */
export const defaultGrpoOptimizerConfig: TrainConfig = resolveTrainConfig({
  learningRate: 1e-5,
  minLearningRate: 1e-5,
  warmupSteps: 0,
  weightDecay: 0,
  gradClipNorm: 1,
});

export const defaultGrpoConfig: GrpoConfig = Object.freeze({
  numSteps: 100,
  numPrompts: 8,
  numIterations: 1,
  numMiniBatches: 1,
  epsilon: 0.2,
  epsilonHigh: 0.2,
  beta: 0.04,
  klEstimator: 'k3',
  supervision: 'outcome',
  scaleRewards: true,
  advantageEps: 1e-4,
  lossAggregation: 'sequence-mean',
  dynamicSampling: false,
  maxSamplingRounds: 3,
  overlongBuffer: 0,
  maxStaleness: 0,
  seed: 0,
  rollout: defaultGrpoRolloutConfig,
  optimizer: defaultGrpoOptimizerConfig,
});

/** Presets of the three loss variants; spread them into the options. */
export const GRPO_VARIANTS: Readonly<Record<'grpo' | 'dr-grpo' | 'dapo', Partial<GrpoConfig>>> =
  Object.freeze({
    /** Shao et al. 2024 (DeepSeekMath). */
    grpo: {},
    /** Liu et al. 2025: no std normalisation, no length normalisation. */
    'dr-grpo': { scaleRewards: false, lossAggregation: 'constant' },
    /** Yu et al. 2025: clip-higher, token-level loss, dynamic sampling, overlong shaping, no KL. */
    dapo: { epsilonHigh: 0.28, lossAggregation: 'token-mean', dynamicSampling: true, beta: 0 },
  });

type GrpoOptions = Partial<Omit<GrpoConfig, 'rollout' | 'optimizer'>> & {
  readonly rollout?: Partial<RolloutConfig>;
  readonly optimizer?: Partial<TrainConfig>;
};

/** Options of {@link resolveGrpoConfig}: any field, with partial `rollout` and `optimizer`. */
export type GrpoConfigInput = GrpoOptions;

/** Fills defaults and validates, naming the option at fault. */
export function resolveGrpoConfig(options: GrpoConfigInput = {}): GrpoConfig {
  const where = 'GrpoConfig';
  for (const key of Object.keys(options)) {
    if (!(key in defaultGrpoConfig)) {
      throw new O1labError('INVALID_CONFIG', `unknown option \`${key}\``, { where });
    }
  }
  const { rollout, optimizer, ...rest } = options;
  const c = {
    ...defaultGrpoConfig,
    ...rest,
    rollout: resolveRolloutConfig({ ...defaultGrpoRolloutConfig, ...rollout }),
    optimizer: resolveTrainConfig({ ...defaultGrpoOptimizerConfig, ...optimizer }),
  };
  assertInteger('numSteps', c.numSteps, { min: 0 }, where);
  assertInteger('numPrompts', c.numPrompts, { min: 1 }, where);
  assertInteger('numIterations', c.numIterations, { min: 1 }, where);
  assertInteger('numMiniBatches', c.numMiniBatches, { min: 1 }, where);
  assertNumber('epsilon', c.epsilon, { min: 0, lt: 1 }, where);
  assertNumber('epsilonHigh', c.epsilonHigh, { min: 0 }, where);
  assertNumber('beta', c.beta, { min: 0 }, where);
  assertOneOf('klEstimator', c.klEstimator, ['k1', 'k2', 'k3'], where);
  assertOneOf('supervision', c.supervision, ['outcome', 'process'], where);
  assertBoolean('scaleRewards', c.scaleRewards, where);
  assertNumber('advantageEps', c.advantageEps, { min: 0 }, where);
  assertOneOf('lossAggregation', c.lossAggregation, ['sequence-mean', 'token-mean', 'constant'], where);
  assertBoolean('dynamicSampling', c.dynamicSampling, where);
  assertInteger('maxSamplingRounds', c.maxSamplingRounds, { min: 1 }, where);
  assertInteger('overlongBuffer', c.overlongBuffer, { min: 0 }, where);
  if (c.overlongBuffer >= c.rollout.maxCompletionTokens && c.overlongBuffer > 0) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`overlongBuffer\` (${c.overlongBuffer}) must be below \`rollout.maxCompletionTokens\` (${c.rollout.maxCompletionTokens})`,
      { where },
    );
  }
  assertInteger('maxStaleness', c.maxStaleness, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  if (c.rollout.numGenerations < 2) {
    throw new O1labError(
      'INVALID_CONFIG',
      '`rollout.numGenerations` must be >= 2: GRPO compares completions within a group',
      {
        where,
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
