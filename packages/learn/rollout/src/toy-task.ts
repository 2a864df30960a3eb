import { O1labError, type Problem, type Rng, type Task } from '@o1lab/core';

/** Data of a {@link digitEchoTask} problem. */
export type DigitEchoData = { readonly digits: string };

/** Characters of the digit-echo prompts and answers (for a `CharTokenizer`). */
export const DIGIT_ECHO_ALPHABET = '0123456789=\n';

/**
 * The smallest verifiable task for learning tests and benchmarks: the prompt is `d1..dn=` and the
 * correct completion repeats the digits. Options: `length` (digits per problem, default 1).
 * `digitEchoScore` gives partial credit (share of leading digits right) as a dense reward.
 */
export const digitEchoTask: Task<DigitEchoData> = {
  name: 'digit-echo',
  stepDelimiter: '\n',
  generate(rng: Rng, options = {}): Problem<DigitEchoData> {
    const length = options.length ?? 1;
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 1) {
      throw new O1labError('INVALID_CONFIG', `\`length\` must be an integer >= 1, got ${String(length)}`, {
        where: 'digitEchoTask.generate',
      });
    }
    let digits = '';
    for (let i = 0; i < length; i++) digits += String(rng.int(10));
    return {
      id: `digit-echo-${digits}`,
      task: 'digit-echo',
      question: `repeat ${digits}`,
      data: { digits },
      answer: digits,
    };
  },
  prompt(problem) {
    return `${problem.data.digits}=`;
  },
  parseAnswer(text) {
    const answer = text.trim();
    return /^[0-9]+$/.test(answer) ? answer : null;
  },
  verify(problem, text) {
    const answer = this.parseAnswer(text);
    if (answer === null) return { correct: false, answer, reason: 'no digits' };
    return answer === problem.data.digits
      ? { correct: true, answer }
      : { correct: false, answer, reason: `expected ${problem.data.digits}` };
  },
  solve(problem) {
    return [problem.data.digits];
  },
};

/** Share of the target digits that the completion reproduces from its start, in [0, 1]. */
export function digitEchoScore(problem: Problem<DigitEchoData>, text: string): number {
  const target = problem.data.digits;
  let right = 0;
  while (right < target.length && text[right] === target[right]) right++;
  return right / target.length;
}

/** Every problem of a given length, in order (10^length problems). */
export function digitEchoProblems(length: number): Problem<DigitEchoData>[] {
  const out: Problem<DigitEchoData>[] = [];
  for (let k = 0; k < 10 ** length; k++) {
    const digits = String(k).padStart(length, '0');
    out.push({
      id: `digit-echo-${digits}`,
      task: 'digit-echo',
      question: `repeat ${digits}`,
      data: { digits },
      answer: digits,
    });
  }
  return out;
}
