import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonl } from '@o1lab/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mathShepherdToStepwise,
  readMathShepherd,
  stepwiseToMathShepherd,
  validateMathShepherdRecord,
  writeMathShepherd,
} from './math-shepherd.js';
import {
  prm800kToStepwise,
  readPrm800k,
  stepwiseToPrm800k,
  validatePrm800kRecord,
  writePrm800k,
} from './prm800k.js';
import { readStepwise, type StepwiseRecord, stepwiseFromScores, writeStepwise } from './stepwise.js';
import { sharedDataDir } from './test-fixtures.js';

const shared = sharedDataDir();
if (shared === null)
  console.log('skipping the PRM800K / Math-Shepherd sample tests: no ../shared/data beside this repository');
const prm800kPath = shared === null ? '' : join(shared, 'prm-formats', 'prm800k-sample.jsonl');
const mathShepherdPath = shared === null ? '' : join(shared, 'prm-formats', 'math-shepherd-sample.jsonl');

/** SHA-256 of the compact JSON (what Python's json.dumps(..., ensure_ascii=False, separators=(',', ':')) writes). */
const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'o1lab-reward-formats-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(shared === null)('PRM800K sample (openreasoner/openr preprocess/tests)', () => {
  it('loads every record with every field exactly as in the file', async () => {
    const { records, errors } = await readPrm800k(prm800kPath);
    expect(errors).toEqual([]);
    const raw = (await readFile(prm800kPath, 'utf8'))
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(6);
    expect(records).toEqual(raw);
  });

  it('reads the known values of the sample', async () => {
    const { records } = await readPrm800k(prm800kPath);
    const [r0, r1, , , r4, r5] = records;
    expect(r0!.question.ground_truth_answer).toBe('29');
    expect(r0!.generation).toBeNull();
    expect(r0!.label).toMatchObject({ total_time: 293250, finish_reason: 'solution' });
    expect(r0!.label.steps).toHaveLength(6);
    expect(r0!.label.steps[1]!.chosen_completion).toBeNull();
    expect(r0!.label.steps[1]!.completions!.map((c) => c.rating)).toEqual([-1, -1, -1, -1, -1]);
    expect(r0!.label.steps[1]!.human_completion).toEqual({
      text: 'We have $3p+e=1.24$ and $5p+e=1.82$.',
      rating: null,
      source: 'human',
      flagged: false,
    });
    expect(r1!.generation).toBe(6);
    expect(r1!.label.finish_reason).toBe('found_error');
    expect(r1!.question.pre_generated_answer).toBe('7200');
    expect(r1!.question.pre_generated_verifier_score).toBe(0.0011546110201324836);
    expect(r1!.question.pre_generated_steps).toHaveLength(13);
    expect(r1!.label.steps[0]!.completions![0]!.flagged).toBeNull();
    expect(r4!.label.finish_reason).toBe('give_up');
    expect(r4!.label.steps.at(-1)).toEqual({
      completions: null,
      human_completion: null,
      chosen_completion: null,
    });
    expect(r5!.generation).toBe(-1);
    expect(r5!.question.ground_truth_answer).toBeNull();
  });

  it("converts to TRL's stepwise records exactly as TRL's prm800k.py does", async () => {
    const { records } = await readPrm800k(prm800kPath);
    const converted = records.map((r) => prm800kToStepwise(r));
    expect(converted.map((c) => c.length)).toEqual([10, 5, 7, 7, 7, 1]);
    expect(converted.map((c) => c.at(-1)!.completions.length)).toEqual([6, 6, 5, 7, 8, 12]);
    expect(converted[1]!.at(-1)!.labels).toEqual([true, false, true, true, true, true]);
    expect(converted.map((c) => c.slice(0, -1).filter((r) => r.labels.at(-1)).length)).toEqual([
      3, 3, 5, 3, 0, 0,
    ]);
    // Digest of TRL's own process_example over the sample (computed once with the Python script).
    expect(digest(converted)).toBe('4010033131f5894df4a09f7075db29386156399740c66b21ccbd34e7a1ee95d2');
  });

  it('keeps only the chosen trajectory without alternatives, and can count neutral steps as good', async () => {
    const { records } = await readPrm800k(prm800kPath);
    const only = prm800kToStepwise(records[1]!, { alternatives: false });
    expect(only).toHaveLength(1);
    expect(
      prm800kToStepwise(records[1]!, { alternatives: false, neutralIsCorrect: true })[0]!.labels,
    ).toEqual([true, true, true, true, true, true]);
  });
});

