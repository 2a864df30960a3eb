import type { Problem, Sample, StepCheck } from '@o1lab/core';

/**
 * A two-step toy task with a step checker, for step-level learners' tests (step search, step
 * pairs): the solution is `a+b=<sum>` (or `b+a=<sum>`), then `answer: <sum>`.
 */
export interface SumToyData {
  readonly a: number;
  readonly b: number;
}

/** A {@link SumToyData} problem. */
export function sumToyProblem(a: number, b: number): Problem<SumToyData> {
  return { id: `sum-${a}-${b}`, task: 'sum', question: `${a}+${b}`, data: { a, b }, answer: String(a + b) };
}

/** The task's pieces the step-level learners use: prompt, step delimiter, step checker, verifier. */
export const sumToyTask = {
  stepDelimiter: '\n',
  prompt: (p: Problem<SumToyData>): string => `${p.question}\n`,
  checkSteps(p: Problem<SumToyData>, steps: readonly string[]): StepCheck[] {
    const { a, b } = p.data;
    const right = [`${a}+${b}=${a + b}`, `${b}+${a}=${a + b}`, `answer: ${a + b}`];
    return steps.map((s) => ({ correct: right.includes(s) }));
  },
  verify(p: Problem<SumToyData>, text: string): { correct: boolean; answer: string | null } {
    const lines = text.split('\n');
    const correct =
      lines.length === 2 &&
      !lines[0]!.startsWith('answer:') &&
      lines[1]!.startsWith('answer:') &&
      sumToyTask.checkSteps(p, lines).every((c) => c.correct);
    return { correct, answer: lines.at(-1) ?? null };
  },
};

/** A scripted policy's sample: one token per character, logprob -1 each. */
export function scriptedSample(text: string, finishReason: Sample['finishReason']): Sample {
  return {
    text,
    tokenIds: Array.from(text, () => 1),
    tokenLogprobs: Array.from(text, () => -1),
    finishReason,
  };
}
