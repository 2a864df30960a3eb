import { assertBoolean, assertInteger, assertNumber, assertOneOf, mergeConfig } from '@o1lab/core';

/** Knobs of {@link potentialShaping} and {@link shapeStepRewards}. */
export interface PotentialShapingConfig {
  /**
   * Discount gamma in F(s, s') = gamma * Phi(s') - Phi(s). It must equal the discount of the return
   * being optimised, or the optimal-policy guarantee of Ng et al. (1999, Theorem 1) is lost.
   * @default 1 (undiscounted episodes, as in RL for LLM reasoning: Ouyang et al. 2022; Shao et al. 2024)
   */
  readonly gamma: number;
  /**
   * The last state of the sequence is terminal: its potential is taken as 0, whatever the potential
   * function says about it (Ng et al. 1999, sec. 3: Phi(terminal) = 0 keeps the shaped return equal
   * to the original return minus Phi(s_0)). Set false for a sequence cut by a budget, whose last
   * state is not terminal.
   * @default true
   */
  readonly terminal: boolean;
}

/** Defaults of {@link PotentialShapingConfig}. */
export const defaultPotentialShapingConfig: PotentialShapingConfig = Object.freeze({
  gamma: 1,
  terminal: true,
});

/** Merges `options` over the defaults and validates every field. */
export function resolvePotentialShapingConfig(
  options?: Partial<PotentialShapingConfig>,
): PotentialShapingConfig {
  const where = 'potentialShaping';
  const c = mergeConfig(defaultPotentialShapingConfig, options, where);
  assertNumber('gamma', c.gamma, { min: 0, max: 1 }, where);
  assertBoolean('terminal', c.terminal, where);
  return c;
}

/** Which second labeller a step's Monte-Carlo label must agree with to be kept. */
export type ConsensusLabeller = 'none' | 'checkSteps' | 'judge';

/** Knobs of {@link monteCarloStepLabels}. */
export interface MonteCarloLabelConfig {
  /**
   * Rollouts N completed from each step prefix.
   * @default 8 (Wang et al. 2024, Math-Shepherd, sec. 4.1: N = 8)
   */
  readonly rolloutsPerStep: number;
  /**
   * Maximum tokens of one rollout.
   * @default 256
   */
  readonly maxTokens: number;
  /**
   * Sampling temperature of the rollouts. At 1 the soft estimate is an unbiased estimate of the
   * policy's own probability of finishing correctly from the prefix (its value).
   * @default 1
   */
  readonly temperature: number;
  /**
   * Seed of the rollouts' sampling call.
   * @default 0
   */
  readonly seed: number;
  /**
   * A prefix whose text already states an answer (`task.parseAnswer` finds one) is labelled by
   * verifying it, with no rollouts: the prefix is its own, only, completion.
   * @default true
   */
  readonly verifyAnsweredPrefixes: boolean;
  /**
   * Consensus filter: keep only steps whose Monte-Carlo label agrees with a second labeller, the
   * task's per-step checker (`'checkSteps'`) or a judge callback (`'judge'`, e.g. the policy asked
   * to rate its own steps). `'none'` keeps every step.
   * @default 'none'
   */
  readonly consensus: ConsensusLabeller;
  /**
   * Which estimate is the step's label for the consensus filter: `'hard'` (any rollout correct;
   * Math-Shepherd's default) or `'soft'` (fraction correct, read as correct when >= 0.5).
   * @default 'hard'
   */
  readonly consensusEstimate: 'hard' | 'soft';
}

/** Defaults of {@link MonteCarloLabelConfig}. */
export const defaultMonteCarloLabelConfig: MonteCarloLabelConfig = Object.freeze({
  rolloutsPerStep: 8,
  maxTokens: 256,
  temperature: 1,
  seed: 0,
  verifyAnsweredPrefixes: true,
  consensus: 'none',
  consensusEstimate: 'hard',
});

