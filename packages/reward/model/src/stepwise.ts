import { invalid, type JsonlReadResult, readJsonl, type Validator, writeJsonl } from '@o1lab/core';

/**
 * TRL's stepwise-supervision record (`PRMTrainer`): a prompt, the solution's steps, and one label
 * per step (`true` = the step is good). The common form all converters go through.
 */
export interface StepwiseRecord {
  readonly prompt: string;
  readonly completions: readonly string[];
  readonly labels: readonly boolean[];
}

/**
 * Checks one stepwise record: `prompt` a string, `completions` strings, `labels` booleans, as many
 * labels as completions. Extra fields (other dataset columns) are dropped.
 */
export const validateStepwiseRecord: Validator<StepwiseRecord> = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('not an object');
  const r = value as Record<string, unknown>;
  if (typeof r.prompt !== 'string') return invalid('`prompt` must be a string');
  if (!Array.isArray(r.completions) || !r.completions.every((c) => typeof c === 'string')) {
    return invalid('`completions` must be an array of strings');
  }
  if (!Array.isArray(r.labels) || !r.labels.every((l) => typeof l === 'boolean')) {
    return invalid('`labels` must be an array of booleans');
  }
  if (r.labels.length !== r.completions.length) {
    return invalid(`${r.completions.length} completions but ${r.labels.length} labels`);
  }
  return { prompt: r.prompt, completions: r.completions as string[], labels: r.labels as boolean[] };
};

/** Reads TRL stepwise-supervision JSONL; bad lines come back as `file:line` errors. */
export function readStepwise(path: string): Promise<JsonlReadResult<StepwiseRecord>> {
  return readJsonl(path, validateStepwiseRecord);
}

/** Writes TRL stepwise-supervision JSONL (atomically). */
export function writeStepwise(path: string, records: Iterable<StepwiseRecord>): Promise<void> {
  return writeJsonl(path, records);
}

/**
 * A stepwise record from per-step scores (soft labels such as Monte-Carlo estimates): a step is
 * labelled good when its score is >= `threshold`.
 */
export function stepwiseFromScores(
  prompt: string,
  steps: readonly string[],
  scores: readonly number[],
  threshold = 0.5,
): StepwiseRecord {
  if (scores.length !== steps.length) {
    throw new RangeError(`stepwiseFromScores: ${steps.length} steps but ${scores.length} scores`);
  }
  return { prompt, completions: [...steps], labels: scores.map((s) => s >= threshold) };
}
