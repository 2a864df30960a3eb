import type { Json, Task } from '@o1lab/core';
import { readReferenceJson } from '@o1lab/reference';
import { describe, expect, it } from 'vitest';
import { getTask } from './registry.js';

interface VerifyCase {
  readonly task: string;
  readonly data: Json;
  readonly text: string;
  readonly correct: boolean;
  readonly why: string;
}

interface StepsCase {
  readonly task: string;
  readonly data: Json;
  readonly steps: readonly string[];
  readonly correct: readonly boolean[];
  readonly why: string;
}

interface VerifierTruth {
  readonly verify: readonly VerifyCase[];
  readonly steps: readonly StepsCase[];
}

const truth = readReferenceJson<VerifierTruth>('tasks-verifier-truth.json');

function problemOf(task: string, data: Json) {
  return { id: `${task}-truth`, task, question: '', data };
}

describe('reference/data/tasks-verifier-truth.json', () => {
  it('has cases for every synthetic task, valid and invalid', () => {
    for (const task of ['countdown', 'game24', 'arithmetic']) {
      const cases = truth.verify.filter((c) => c.task === task);
      expect(cases.some((c) => c.correct)).toBe(true);
      expect(cases.some((c) => !c.correct)).toBe(true);
    }
  });

  it.each(truth.verify.map((c, i) => [i, c.task, c.why, c] as const))(
    'verify case %i (%s: %s)',
    (_i, _task, _why, c) => {
      const task: Task = getTask(c.task);
      const result = task.verify(problemOf(c.task, c.data), c.text);
      expect(result.correct, result.reason).toBe(c.correct);
      if (!c.correct) expect(result.reason).toBeTypeOf('string');
    },
  );

  it.each(truth.steps.map((c, i) => [i, c.task, c.why, c] as const))(
    'checkSteps case %i (%s: %s)',
    (_i, _task, _why, c) => {
      const task: Task = getTask(c.task);
      const checks = task.checkSteps!(problemOf(c.task, c.data), c.steps);
      expect(checks.map((s) => s.correct)).toEqual(c.correct);
    },
  );
});