describe.skipIf(shared === null)('Math-Shepherd sample (openreasoner/openr preprocess/tests)', () => {
  it('loads every record with every field exactly as in the file', async () => {
    const { records, errors } = await readMathShepherd(mathShepherdPath);
    expect(errors).toEqual([]);
    const raw = (await readFile(mathShepherdPath, 'utf8'))
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l));
    expect(records).toEqual(raw);
    expect(records.map((r) => r.task)).toEqual(Array(7).fill('GSM8K'));
  });

  it("converts to stepwise records as TRL's math_shepherd.py does, and back byte for byte", async () => {
    const { records } = await readMathShepherd(mathShepherdPath);
    const stepwise = records.map(mathShepherdToStepwise);
    expect(stepwise.map((s) => s.labels.map((l) => (l ? '+' : '-')).join(''))).toEqual([
      '++++-',
      '---',
      '--',
      '-----',
      '+----',
      '--',
      '---',
    ]);
    expect(stepwise[0]!.prompt.endsWith('clarinet lessons in a year?')).toBe(true);
    expect(stepwise[0]!.completions[0]!.startsWith('Step 1: Janet spends 3 hours + 5 hours')).toBe(true);
    expect(stepwise[0]!.completions[4]).toBe(
      'Step 5: She spends 260 * 52 = <<260*52=13520>>13520 on music lessons in a year. The answer is: 13520',
    );
    expect(digest(stepwise)).toBe('5c5b54b459c09e3d184cc0736c50ba29aab2b790c3c2a920cf5da88b29ddd3fc');
    expect(stepwise.map((s, i) => stepwiseToMathShepherd(s, records[i]!.task))).toEqual(records);
  });

  it('round-trips through files: Math-Shepherd -> stepwise JSONL -> PRM800K -> stepwise', async () => {
    const { records } = await readMathShepherd(mathShepherdPath);
    const stepwise = records.map(mathShepherdToStepwise);
    const swPath = join(dir, 'stepwise.jsonl');
    await writeStepwise(swPath, stepwise);
    const back = await readStepwise(swPath);
    expect(back.errors).toEqual([]);
    expect(back.records).toEqual(stepwise);
    const prm = back.records.map((r) =>
      stepwiseToPrm800k(r, { labeler: 'mc', timestamp: '2026-01-01T00:00:00' }),
    );
    const prmPath = join(dir, 'prm800k.jsonl');
    await writePrm800k(prmPath, prm);
    const reread = await readPrm800k(prmPath);
    expect(reread.errors).toEqual([]);
    expect(reread.records[0]!.label.finish_reason).toBe('found_error');
    expect(reread.records.map((r) => prm800kToStepwise(r, { alternatives: false })[0])).toEqual(stepwise);
    const msPath = join(dir, 'ms.jsonl');
    await writeMathShepherd(msPath, records);
    expect((await readMathShepherd(msPath)).records).toEqual(records);
  });
});

describe('format validators', () => {
  it('report bad lines as file:line with the reason and keep the good ones', async () => {
    const path = join(dir, 'bad.jsonl');
    const good: StepwiseRecord = { prompt: 'p', completions: ['a', 'b'], labels: [true, false] };
    await writeFile(
      path,
      [
        JSON.stringify(good),
        '{"prompt": "p", "completions": ["a"], "labels": [true, false]}',
        '{"prompt": 3, "completions": [], "labels": []}',
        'not json',
        '{"prompt": "p", "completions": ["a"], "labels": ["yes"]}',
      ].join('\n'),
    );
    const { records, errors } = await readStepwise(path);
    expect(records).toEqual([good]);
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [2, '1 completions but 2 labels'],
      [3, '`prompt` must be a string'],
      [4, expect.stringMatching(/^not JSON/)],
      [5, '`labels` must be an array of booleans'],
    ]);
    expect(errors[0]!.file).toBe(path);
  });

  it('reject a Math-Shepherd label that does not line up with its input', () => {
    const input = 'Q? Step 1: a ки\nStep 2: b ки';
    expect(validateMathShepherdRecord({ input, label: 'Q? Step 1: a +\nStep 2: b -', task: 'x' })).toEqual({
      input,
      label: 'Q? Step 1: a +\nStep 2: b -',
      task: 'x',
    });
    expect(validateMathShepherdRecord({ input, label: 'Q? Step 1: a *\nStep 2: b -', task: 'x' })).toEqual({
      invalid: "step 1 is labelled '*', expected + or -",
    });
    expect(validateMathShepherdRecord({ input, label: 'Q? Step 1: z +\nStep 2: b -', task: 'x' })).toEqual({
      invalid: '`label` differs from `input` before step tag 1',
    });
    expect(validateMathShepherdRecord({ input: 'no tags', label: 'no tags', task: 'x' })).toEqual({
      invalid: "`input` has no step tag 'ки'",
    });
    expect(() =>
      mathShepherdToStepwise({ input: 'no question ки', label: 'no question +', task: 'x' }),
    ).toThrow(/cannot find where the question ends/);
    expect(() => stepwiseToMathShepherd({ prompt: 'q', completions: ['a ки'], labels: [true] })).toThrow(
      /step contains the step tag/,
    );
  });

  it('reject PRM800K records with bad ratings or chosen indices, naming the field', () => {
    const record = stepwiseToPrm800k(
      { prompt: 'p', completions: ['a'], labels: [true] },
      { labeler: 'x', timestamp: 't', groundTruthAnswer: '1' },
    );
    expect(validatePrm800kRecord(record)).toBe(record);
    const badRating = JSON.parse(JSON.stringify(record));
    badRating.label.steps[0].completions[0].rating = 2;
    expect(validatePrm800kRecord(badRating)).toEqual({
      invalid: '`label.steps[0]`: `completions[0]`: `rating` must be -1, 0, 1 or null',
    });
    const badChosen = JSON.parse(JSON.stringify(record));
    badChosen.label.steps[0].chosen_completion = 1;
    expect(validatePrm800kRecord(badChosen)).toEqual({
      invalid: '`label.steps[0]`: `chosen_completion` must be null or an index below 1, got 1',
    });
    expect(parseJsonl('{"labeler": 1}', validatePrm800kRecord, 'x.jsonl').errors[0]).toEqual({
      file: 'x.jsonl',
      line: 1,
      reason: '`labeler` must be a string',
    });
  });

  it('thresholds soft scores into stepwise labels', () => {
    expect(stepwiseFromScores('p', ['a', 'b', 'c'], [0.9, 0.5, 0.1])).toEqual({
      prompt: 'p',
      completions: ['a', 'b', 'c'],
      labels: [true, true, false],
    });
    expect(() => stepwiseFromScores('p', ['a'], [])).toThrow(/1 steps but 0 scores/);
  });
});
