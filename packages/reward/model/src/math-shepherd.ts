import {
  invalid,
  type JsonlReadResult,
  O1labError,
  readJsonl,
  type Validator,
  writeJsonl,
} from '@o1lab/core';
import type { StepwiseRecord } from './stepwise.js';

/** The step tag of Math-Shepherd's `input`: every step ends with ` ки`. */
export const MATH_SHEPHERD_STEP_TAG = 'ки';

/**
 * A Math-Shepherd record (Wang et al. 2024; `peiyi9979/Math-Shepherd`): `input` is the question,
 * a space, then the steps, each ending in ` ки` and separated by newlines; `label` is the same text
 * with each tag replaced by `+` (the step can still reach the right answer) or `-`.
 */
export interface MathShepherdRecord {
  readonly input: string;
  readonly label: string;
  /** Source dataset, e.g. `'GSM8K'` or `'MATH'`. */
  readonly task: string;
}

/**
 * Checks one Math-Shepherd record: the three string fields, and that `label` is `input` with every
 * step tag replaced by `+` or `-` (so the labels can be read back). Extra fields are dropped.
 */
export const validateMathShepherdRecord: Validator<MathShepherdRecord> = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('not an object');
  const r = value as Record<string, unknown>;
  for (const key of ['input', 'label', 'task'] as const) {
    if (typeof r[key] !== 'string') return invalid(`\`${key}\` must be a string`);
  }
  const record = { input: r.input as string, label: r.label as string, task: r.task as string };
  const problem = alignmentProblem(record);
  return problem === null ? record : invalid(problem);
};

/**
 * A Math-Shepherd record as a stepwise record, the way TRL's `math_shepherd.py` converts it: the
 * prompt is the text before `Step 1:` (or `step 1:`, else up to the first `?`), trimmed; the steps
 * are the tagged segments, trimmed (each keeps its `Step k:` prefix); `+` is true.
 */
export function mathShepherdToStepwise(record: MathShepherdRecord): StepwiseRecord {
  const problem = alignmentProblem(record);
  if (problem !== null) {
    throw new O1labError('INVALID_INPUT', problem, { where: 'mathShepherdToStepwise' });
  }
  const { input, label } = record;
  const tags = tagOffsets(input);
  // Offsets in `label`, where each 2-character tag became one character.
  const labels = tags.map((offset, i) => label[offset - i] === '+');
  const segments: string[] = [];
  let start = 0;
  for (const offset of tags) {
    segments.push(input.slice(start, offset));
    start = offset + MATH_SHEPHERD_STEP_TAG.length;
  }
  const head = segments[0]!;
  let cut = head.indexOf('Step 1:');
  if (cut === -1) cut = head.indexOf('step 1:');
  if (cut === -1) {
    const q = head.indexOf('?');
    if (q === -1) {
      throw new O1labError('INVALID_INPUT', 'cannot find where the question ends (no "Step 1:" and no "?")', {
        where: 'mathShepherdToStepwise',
      });
    }
    cut = q + 1;
  }
  const prompt = head.slice(0, cut).trim();
  const completions = [head.slice(cut), ...segments.slice(1)].map((s) => s.trim());
  return { prompt, completions, labels };
}

/**
 * A stepwise record in Math-Shepherd's layout: `${prompt} ${step_1} ки\n${step_2} ки ...`, with the
 * label text made the same way with `+` / `-`. Inverse of {@link mathShepherdToStepwise} on records
 * in the dataset's layout (byte for byte on the published samples).
 */
export function stepwiseToMathShepherd(record: StepwiseRecord, task = 'unknown'): MathShepherdRecord {
  if (record.completions.length === 0 || record.completions.length !== record.labels.length) {
    throw new O1labError(
      'INVALID_INPUT',
      `need one label per step and at least one step, got ${record.completions.length} steps and ${record.labels.length} labels`,
      { where: 'stepwiseToMathShepherd' },
    );
  }
  for (const step of record.completions) {
    if (step.includes(MATH_SHEPHERD_STEP_TAG)) {
      throw new O1labError('INVALID_INPUT', `a step contains the step tag '${MATH_SHEPHERD_STEP_TAG}'`, {
        where: 'stepwiseToMathShepherd',
      });
    }
  }
  const input = `${record.prompt} ${record.completions.map((s) => `${s} ${MATH_SHEPHERD_STEP_TAG}`).join('\n')}`;
  const label = `${record.prompt} ${record.completions.map((s, i) => `${s} ${record.labels[i] ? '+' : '-'}`).join('\n')}`;
  return { input, label, task };
}

/** Reads Math-Shepherd JSONL; bad lines come back as `file:line` errors. */
export function readMathShepherd(path: string): Promise<JsonlReadResult<MathShepherdRecord>> {
  return readJsonl(path, validateMathShepherdRecord);
}

/** Writes Math-Shepherd JSONL (atomically). */
export function writeMathShepherd(path: string, records: Iterable<MathShepherdRecord>): Promise<void> {
  return writeJsonl(path, records);
}

function tagOffsets(input: string): number[] {
  const out: number[] = [];
  for (
    let i = input.indexOf(MATH_SHEPHERD_STEP_TAG);
    i !== -1;
    i = input.indexOf(MATH_SHEPHERD_STEP_TAG, i + 1)
  ) {
    out.push(i);
  }
  return out;
}

/** Why `label` does not line up with `input`, or null when it does. */
function alignmentProblem(record: MathShepherdRecord): string | null {
  const tags = tagOffsets(record.input);
  if (tags.length === 0) return `\`input\` has no step tag '${MATH_SHEPHERD_STEP_TAG}'`;
  const expectedLength = record.input.length - tags.length * (MATH_SHEPHERD_STEP_TAG.length - 1);
  if (record.label.length !== expectedLength) {
    return `\`label\` has ${record.label.length} characters, expected ${expectedLength} (\`input\` with each tag as + or -)`;
  }
  let prev = 0;
  for (let i = 0; i < tags.length; i++) {
    const offset = tags[i]!;
    const at = offset - i;
    const mark = record.label[at];
    if (mark !== '+' && mark !== '-') return `step ${i + 1} is labelled '${mark}', expected + or -`;
    const from = prev - (i === 0 ? 0 : i);
    if (record.input.slice(prev, offset) !== record.label.slice(from, at)) {
      return `\`label\` differs from \`input\` before step tag ${i + 1}`;
    }
    prev = offset + MATH_SHEPHERD_STEP_TAG.length;
  }
  if (record.input.slice(prev) !== record.label.slice(prev - tags.length)) {
    return '`label` differs from `input` after the last step tag';
  }
  return null;
}
