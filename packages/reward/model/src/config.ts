import {
  assertBoolean,
  assertInteger,
  assertNumber,
  assertOneOf,
  mergeConfig,
  O1labError,
} from '@o1lab/core';

/** Knobs of {@link createVerifierRewardModel}. */
export interface VerifierRewardModelConfig {
  /**
   * What a step score means. `'prefix'`: 1 while every step so far is correct, 0 from the first
   * wrong step on (the PRM target "is the solution good up to and including this step", as in
   * PRM800K, where labelling stops at the first error: Lightman et al. 2023, sec. 2.2). `'step'`: each
   * step's own check, as `task.checkSteps` returns it.
   * @default 'prefix'
   */
  readonly stepLabels: 'prefix' | 'step';
}

/** Defaults of {@link VerifierRewardModelConfig}. */
export const defaultVerifierRewardModelConfig: VerifierRewardModelConfig = Object.freeze({
  stepLabels: 'prefix',
});

/** Merges `options` over the defaults and validates every field. */
export function resolveVerifierRewardModelConfig(
  options?: Partial<VerifierRewardModelConfig>,
): VerifierRewardModelConfig {
  const where = 'createVerifierRewardModel';
  const c = mergeConfig(defaultVerifierRewardModelConfig, options, where);
  assertOneOf('stepLabels', c.stepLabels, ['prefix', 'step'], where);
  return c;
}

/** Knobs of {@link createJudgeRewardModel}. */
export interface JudgeRewardModelConfig {
  /**
   * Judgements sampled per judged state; their values are averaged.
   * @default 3 (Yao et al. 2023, Tree of Thoughts, Game of 24: `n_evaluate_sample` = 3)
   */
  readonly numJudgements: number;
  /**
   * Maximum tokens of one judgement.
   * @default 64
   */
  readonly maxTokens: number;
  /**
   * Sampling temperature of the judgements.
   * @default 0.7 (Tree of Thoughts' sampling temperature)
   */
  readonly temperature: number;
  /**
   * Seed of the judging calls (each call uses it as given, so equal inputs get equal scores).
   * @default 0
   */
  readonly seed: number;
  /**
   * Verdict word -> value. The last verdict word in a judgement (whole word, any case) is its verdict.
   * @default { sure: 1, likely: 0.5, impossible: 0 } (Tree of Thoughts' value prompt words, values rescaled to [0, 1])
   */
  readonly verdicts: Readonly<Record<string, number>>;
  /**
   * Value of a judgement with no verdict word in it (Tree of Thoughts lets it add nothing, i.e. 0).
   * @default 0
   */
  readonly unparsedValue: number;
}

/** Defaults of {@link JudgeRewardModelConfig}. */
export const defaultJudgeRewardModelConfig: JudgeRewardModelConfig = Object.freeze({
  numJudgements: 3,
  maxTokens: 64,
  temperature: 0.7,
  seed: 0,
  verdicts: Object.freeze({ sure: 1, likely: 0.5, impossible: 0 }),
  unparsedValue: 0,
});

/** Merges `options` over the defaults and validates every field. */
export function resolveJudgeRewardModelConfig(
  options?: Partial<JudgeRewardModelConfig>,
): JudgeRewardModelConfig {
  const where = 'createJudgeRewardModel';
  const c = mergeConfig(defaultJudgeRewardModelConfig, options, where);
  assertInteger('numJudgements', c.numJudgements, { min: 1 }, where);
  assertInteger('maxTokens', c.maxTokens, { min: 1 }, where);
  assertNumber('temperature', c.temperature, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0, max: Number.MAX_SAFE_INTEGER }, where);
  assertNumber('unparsedValue', c.unparsedValue, {}, where);
  if (typeof c.verdicts !== 'object' || c.verdicts === null || Object.keys(c.verdicts).length === 0) {
    throw new O1labError('INVALID_CONFIG', '`verdicts` must map at least one verdict word to a value', {
      where,
    });
  }
  for (const [word, value] of Object.entries(c.verdicts)) {
    if (!/^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u.test(word)) {
      throw new O1labError(
        'INVALID_CONFIG',
        `\`verdicts\` word '${word}' must be letters, digits, spaces, _ or -`,
        {
          where,
        },
      );
    }
    assertNumber(`verdicts.${word}`, value, {}, where);
  }
  return Object.freeze({ ...c, verdicts: Object.freeze({ ...c.verdicts }) });
}

/** Knobs of {@link prm800kToStepwise}. */
export interface Prm800kConversionConfig {
  /**
   * Label of a step rated 0 (neutral). TRL's converter keeps only rating 1 as correct.
   * @default false
   */
  readonly neutralIsCorrect: boolean;
  /**
   * Also emit one record per rated alternative that was not chosen (its prefix, then it as the last
   * step), as TRL's `prm800k.py` does; otherwise only the chosen trajectory.
   * @default true
   */
  readonly alternatives: boolean;
}

/** Defaults of {@link Prm800kConversionConfig}. */
export const defaultPrm800kConversionConfig: Prm800kConversionConfig = Object.freeze({
  neutralIsCorrect: false,
  alternatives: true,
});

/** Merges `options` over the defaults and validates every field. */
export function resolvePrm800kConversionConfig(
  options?: Partial<Prm800kConversionConfig>,
): Prm800kConversionConfig {
  const where = 'prm800kToStepwise';
  const c = mergeConfig(defaultPrm800kConversionConfig, options, where);
  assertBoolean('neutralIsCorrect', c.neutralIsCorrect, where);
  assertBoolean('alternatives', c.alternatives, where);
  return c;
}

/** Knobs of {@link bestOfNEvaluation}. */
export interface BestOfNEvaluationConfig {
  /**
   * Subset sizes N to evaluate. Empty: 1, 2, 4, ... up to the smallest pool of samples.
   * @default []
   */
  readonly ns: readonly number[];
  /**
   * Random subsets of size N drawn from each problem's pool per N (the methods share them, so
   * their differences are paired).
   * @default 64
   */
  readonly numTrials: number;
  /**
   * Seed of the subset draws and tie-breaks.
   * @default 0
   */
  readonly seed: number;
  /**
   * Normal quantile of the Wilson intervals.
   * @default 1.96 (95%)
   */
  readonly z: number;
}

/** Defaults of {@link BestOfNEvaluationConfig}. */
export const defaultBestOfNEvaluationConfig: BestOfNEvaluationConfig = Object.freeze({
  ns: Object.freeze([]) as readonly number[],
  numTrials: 64,
  seed: 0,
  z: 1.96,
});

/** Merges `options` over the defaults and validates every field. */
export function resolveBestOfNEvaluationConfig(
  options?: Partial<BestOfNEvaluationConfig>,
): BestOfNEvaluationConfig {
  const where = 'bestOfNEvaluation';
  const c = mergeConfig(defaultBestOfNEvaluationConfig, options, where);
  if (!Array.isArray(c.ns))
    throw new O1labError('INVALID_CONFIG', '`ns` must be an array of integers', { where });
  for (const [i, n] of c.ns.entries()) assertInteger(`ns[${i}]`, n, { min: 1 }, where);
  assertInteger('numTrials', c.numTrials, { min: 1 }, where);
  assertInteger('seed', c.seed, { min: 0, max: Number.MAX_SAFE_INTEGER }, where);
  assertNumber('z', c.z, { gt: 0 }, where);
  return c;
}
