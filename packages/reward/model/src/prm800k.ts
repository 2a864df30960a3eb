import { invalid, type JsonlReadResult, readJsonl, type Validator, writeJsonl } from '@o1lab/core';
import { type Prm800kConversionConfig, resolvePrm800kConversionConfig } from './config.js';
import type { StepwiseRecord } from './stepwise.js';

/** A human rating of a step: 1 good, 0 neutral (okay but not progress), -1 bad; null when not rated. */
export type Prm800kRating = -1 | 0 | 1 | null;

/** One candidate step shown to a labeller. */
export interface Prm800kCompletion {
  readonly text: string;
  readonly rating: Prm800kRating;
  /** Marked as problematic by the labeller; null in records that did not ask. */
  readonly flagged: boolean | null;
  /** Present on human-written completions (`'human'`). */
  readonly source?: string;
}

/** One step of a labelled solution: the candidates, an optional human rewrite, and which one continued. */
export interface Prm800kStep {
  /** Null when labelling stopped before this step was shown. */
  readonly completions: readonly Prm800kCompletion[] | null;
  readonly human_completion: Prm800kCompletion | null;
  /** Index of the completion the solution continued with; null when none was (see `human_completion`). */
  readonly chosen_completion: number | null;
}

/** The problem of a PRM800K record. Phase-2 records also carry the pre-generated solution that was rated. */
export interface Prm800kQuestion {
  readonly problem: string;
  readonly ground_truth_answer?: string | null;
  readonly ground_truth_solution?: string | null;
  readonly pre_generated_steps?: readonly string[];
  readonly pre_generated_answer?: string | null;
  readonly pre_generated_verifier_score?: number | null;
}

/**
 * A PRM800K record (Lightman et al. 2023, `openai/prm800k`, `phase{1,2}_{train,test}.jsonl`), field
 * names as in the files.
 */
export interface Prm800kRecord {
  readonly labeler: string;
  readonly timestamp: string;
  /** Generation of the policy that wrote the solution (phase 2), null in phase 1. */
  readonly generation: number | null;
  readonly is_quality_control_question: boolean;
  readonly is_initial_screening_question: boolean;
  readonly question: Prm800kQuestion;
  readonly label: {
    readonly steps: readonly Prm800kStep[];
    /** Labelling time in milliseconds. */
    readonly total_time: number;
    /** `'solution'`, `'found_error'`, `'give_up'`, `'bad_problem'`. */
    readonly finish_reason: string;
  };
}

/**
 * Checks the structure of one PRM800K record, field by field (types, rating values, chosen index in
 * range). The record is returned as read, every field kept.
 */
export const validatePrm800kRecord: Validator<Prm800kRecord> = (value) => {
  if (!isObject(value)) return invalid('not an object');
  if (typeof value.labeler !== 'string') return invalid('`labeler` must be a string');
  if (typeof value.timestamp !== 'string') return invalid('`timestamp` must be a string');
  if (value.generation !== null && !Number.isInteger(value.generation)) {
    return invalid('`generation` must be an integer or null');
  }
  for (const key of ['is_quality_control_question', 'is_initial_screening_question'] as const) {
    if (typeof value[key] !== 'boolean') return invalid(`\`${key}\` must be a boolean`);
  }
  const q = value.question;
  if (!isObject(q) || typeof q.problem !== 'string') return invalid('`question.problem` must be a string');
  for (const key of ['ground_truth_answer', 'ground_truth_solution', 'pre_generated_answer'] as const) {
    if (q[key] !== undefined && q[key] !== null && typeof q[key] !== 'string') {
      return invalid(`\`question.${key}\` must be a string or null`);
    }
  }
  if (
    q.pre_generated_steps !== undefined &&
    (!Array.isArray(q.pre_generated_steps) || !q.pre_generated_steps.every((s) => typeof s === 'string'))
  ) {
    return invalid('`question.pre_generated_steps` must be an array of strings');
  }
  const score = q.pre_generated_verifier_score;
  if (score !== undefined && score !== null && typeof score !== 'number') {
    return invalid('`question.pre_generated_verifier_score` must be a number or null');
  }
  const label = value.label;
  if (!isObject(label) || !Array.isArray(label.steps)) return invalid('`label.steps` must be an array');
  if (typeof label.total_time !== 'number') return invalid('`label.total_time` must be a number');
  if (typeof label.finish_reason !== 'string') return invalid('`label.finish_reason` must be a string');
  for (let i = 0; i < label.steps.length; i++) {
    const problem = stepProblem(label.steps[i]);
    if (problem !== null) return invalid(`\`label.steps[${i}]\`: ${problem}`);
  }
  return value as unknown as Prm800kRecord;
};

