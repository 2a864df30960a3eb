import {
  type ComputeSnapshot,
  diffCompute,
  O1labError,
  type Policy,
  type State,
  type Task,
} from '@o1lab/core';
import { type MonteCarloLabelConfig, resolveMonteCarloLabelConfig } from './config.js';
import { stepPrefixes } from './potential.js';

/**
 * A second opinion on each step of each solution (`true` = the step is good), for the consensus
 * filter: e.g. the policy asked to judge its own steps. Returns `[solutions.length][numSteps]`.
 */
export type StepJudge = (solutions: readonly State[]) => Promise<readonly (readonly boolean[])[]>;

/** What {@link monteCarloStepLabels} needs: the policy that completes rollouts and the task that verifies them. */
export interface MonteCarloLabelContext<D = unknown> {
  readonly policy: Policy;
  readonly task: Task<D>;
  /** Required when `consensus` is `'judge'`. */
  readonly judge?: StepJudge;
}

/** The label of one step (of the prefix ending with it). */
export interface StepLabel {
  /** 1 if any rollout from the prefix reached a correct answer, else 0 (Math-Shepherd eq. 3). */
  readonly hard: number;
  /** Fraction of the rollouts that reached a correct answer (Math-Shepherd eq. 4). */
  readonly soft: number;
  /** Verified outcome of each rollout, in sampling order (one entry when the prefix was verified directly). */
  readonly rollouts: readonly boolean[];
  /** The prefix already stated an answer and was verified without rollouts. */
  readonly verifiedDirectly: boolean;
  /** The second labeller's verdict, or null when `consensus` is `'none'`. */
  readonly secondOpinion: boolean | null;
  /** Whether the consensus filter keeps the step (always true when `consensus` is `'none'`). */
  readonly keep: boolean;
}

/** Result of {@link monteCarloStepLabels}. */
export interface MonteCarloLabels {
  /** `[solutions.length][numSteps]`. */
  readonly labels: readonly (readonly StepLabel[])[];
  /** Rollouts sampled (the policy's `samples` counter grows by this much). */
  readonly numRollouts: number;
  /** What the policy spent on the rollouts (its meter's delta). */
  readonly compute: ComputeSnapshot;
  readonly config: MonteCarloLabelConfig;
}

/**
 * Outcome -> process rewards by Monte-Carlo rollouts (Wang et al. 2024, Math-Shepherd, sec. 3.3):
 * the label of step k of a solution is estimated by completing the prefix s_1..s_k N times with
 * the policy and verifying each completion's final answer.
 *
 * All prefixes of all solutions are completed in ONE batched `sampleCompletions` call with
 * n = `rolloutsPerStep`, so a policy with a prefix cache computes each shared prefix once.
 */
