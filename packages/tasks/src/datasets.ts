import { createHash } from 'node:crypto';
import { invalid, type Problem, readJsonlStrict, type Validator } from '@o1lab/core';
import { extractGsm8kAnswer } from './answers/gsm8k.js';

/** One GSM8K problem: the question and its reference solution (ending in `#### N`). */
export type Gsm8kData = {
  readonly question: string;
  readonly solution: string;
};

/** One MATH problem (MATH-500 fields). */
export type MathData = {
  readonly problem: string;
  readonly solution: string;
  readonly subject: string;
  readonly level: string;
  readonly uniqueId: string;
};

/**
 * Loads a GSM8K JSONL file (`question`, `answer` = reference solution ending in `#### N`, as in
 * openai/grade-school-math). Each problem's `answer` is the canonical number after `####`; its id is
 * `gsm8k-` plus a hash of the question, so it does not depend on line order.
 */
export async function loadGsm8k(path: string): Promise<Problem<Gsm8kData>[]> {
  const records = await readJsonlStrict(path, gsm8kRecord);
  return records.map((r) => gsm8kProblem(r.question, r.answer));
}

/** A GSM8K problem from a question and its reference solution. */
export function gsm8kProblem(question: string, solution: string): Problem<Gsm8kData> {
  const answer = extractGsm8kAnswer(solution);
  return {
    id: `gsm8k-${shortHash(question)}`,
    task: 'gsm8k',
    question,
    data: { question, solution },
    ...(answer === null ? {} : { answer }),
  };
}

/**
 * Loads a MATH-500 JSONL file (`problem`, `solution`, `answer`, `subject`, `level`, `unique_id`).
 * The id comes from `unique_id` (`test/precalculus/807.json` -> `math-test-precalculus-807`).
 */
export async function loadMath500(path: string): Promise<Problem<MathData>[]> {
  const records = await readJsonlStrict(path, mathRecord);
  return records.map((r) => ({
    id: `math-${r.unique_id.replace(/\.json$/, '').replace(/[^a-zA-Z0-9]+/g, '-')}`,
    task: 'math',
    question: r.problem,
    data: {
      problem: r.problem,
      solution: r.solution,
      subject: r.subject,
      level: r.level,
      uniqueId: r.unique_id,
    },
    answer: r.answer,
  }));
}

interface Gsm8kRecord {
  readonly question: string;
  readonly answer: string;
}

interface MathRecord {
  readonly problem: string;
  readonly solution: string;
  readonly answer: string;
  readonly subject: string;
  readonly level: string;
  readonly unique_id: string;
}

const gsm8kRecord: Validator<Gsm8kRecord> = (value) =>
  hasStrings(value, ['question', 'answer'])
    ? (value as Gsm8kRecord)
    : invalid('a GSM8K record needs string fields `question` and `answer`');

const mathRecord: Validator<MathRecord> = (value) => {
  if (!hasStrings(value, ['problem', 'answer'])) {
    return invalid('a MATH record needs string fields `problem` and `answer`');
  }
  const v = value as Record<string, unknown>;
  const text = (key: string): string => (typeof v[key] === 'string' ? (v[key] as string) : '');
  const uniqueId = text('unique_id') || `hash-${shortHash(text('problem'))}`;
  return {
    problem: text('problem'),
    solution: text('solution'),
    answer: text('answer'),
    subject: text('subject'),
    level: text('level'),
    unique_id: uniqueId,
  };
};

function hasStrings(value: unknown, keys: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return keys.every((k) => typeof (value as Record<string, unknown>)[k] === 'string');
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
