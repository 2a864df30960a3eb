import { O1labError, type Problem, type Task, type Verification } from '@o1lab/core';
import { extractGsm8kAnswer, gsm8kAnswersEqual } from './answers/gsm8k.js';
import { extractBoxedAnswer, mathAnswersEqual, normalizeMathAnswer } from './answers/math.js';
import type { Gsm8kData, MathData } from './datasets.js';

/**
 * GSM8K on user-supplied problems ({@link loadGsm8k}): the completion's final number (after `####`,
 * else after "answer is", else the last number) must equal the problem's answer exactly.
 */
export const gsm8kTask: Task<Gsm8kData> = Object.freeze({
  name: 'gsm8k',
  stepDelimiter: '\n',
  generate(): Problem<Gsm8kData> {
    throw unsupported('gsm8k', 'loadGsm8k(path)');
  },
  prompt(problem: Problem<Gsm8kData>): string {
    return `${problem.question}\nSolve it step by step and end with a line \`#### <number>\`.\n`;
  },
  parseAnswer: extractGsm8kAnswer,
  verify(problem: Problem<Gsm8kData>, text: string): Verification {
    const answer = extractGsm8kAnswer(text);
    if (answer === null) return { correct: false, answer: null, reason: 'no number in the completion' };
    if (problem.answer === undefined) return { correct: false, answer, reason: 'the problem has no answer' };
    if (!gsm8kAnswersEqual(answer, problem.answer)) {
      return { correct: false, answer, reason: `expected ${problem.answer}` };
    }
    return { correct: true, answer };
  },
});

/**
 * MATH on user-supplied problems ({@link loadMath500}): the completion's last `\boxed{}` must be
 * equivalent to the problem's answer under {@link mathAnswersEqual}.
 */
export const mathTask: Task<MathData> = Object.freeze({
  name: 'math',
  stepDelimiter: '\n\n',
  generate(): Problem<MathData> {
    throw unsupported('math', 'loadMath500(path)');
  },
  prompt(problem: Problem<MathData>): string {
    return `${problem.question}\nSolve it step by step and put the final answer in \\boxed{}.\n`;
  },
  parseAnswer(text: string): string | null {
    const boxed = extractBoxedAnswer(text);
    return boxed === null ? null : normalizeMathAnswer(boxed);
  },
  verify(problem: Problem<MathData>, text: string): Verification {
    const boxed = extractBoxedAnswer(text);
    if (boxed === null) return { correct: false, answer: null, reason: 'no \\boxed{} answer' };
    const answer = normalizeMathAnswer(boxed);
    if (problem.answer === undefined) return { correct: false, answer, reason: 'the problem has no answer' };
    if (!mathAnswersEqual(boxed, problem.answer)) {
      return { correct: false, answer, reason: `expected ${problem.answer}` };
    }
    return { correct: true, answer };
  },
});

function unsupported(task: string, loader: string): O1labError {
  return new O1labError('UNSUPPORTED', `the ${task} task cannot generate problems`, {
    where: `${task}Task.generate`,
    hint: `load them from a file with ${loader}`,
  });
}
