import { O1labError, type Policy, type Problem, type State, type Task } from '@o1lab/core';
import { requireStepChecker } from '@o1lab/learn-rollout';
import type { PreferencePair } from './pairs.js';

/** Options of {@link firstErrorStepPairs}. */
export interface FirstErrorStepPairOptions {
  /** Completions sampled per problem. @default 4 */
  readonly samplesPerProblem?: number;
  /** Alternative next steps sampled from the prefix of each first error. @default 8 */
  readonly width?: number;
  /** Tokens per completion at most. */
  readonly maxTokens: number;
  /** @default 1 */
  readonly temperature?: number;
  /** @default 0 */
  readonly seed?: number;
}

/** What {@link firstErrorStepPairs} returns. */
export interface FirstErrorStepPairs {
  /** prompt = problem prompt + the correct steps before the error; chosen / rejected = one step each. */
  readonly pairs: PreferencePair[];
  readonly numSamples: number;
  /** Samples the verifier accepted. */
  readonly numCorrect: number;
  /** Wrong samples whose first error got a verified alternative step (one pair each). */
  readonly numRepaired: number;
}

/**
 * Step-level preference pairs at the first error (Step-DPO, Lai et al. 2024): sample completions,
 * find each wrong one's first step that the task's step checker rejects, sample `width`
 * alternatives for that step from the same prefix (one batched `sampleSteps` call for all of them),
 * and pair the accepted alternative (a step that ends the solution must also pass `verify`) closest
 * to the erroneous step (longest common prefix, the first on ties) as chosen against it as rejected. Non-final steps carry the step
 * delimiter, so the pair also teaches where a step ends. Train with `appendEos: false`.
 */
export async function firstErrorStepPairs<D>(
  policy: Policy,
  task: Pick<Task<D>, 'prompt' | 'verify' | 'checkSteps' | 'stepDelimiter'>,
  problems: readonly Problem<D>[],
  options: FirstErrorStepPairOptions,
): Promise<FirstErrorStepPairs> {
  const where = 'firstErrorStepPairs';
  const samplesPerProblem = options.samplesPerProblem ?? 4;
  const width = options.width ?? 8;
  for (const [name, v] of [
    ['samplesPerProblem', samplesPerProblem],
    ['width', width],
    ['maxTokens', options.maxTokens],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new O1labError('INVALID_CONFIG', `${name} must be a positive integer, got ${v}`, { where });
    }
  }
  const checkSteps = requireStepChecker(task, where, 'pair whole completions with pairsFromOutcomes instead');
  const delimiter = task.stepDelimiter;
  const temperature = options.temperature ?? 1;
  const seed = options.seed ?? 0;
  const states: State[] = problems.map((problem) => ({
    problem: problem as Problem,
    prompt: task.prompt(problem),
    steps: [],
  }));
  const sampled = await policy.sampleCompletions(states, {
    n: samplesPerProblem,
    maxTokens: options.maxTokens,
    temperature,
    seed,
  });
  let numCorrect = 0;
  // Per wrong sample: its prefix (the steps before the first error) and the erroneous step.
  const errors: { state: State; rejected: string; last: boolean }[] = [];
  for (const [i, problem] of problems.entries()) {
    for (const s of sampled[i]!) {
      if (task.verify(problem, s.text).correct) {
        numCorrect++;
        continue;
      }
      const steps = s.text.split(delimiter);
      const checks = checkSteps(problem, steps);
      const first = checks.findIndex((c) => !c.correct);
      if (first < 0 || steps[first]!.trim() === '') continue;
      errors.push({
        state: { ...states[i]!, steps: steps.slice(0, first).map((text) => ({ text })) },
        rejected: steps[first]!,
        last: first === steps.length - 1,
      });
    }
  }
  const pairs: PreferencePair[] = [];
  if (errors.length > 0) {
    const alternatives = await policy.sampleSteps(
      errors.map((e) => e.state),
      { n: width, maxTokens: options.maxTokens, temperature, seed: seed + 1, stepDelimiter: delimiter },
    );
    for (const [j, e] of errors.entries()) {
      const problem = e.state.problem as Problem<D>;
      const prefix = e.state.steps.map((x) => x.text);
      // Of the accepted alternatives, the one closest to the error (longest common prefix): the
      // minimal repair, so the pair differs where the step went wrong (`12*5=75` -> `12*5=60`).
      let best: { text: string; ends: boolean; shared: number } | null = null;
      for (const alt of alternatives[j]!) {
        if (alt.finishReason === 'length' || alt.text.trim() === '' || alt.text === e.rejected) continue;
        const ends = alt.finishReason === 'eos';
        const ok = ends
          ? task.verify(problem, [...prefix, alt.text].join(delimiter)).correct
          : checkSteps(problem, [...prefix, alt.text]).at(-1)?.correct === true;
        if (!ok) continue;
        const shared = commonPrefixLength(alt.text, e.rejected);
        if (best === null || shared > best.shared) best = { text: alt.text, ends, shared };
      }
      if (best !== null) {
        pairs.push({
          prompt: e.state.prompt + prefix.map((x) => x + delimiter).join(''),
          chosen: best.ends ? best.text : best.text + delimiter,
          rejected: e.last ? e.rejected : e.rejected + delimiter,
        });
      }
    }
  }
  return {
    pairs,
    numSamples: problems.length * samplesPerProblem,
    numCorrect,
    numRepaired: pairs.length,
  };
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
