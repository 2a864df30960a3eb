import {
  type ComputeSnapshot,
  diffCompute,
  type Policy,
  type Problem,
  type State,
  type Task,
} from '@o1lab/core';
import { type MonteCarloLabels, monteCarloStepLabels } from '@o1lab/reward-shaping';
import type { RewardExample } from './train-reward-model.js';
import { solutionText } from './verifier-reward-model.js';

/** Options of {@link mcPrmExamples}. */
export interface McPrmExampleOptions {
  /** Solutions sampled per problem (temperature 1). */
  readonly samplesPerProblem: number;
  /** Monte-Carlo rollouts per step prefix (Math-Shepherd's N). */
  readonly rolloutsPerStep: number;
  /** Token limit of a sampled solution and of a rollout. */
  readonly maxTokens: number;
  /** Seed of the sampling call; the rollouts use `seed + 1`. */
  readonly seed: number;
  /** Which Math-Shepherd estimate becomes the step label: `'hard'` (eq. 3) or `'soft'` (eq. 4). */
  readonly labels: 'hard' | 'soft';
  /**
   * Consensus filter (`monteCarloStepLabels`' `consensus`): with `'checkSteps'`, steps whose MC
   * label disagrees with the task's step checker get `stepMask` false. @default 'none'
   */
  readonly consensus?: 'none' | 'checkSteps';
  /**
   * Also label each problem's reference solution (`task.solve`, where the task has a solver), so
   * that the data of a weak policy, whose own samples are nearly all wrong, still holds right steps.
   * @default false
   */
  readonly addReferenceSolutions?: boolean;
}

/**
 * PRM training data by Math-Shepherd's recipe (Wang et al. 2024, sec. 3.3): sample
 * `samplesPerProblem` solutions per problem from `policy`, split each at the task's step delimiter,
 * and label every step with `monteCarloStepLabels` (`rolloutsPerStep` completions of each prefix by
 * the same policy, verified by the task). Each example also carries its outcome (the task's verify
 * of the whole solution), so the same data trains an ORM. `compute` is what the policy spent on
 * sampling and rollouts.
 */
export async function mcPrmExamples(
  policy: Policy,
  task: Task,
  problems: readonly Problem[],
  options: McPrmExampleOptions,
): Promise<{ examples: RewardExample[]; compute: ComputeSnapshot }> {
  const before = policy.meter.snapshot();
  const roots: State[] = problems.map((problem) => ({ problem, prompt: task.prompt(problem), steps: [] }));
  const samples = await policy.sampleCompletions(roots, {
    n: options.samplesPerProblem,
    maxTokens: options.maxTokens,
    temperature: 1,
    seed: options.seed,
  });
  const solutions: State[] = [];
  samples.forEach((row, i) => {
    for (const sample of row) {
      const steps = splitSteps(sample.text, task.stepDelimiter);
      if (steps.length > 0) solutions.push({ ...roots[i]!, steps: steps.map((text) => ({ text })) });
    }
    const reference = options.addReferenceSolutions === true ? task.solve?.(roots[i]!.problem) : null;
    if (reference) solutions.push({ ...roots[i]!, steps: reference.map((text) => ({ text })) });
  });
  const { examples } = await mcStepExamples(policy, task, solutions, { ...options, seed: options.seed + 1 });
  return { examples, compute: diffCompute(policy.meter.snapshot(), before) };
}

/**
 * Labels given solutions (e.g. a solution pool that was not sampled from `policy`) by Monte-Carlo
 * rollouts of `policy`, as {@link mcPrmExamples} does after sampling. Returns the examples and the
 * raw labels (rollout outcomes, consensus verdicts; null when there are no solutions).
 */
export async function mcStepExamples(
  policy: Policy,
  task: Task,
  solutions: readonly State[],
  options: Pick<McPrmExampleOptions, 'rolloutsPerStep' | 'maxTokens' | 'seed' | 'labels' | 'consensus'>,
): Promise<{ examples: RewardExample[]; labels: MonteCarloLabels | null }> {
  const consensus = options.consensus ?? 'none';
  const labels =
    solutions.length === 0
      ? null
      : await monteCarloStepLabels(
          solutions,
          { policy, task },
          {
            rolloutsPerStep: options.rolloutsPerStep,
            maxTokens: options.maxTokens,
            seed: options.seed,
            consensus,
          },
        );
  const examples = solutions.map((s, i): RewardExample => {
    const steps = s.steps.map((step) => step.text);
    const stepLabels = labels!.labels[i]!;
    return {
      problem: s.problem,
      steps,
      stepLabels: stepLabels.map((l) => (options.labels === 'hard' ? l.hard : l.soft)),
      ...(consensus === 'none' ? {} : { stepMask: stepLabels.map((l) => l.keep) }),
      outcome: task.verify(s.problem, solutionText(s, task.stepDelimiter)).correct ? 1 : 0,
    };
  });
  return { examples, labels };
}

/** The non-empty steps of a completion (text between step delimiters). */
export function splitSteps(text: string, stepDelimiter: string): string[] {
  return text.split(stepDelimiter).filter((s) => s.length > 0);
}
