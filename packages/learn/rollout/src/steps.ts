import { O1labError, type Problem, type StepCheck } from '@o1lab/core';
import type { Tokenizer } from '@o1lab/model';
import type { Rollout } from './rollout.js';

/** Dense rewards of a batch of rollouts: per rollout, one number per step of its completion. */
export type StepRewardFn = (rollouts: readonly Rollout[]) => Promise<readonly (readonly number[])[]>;

/**
 * The steps of a sampled completion and the index of each step's last token: a step ends at the
 * token that completes the delimiter (the delimiter belongs to its step); text after the last
 * delimiter is a final step ending at the last token. Special tokens contribute no text.
 */
export function completionSteps(
  tokenIds: readonly number[],
  tokenizer: Tokenizer,
  delimiter: string,
): { readonly steps: string[]; readonly endTokens: number[] } {
  const steps: string[] = [];
  const endTokens: number[] = [];
  let current = '';
  tokenIds.forEach((id, j) => {
    const special = id === tokenizer.bosId || id === tokenizer.eosId || id === tokenizer.padId;
    current += special ? '' : tokenizer.tokenText(id);
    if (current.endsWith(delimiter)) {
      steps.push(current.slice(0, -delimiter.length));
      endTokens.push(j);
      current = '';
    }
  });
  if (current.length > 0 || steps.length === 0) {
    steps.push(current);
    endTokens.push(tokenIds.length - 1);
  }
  return { steps, endTokens };
}

/**
 * The task's step checker bound to the task, or an `INVALID_INPUT` error naming `where` and `hint`
 * when the task has none (step-level learners need one).
 */
export function requireStepChecker<P = Problem>(
  task: { checkSteps?: ((problem: P, steps: readonly string[]) => StepCheck[]) | undefined },
  where: string,
  hint: string,
): (problem: P, steps: readonly string[]) => StepCheck[] {
  const checkSteps = task.checkSteps?.bind(task);
  if (checkSteps === undefined) {
    throw new O1labError('INVALID_INPUT', 'the task has no step checker (`checkSteps`)', { where, hint });
  }
  return checkSteps;
}