/**
 * A PRM800K record as stepwise records, the way TRL's `prm800k.py` converts it: the trajectory
 * follows the chosen completion of each step (or the human rewrite, labelled good, when none was
 * chosen) until a step has neither; with `alternatives`, every rated completion that was not chosen
 * ends a record of its own after the trajectory so far. The full trajectory is the last record.
 */
export function prm800kToStepwise(
  record: Prm800kRecord,
  config?: Partial<Prm800kConversionConfig>,
): StepwiseRecord[] {
  const c = resolvePrm800kConversionConfig(config);
  const good = (rating: Prm800kRating) => rating === 1 || (c.neutralIsCorrect && rating === 0);
  const prompt = record.question.problem;
  const out: StepwiseRecord[] = [];
  const steps: string[] = [];
  const labels: boolean[] = [];
  for (const step of record.label.steps) {
    const completions = step.completions ?? [];
    if (c.alternatives) {
      completions.forEach((completion, i) => {
        if (i === step.chosen_completion) return;
        out.push({
          prompt,
          completions: [...steps, completion.text],
          labels: [...labels, good(completion.rating)],
        });
      });
    }
    const chosen = step.chosen_completion === null ? undefined : completions[step.chosen_completion];
    if (chosen !== undefined) {
      steps.push(chosen.text);
      labels.push(good(chosen.rating));
    } else if (step.human_completion !== null) {
      steps.push(step.human_completion.text);
      labels.push(true);
    } else {
      break;
    }
  }
  out.push({ prompt, completions: steps, labels });
  return out;
}

/**
 * A stepwise record as a minimal PRM800K record: one completion per step, rated 1 or -1 and chosen;
 * `finish_reason` is `'found_error'` when a step is labelled bad, else `'solution'`. The labeller and
 * timestamp are what the caller passes.
 */
export function stepwiseToPrm800k(
  record: StepwiseRecord,
  meta: { readonly labeler: string; readonly timestamp: string; readonly groundTruthAnswer?: string },
): Prm800kRecord {
  return {
    labeler: meta.labeler,
    timestamp: meta.timestamp,
    generation: null,
    is_quality_control_question: false,
    is_initial_screening_question: false,
    question: {
      problem: record.prompt,
      ...(meta.groundTruthAnswer === undefined ? {} : { ground_truth_answer: meta.groundTruthAnswer }),
    },
    label: {
      steps: record.completions.map((text, i) => ({
        completions: [{ text, rating: record.labels[i] ? 1 : -1, flagged: false }],
        human_completion: null,
        chosen_completion: 0,
      })),
      total_time: 0,
      finish_reason: record.labels.every((l) => l) ? 'solution' : 'found_error',
    },
  };
}

/** Reads PRM800K JSONL; bad lines come back as `file:line` errors. */
export function readPrm800k(path: string): Promise<JsonlReadResult<Prm800kRecord>> {
  return readJsonl(path, validatePrm800kRecord);
}

/** Writes PRM800K JSONL (atomically). */
export function writePrm800k(path: string, records: Iterable<Prm800kRecord>): Promise<void> {
  return writeJsonl(path, records);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function completionProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  if (typeof value.text !== 'string') return '`text` must be a string';
  if (![-1, 0, 1, null].includes(value.rating as number | null)) return '`rating` must be -1, 0, 1 or null';
  if (value.flagged !== null && typeof value.flagged !== 'boolean')
    return '`flagged` must be a boolean or null';
  if (value.source !== undefined && typeof value.source !== 'string') return '`source` must be a string';
  return null;
}

function stepProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  const { completions, human_completion: human, chosen_completion: chosen } = value;
  if (completions !== null) {
    if (!Array.isArray(completions)) return '`completions` must be an array or null';
    for (let i = 0; i < completions.length; i++) {
      const p = completionProblem(completions[i]);
      if (p !== null) return `\`completions[${i}]\`: ${p}`;
    }
  }
  if (human !== null) {
    const p = completionProblem(human);
    if (p !== null) return `\`human_completion\`: ${p}`;
  }
  if (chosen !== null) {
    const n = Array.isArray(completions) ? completions.length : 0;
    if (!Number.isInteger(chosen) || (chosen as number) < 0 || (chosen as number) >= n) {
      return `\`chosen_completion\` must be null or an index below ${n}, got ${String(chosen)}`;
    }
  }
  return null;
}
