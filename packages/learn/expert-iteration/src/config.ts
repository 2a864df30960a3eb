import { assertBoolean, assertInteger, assertNumber, mergeConfig, O1labError } from '@o1lab/core';
import { resolveSftConfig, type SftConfig } from '@o1lab/learn-sft';

/** The published recipes this package implements, as config presets ({@link expertIterationPreset}). */
export type ExpertIterationVariant = 'rest-em' | 'rft' | 'star';

/**
 * Expert iteration: sample (or search) K candidates per problem, keep the ones the verifier or
 * reward model accepts, fine-tune on them, repeat.
 */
export interface ExpertIterationConfig {
  /** Rounds of E-step (generate and filter) + M-step (fine-tune). @default 3 (ReST-EM, Singh et al. 2023) */
  readonly numIterations: number;
  /** K: candidates generated per problem in the E-step. @default 32 (ReST-EM on MATH) */
  readonly samplesPerProblem: number;
  /** Kept solutions per problem at most (random subset), so easy problems do not dominate. @default 10 (ReST-EM) */
  readonly maxPerProblem: number;
  /** A candidate is kept when its reward is >= this (1 for a 0/1 verifier). @default 1 */
  readonly rewardThreshold: number;
  /**
   * Fine-tune from the base weights every iteration, on that iteration's data only (ReST-EM;
   * STaR restarts from the base model too); false continues from the last policy.
   * @default true (Singh et al. 2023; Zelikman et al. 2022)
   */
  readonly resetEachIteration: boolean;
  /**
   * Keep only distinct reasoning paths per problem (rejection-sampling fine-tuning, Yuan et al.
   * 2023), by the inputs' `pathKey` (whitespace-free text by default). @default false
   */
  readonly dedupe: boolean;
  /**
   * For problems with no accepted candidate, generate again with the answer hinted in the prompt
   * and keep accepted rationales, trained on without the hint (STaR, Zelikman et al. 2022).
   * Needs `hintPrompt` in the inputs. @default false
   */
  readonly rationalize: boolean;
  /** Candidates per failed problem in the rationalisation pass. @default 1 (STaR: one greedy rationalisation) */
  readonly rationalizationSamples: number;
  /** Sampling temperature of the E-step. @default 1 (ReST-EM) */
  readonly temperature: number;
  /** Tokens per candidate at most. @default 64 */
  readonly maxTokens: number;
  /** The M-step's behaviour-cloning config (its `seed` is offset by the iteration). */
  readonly sft: SftConfig;
  /** Seed of sampling and subsampling. @default 0 */
  readonly seed: number;
}

export const defaultExpertIterationConfig: ExpertIterationConfig = Object.freeze({
  numIterations: 3,
  samplesPerProblem: 32,
  maxPerProblem: 10,
  rewardThreshold: 1,
  resetEachIteration: true,
  dedupe: false,
  rationalize: false,
  rationalizationSamples: 1,
  temperature: 1,
  maxTokens: 64,
  sft: resolveSftConfig(),
  seed: 0,
});

/** Options of a config with the nested SFT config partial too. */
export type ExpertIterationOptions = Partial<Omit<ExpertIterationConfig, 'sft'>> & {
  readonly sft?: Partial<SftConfig>;
};

/**
 * The settings that make each published recipe: ReST-EM (Singh et al. 2023: K samples, at most
 * 10 per problem, fine-tune from the base each iteration), RFT (Yuan et al. 2023: one round,
 * distinct reasoning paths, k = 100 in the paper) and STaR (Zelikman et al. 2022: rationalise the
 * failures with the answer as a hint, restart from the base).
 */
export function expertIterationPreset(variant: ExpertIterationVariant): ExpertIterationOptions {
  switch (variant) {
    case 'rest-em':
      return { resetEachIteration: true, maxPerProblem: 10, dedupe: false, rationalize: false };
    case 'rft':
      return { numIterations: 1, dedupe: true, maxPerProblem: Number.MAX_SAFE_INTEGER, rationalize: false };
    case 'star':
      return { resetEachIteration: true, rationalize: true, dedupe: false };
    default:
      throw new O1labError('INVALID_CONFIG', `unknown variant \`${String(variant)}\``, {
        where: 'expertIterationPreset',
        hint: "use 'rest-em', 'rft' or 'star'",
      });
  }
}

/** Merges `options` over {@link defaultExpertIterationConfig} and validates every field. */
export function resolveExpertIterationConfig(options: ExpertIterationOptions = {}): ExpertIterationConfig {
  const where = 'ExpertIterationConfig';
  const { sft, ...rest } = options;
  const c = mergeConfig(
    defaultExpertIterationConfig as Omit<ExpertIterationConfig, 'sft'> & { sft: SftConfig },
    rest as Partial<ExpertIterationConfig>,
    where,
  );
  assertInteger('numIterations', c.numIterations, { min: 1 }, where);
  assertInteger('samplesPerProblem', c.samplesPerProblem, { min: 1 }, where);
  assertInteger('maxPerProblem', c.maxPerProblem, { min: 1 }, where);
  assertNumber('rewardThreshold', c.rewardThreshold, {}, where);
  assertBoolean('resetEachIteration', c.resetEachIteration, where);
  assertBoolean('dedupe', c.dedupe, where);
  assertBoolean('rationalize', c.rationalize, where);
  assertInteger('rationalizationSamples', c.rationalizationSamples, { min: 1 }, where);
  assertNumber('temperature', c.temperature, { min: 0 }, where);
  assertInteger('maxTokens', c.maxTokens, { min: 1 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  return Object.freeze({ ...c, sft: resolveSftConfig(sft ?? {}) });
}
