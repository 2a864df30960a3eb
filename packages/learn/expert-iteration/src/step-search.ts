import { O1labError, type Policy, type Problem, type State, type Step, type Task } from '@o1lab/core';
import { requireStepChecker } from '@o1lab/learn-rollout';
import type { CandidateFn } from './expert-iteration.js';

/** Options of {@link stepSearchCandidates}. */
export interface StepSearchOptions {
  /** Next-step samples drawn per partial solution and round; the first accepted one is kept. @default 4 */
  readonly width?: number;
  /** Steps per solution at most (the answer step included). @default 8 */
  readonly maxSteps?: number;
}

/**
 * A {@link CandidateFn} that searches instead of sampling whole completions: each candidate grows one
 * step at a time, and of `width` sampled next steps it keeps the first that the task's step checker
 * accepts (a step that ends the completion must make `verify` accept the whole solution). A
 * candidate with no accepted next step, or past `maxSteps` or `maxTokens`, is returned as it stands
 * and fails the filter. All partial candidates of a round go to the policy in one batched
 * `sampleSteps` call, so the prefix cache serves their shared prompts.
 *
 * This is the verifier-guided step-level search of process supervision (one accepted step per
 * position, as in rejection sampling with a process verifier): its solutions keep the policy's own
 * plans but fix the steps it gets wrong, which sampling alone rarely does on the problems where the
 * policy slips.
 */
export function stepSearchCandidates<D>(
  policy: Policy,
  task: Pick<Task<D>, 'verify' | 'checkSteps' | 'stepDelimiter'>,
  options: StepSearchOptions = {},
): CandidateFn<D> {
  const width = options.width ?? 4;
  const maxSteps = options.maxSteps ?? 8;
  const where = 'stepSearchCandidates';
  if (!Number.isInteger(width) || width < 1) {
    throw new O1labError('INVALID_CONFIG', `width must be a positive integer, got ${width}`, { where });
  }
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new O1labError('INVALID_CONFIG', `maxSteps must be a positive integer, got ${maxSteps}`, { where });
  }
  const checkSteps = requireStepChecker(
    task,
    where,
    'use policyCandidates, or a task that defines checkSteps',
  );
  const delimiter = task.stepDelimiter;
  return async (requests, { n, seed, temperature, maxTokens }) => {
    interface Partial {
      readonly request: number;
      readonly slot: number;
      steps: Step[];
      tokens: number;
    }
    const out: string[][] = requests.map(() => new Array<string>(n).fill(''));
    let active: Partial[] = [];
    for (let request = 0; request < requests.length; request++) {
      for (let slot = 0; slot < n; slot++) active.push({ request, slot, steps: [], tokens: 0 });
    }
    const text = (steps: readonly Step[]) => steps.map((s) => s.text).join(delimiter);
    for (let round = 0; round < maxSteps && active.length > 0; round++) {
      const states: State[] = active.map((c) => ({
        problem: requests[c.request]!.problem as Problem,
        prompt: requests[c.request]!.prompt,
        steps: c.steps,
      }));
      const samples = await policy.sampleSteps(states, {
        n: width,
        seed: seed + round * 7919,
        temperature,
        maxTokens,
        stepDelimiter: delimiter,
      });
      const next: Partial[] = [];
      for (let i = 0; i < active.length; i++) {
        const c = active[i]!;
        const problem = requests[c.request]!.problem;
        let accepted = false;
        for (const s of samples[i]!) {
          if (s.finishReason === 'length' || c.tokens + s.tokenIds.length + 1 > maxTokens) continue;
          // An empty step that ends at EOS closes the solution as it stands.
          const steps = s.finishReason === 'eos' && s.text === '' ? c.steps : [...c.steps, { text: s.text }];
          if (s.finishReason === 'eos') {
            if (!task.verify(problem, text(steps)).correct) continue;
            out[c.request]![c.slot] = text(steps);
            accepted = true;
            break;
          }
          const checks = checkSteps(
            problem,
            steps.map((x) => x.text),
          );
          if (checks[checks.length - 1]?.correct !== true) continue;
          c.steps = steps;
          c.tokens += s.tokenIds.length + 1;
          next.push(c);
          accepted = true;
          break;
        }
        if (!accepted) out[c.request]![c.slot] = text(c.steps);
      }
      active = next;
    }
    for (const c of active) out[c.request]![c.slot] = text(c.steps);
    return out;
  };
}