export async function monteCarloStepLabels<D>(
  solutions: readonly State<D>[],
  context: MonteCarloLabelContext<D>,
  config?: Partial<MonteCarloLabelConfig>,
): Promise<MonteCarloLabels> {
  const c = resolveMonteCarloLabelConfig(config);
  const { policy, task } = context;
  const where = 'monteCarloStepLabels';
  if (c.consensus === 'judge' && context.judge === undefined) {
    throw new O1labError('INVALID_CONFIG', "`consensus` is 'judge' but the context has no `judge`", {
      where,
      hint: 'pass context.judge, or use consensus checkSteps or none',
    });
  }
  if (c.consensus === 'checkSteps' && task.checkSteps === undefined) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`consensus\` is 'checkSteps' but task ${task.name} has no checkSteps`,
      {
        where,
        hint: "use consensus 'judge' or 'none'",
      },
    );
  }

  // Prefixes: one per step of each solution; those that already state an answer are verified as they are.
  const direct: (boolean | null)[][] = [];
  const toRoll: State<D>[] = [];
  const rollIndex: number[][] = [];
  for (const solution of solutions) {
    if (solution.steps.length === 0) {
      throw new O1labError('INVALID_INPUT', `solution of problem ${solution.problem.id} has no steps`, {
        where,
      });
    }
    const d: (boolean | null)[] = [];
    const r: number[] = [];
    for (const prefix of stepPrefixes(solution, 1)) {
      const text = prefixText(prefix, task.stepDelimiter);
      if (c.verifyAnsweredPrefixes && task.parseAnswer(text) !== null) {
        d.push(task.verify(prefix.problem, text).correct);
        r.push(-1);
      } else {
        d.push(null);
        r.push(toRoll.length);
        toRoll.push(prefix);
      }
    }
    direct.push(d);
    rollIndex.push(r);
  }

  // Rollouts: one batched call over every prefix, N completions each.
  const before = policy.meter.snapshot();
  const samples =
    toRoll.length === 0
      ? []
      : await policy.sampleCompletions(toRoll as readonly State<unknown>[] as readonly State[], {
          n: c.rolloutsPerStep,
          maxTokens: c.maxTokens,
          temperature: c.temperature,
          seed: c.seed,
        });
  const compute = diffCompute(policy.meter.snapshot(), before);
  if (samples.length !== toRoll.length) {
    throw new O1labError(
      'BACKEND_ERROR',
      `policy ${policy.name} returned ${samples.length} sample lists for ${toRoll.length} states`,
      { where },
    );
  }

  // Verification: a rollout is correct when the prefix plus its completion verifies.
  const outcomes = toRoll.map((prefix, i) => {
    const base = prefixText(prefix, task.stepDelimiter);
    const row = samples[i]!;
    if (row.length !== c.rolloutsPerStep) {
      throw new O1labError(
        'BACKEND_ERROR',
        `policy ${policy.name} returned ${row.length} samples for a state, asked for ${c.rolloutsPerStep}`,
        { where },
      );
    }
    return row.map((s) => task.verify(prefix.problem, base + s.text).correct);
  });

  // Consensus: the second labeller's per-step verdicts.
  let second: (readonly boolean[])[] | null = null;
  if (c.consensus === 'checkSteps') {
    second = solutions.map((s) =>
      task.checkSteps!(
        s.problem,
        s.steps.map((step) => step.text),
      ).map((check) => check.correct),
    );
  } else if (c.consensus === 'judge') {
    second = [...(await context.judge!(solutions as readonly State<unknown>[] as readonly State[]))];
  }

  const labels = solutions.map((solution, i) => {
    const opinions = second?.[i];
    if (second !== null && opinions?.length !== solution.steps.length) {
      throw new O1labError(
        'INVALID_INPUT',
        `the ${c.consensus} labeller gave ${opinions?.length ?? 0} verdicts for ${solution.steps.length} steps`,
        { where },
      );
    }
    return solution.steps.map((_, k): StepLabel => {
      const verified = direct[i]![k]!;
      const rollouts = verified === null ? outcomes[rollIndex[i]![k]!]! : [verified];
      let numCorrect = 0;
      for (const ok of rollouts) if (ok) numCorrect++;
      const hard = numCorrect > 0 ? 1 : 0;
      const soft = numCorrect / rollouts.length;
      const label = c.consensusEstimate === 'hard' ? hard === 1 : soft >= 0.5;
      const secondOpinion = opinions === undefined ? null : opinions[k]!;
      return {
        hard,
        soft,
        rollouts,
        verifiedDirectly: verified !== null,
        secondOpinion,
        keep: secondOpinion === null || secondOpinion === label,
      };
    });
  });

  return { labels, numRollouts: toRoll.length * c.rolloutsPerStep, compute, config: c };
}

/** The solution text of a prefix: each step followed by the delimiter (what a completion continues). */
function prefixText(state: Pick<State, 'steps'>, delimiter: string): string {
  let text = '';
  for (const step of state.steps) text += step.text + delimiter;
  return text;
}
