import { O1labError, type Problem, type Task } from '@o1lab/core';
import {
  type CorrectnessRewardConfig,
  type FormatRewardConfig,
  type OverlongPenaltyConfig,
  resolveCorrectnessRewardConfig,
  resolveFormatRewardConfig,
  resolveOverlongPenaltyConfig,
} from './config.js';

/** What a reward term scores: one finished completion of a problem. */
export interface RewardInput<D = unknown> {
  readonly problem: Problem<D>;
  /** The completion text (the solution, without the prompt). */
  readonly text: string;
  /** Length of the completion in tokens (for length terms). */
  readonly numTokens: number;
}

/** One named additive part of a reward. */
export interface RewardTerm<D = unknown> {
  /** Unique within a composed reward; keys the breakdown. */
  readonly name: string;
  score(input: RewardInput<D>): number;
}

/** A composed reward's value and what each term gave. */
export interface RewardBreakdown {
  readonly total: number;
  /** Term name -> its value. */
  readonly parts: Readonly<Record<string, number>>;
}

/** A reward made of terms; see {@link composeRewards}. */
export interface ComposedReward<D = unknown> {
  readonly names: readonly string[];
  score(input: RewardInput<D>): RewardBreakdown;
  scoreBatch(inputs: readonly RewardInput<D>[]): RewardBreakdown[];
}

/**
 * Sums reward terms: R = sum_i term_i. Each term keeps its own scale (set it in the term's config),
 * and the breakdown reports every part so that logs show which one moved.
 */
export function composeRewards<D>(terms: readonly RewardTerm<D>[]): ComposedReward<D> {
  if (terms.length === 0) {
    throw new O1labError('INVALID_INPUT', 'composeRewards needs at least one term', {
      where: 'composeRewards',
    });
  }
  const names = terms.map((t) => t.name);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new O1labError('INVALID_INPUT', `two reward terms are named '${name}'`, {
        where: 'composeRewards',
        hint: 'give each term a unique name',
      });
    }
    seen.add(name);
  }
  const score = (input: RewardInput<D>): RewardBreakdown => {
    const parts: Record<string, number> = {};
    let total = 0;
    for (const term of terms) {
      const v = term.score(input);
      if (!Number.isFinite(v)) {
        throw new O1labError('INVALID_INPUT', `reward term '${term.name}' gave ${v}`, {
          where: 'composeRewards',
        });
      }
      parts[term.name] = v;
      total += v;
    }
    return { total, parts };
  };
  return { names, score, scoreBatch: (inputs) => inputs.map(score) };
}

/** The verifier's outcome reward: `correct` when `task.verify` accepts the answer, else `wrong`. */
export function correctnessReward<D>(
  task: Task<D>,
  config?: Partial<CorrectnessRewardConfig>,
): RewardTerm<D> {
  const c = resolveCorrectnessRewardConfig(config);
  return {
    name: 'correctness',
    score: ({ problem, text }) => (task.verify(problem, text).correct ? c.correct : c.wrong),
  };
}

/**
 * Format reward: `bonus` when the completion parses to an answer at all (right or wrong), else
 * `penalty`. Rewards the output format separately from correctness, as DeepSeek-R1's format reward
 * and TinyZero's `format_score` do.
 */
export function formatReward<D>(task: Task<D>, config?: Partial<FormatRewardConfig>): RewardTerm<D> {
  const c = resolveFormatRewardConfig(config);
  return { name: 'format', score: ({ text }) => (task.parseAnswer(text) !== null ? c.bonus : c.penalty) };
}

/**
 * DAPO's soft overlong punishment (Yu et al. 2025, eq. 13), with L = `numTokens`:
 *
 *   0                                 if L <= L_max - L_cache
 *   ((L_max - L_cache) - L) / L_cache  if L_max - L_cache < L <= L_max
 *   -1                                if L > L_max
 */
export function overlongPenalty(config?: Partial<OverlongPenaltyConfig>): RewardTerm {
  const c = resolveOverlongPenaltyConfig(config);
  return { name: 'overlong', score: ({ numTokens }) => overlongPenaltyValue(numTokens, c) };
}

/** The value of {@link overlongPenalty} for a response of `length` tokens. */
export function overlongPenaltyValue(length: number, config: OverlongPenaltyConfig): number {
  if (!Number.isFinite(length) || length < 0) {
    throw new O1labError('INVALID_INPUT', `length must be a finite number >= 0, got ${length}`, {
      where: 'overlongPenalty',
    });
  }
  const free = config.maxLength - config.cacheLength;
  if (length <= free) return 0;
  if (length <= config.maxLength) return (free - length) / config.cacheLength;
  return -1;
}
