import { invalid, readJsonlStrict, type ValidationFailure, type Validator, writeJsonl } from '@o1lab/core';
import type { PromptCompletion } from '@o1lab/model';

/**
 * Validates one TRL prompt/completion record (`{"prompt": "...", "completion": "..."}`); extra
 * fields are kept.
 */
export const validatePromptCompletion: Validator<PromptCompletion> = (
  value: unknown,
): PromptCompletion | ValidationFailure => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return invalid('expected an object with string fields `prompt` and `completion`');
  const r = value as Record<string, unknown>;
  if (typeof r.prompt !== 'string') return invalid('`prompt` must be a string');
  if (typeof r.completion !== 'string') return invalid('`completion` must be a string');
  return r as unknown as PromptCompletion;
};

/** Reads a prompt/completion JSONL file (TRL's standard prompt-completion format); any bad line throws. */
export function readSftDataset(path: string): Promise<PromptCompletion[]> {
  return readJsonlStrict(path, validatePromptCompletion);
}

/** Writes pairs as prompt/completion JSONL, atomically. */
export function writeSftDataset(path: string, pairs: Iterable<PromptCompletion>): Promise<void> {
  return writeJsonl(path, pairs);
}