/** Merges `options` over the defaults and validates every field. */
export function resolveMonteCarloLabelConfig(
  options?: Partial<MonteCarloLabelConfig>,
): MonteCarloLabelConfig {
  const where = 'monteCarloStepLabels';
  const c = mergeConfig(defaultMonteCarloLabelConfig, options, where);
  assertInteger('rolloutsPerStep', c.rolloutsPerStep, { min: 1 }, where);
  assertInteger('maxTokens', c.maxTokens, { min: 1 }, where);
  assertNumber('temperature', c.temperature, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0, max: Number.MAX_SAFE_INTEGER }, where);
  assertBoolean('verifyAnsweredPrefixes', c.verifyAnsweredPrefixes, where);
  assertOneOf('consensus', c.consensus, ['none', 'checkSteps', 'judge'], where);
  assertOneOf('consensusEstimate', c.consensusEstimate, ['hard', 'soft'], where);
  return c;
}

/** Knobs of {@link formatReward}. */
export interface FormatRewardConfig {
  /**
   * Reward when the completion parses to an answer (`task.parseAnswer` is not null).
   * @default 0.1 (TinyZero's countdown reward, `format_score = 0.1`)
   */
  readonly bonus: number;
  /**
   * Reward when it does not.
   * @default 0
   */
  readonly penalty: number;
}

/** Defaults of {@link FormatRewardConfig}. */
export const defaultFormatRewardConfig: FormatRewardConfig = Object.freeze({ bonus: 0.1, penalty: 0 });

/** Merges `options` over the defaults and validates every field. */
export function resolveFormatRewardConfig(options?: Partial<FormatRewardConfig>): FormatRewardConfig {
  const where = 'formatReward';
  const c = mergeConfig(defaultFormatRewardConfig, options, where);
  assertNumber('bonus', c.bonus, {}, where);
  assertNumber('penalty', c.penalty, {}, where);
  return c;
}

/** Knobs of {@link correctnessReward}. */
export interface CorrectnessRewardConfig {
  /**
   * Reward of a verified correct answer.
   * @default 1
   */
  readonly correct: number;
  /**
   * Reward of a wrong or missing answer.
   * @default 0
   */
  readonly wrong: number;
}

/** Defaults of {@link CorrectnessRewardConfig}. */
export const defaultCorrectnessRewardConfig: CorrectnessRewardConfig = Object.freeze({
  correct: 1,
  wrong: 0,
});

/** Merges `options` over the defaults and validates every field. */
export function resolveCorrectnessRewardConfig(
  options?: Partial<CorrectnessRewardConfig>,
): CorrectnessRewardConfig {
  const where = 'correctnessReward';
  const c = mergeConfig(defaultCorrectnessRewardConfig, options, where);
  assertNumber('correct', c.correct, {}, where);
  assertNumber('wrong', c.wrong, {}, where);
  return c;
}

/** Knobs of {@link overlongPenalty}. */
export interface OverlongPenaltyConfig {
  /**
   * L_max: the response length, in tokens, at which the penalty reaches -1.
   * @default 20480 (Yu et al. 2025, DAPO, sec. 3.4: 16384 expected + 4096 cache)
   */
  readonly maxLength: number;
  /**
   * L_cache: the width of the linear ramp below L_max; responses up to L_max - L_cache are free.
   * @default 4096 (DAPO)
   */
  readonly cacheLength: number;
}

/** Defaults of {@link OverlongPenaltyConfig}. */
export const defaultOverlongPenaltyConfig: OverlongPenaltyConfig = Object.freeze({
  maxLength: 20480,
  cacheLength: 4096,
});

/** Merges `options` over the defaults and validates every field. */
export function resolveOverlongPenaltyConfig(
  options?: Partial<OverlongPenaltyConfig>,
): OverlongPenaltyConfig {
  const where = 'overlongPenalty';
  const c = mergeConfig(defaultOverlongPenaltyConfig, options, where);
  assertInteger('maxLength', c.maxLength, { min: 1 }, where);
  assertInteger('cacheLength', c.cacheLength, { min: 1, max: c.maxLength }, where);
  return c;
}
