import type { Json, Policy, Problem, RewardModel, SearchContext, SearchResult, Task } from '@o1lab/core';
import { createRng } from '@o1lab/core';
import { countdownTask } from '@o1lab/tasks';
import { createCountdownSolverPolicy } from './countdown-solver.js';
import { createStepCheckRewardModel, createVerifierRewardModel } from './reward.js';

/** One problem with fresh models: what a search workload runs on. */
export interface WorkloadEnvironment {
  readonly task: Task<Json>;
  readonly problem: Problem<Json>;
  readonly policy: Policy;
  readonly reward: RewardModel | undefined;
  /** The correct answer, where known. */
  readonly answer?: string;
}

/** Totals of a workload run, with the share of wall time spent outside the models. */
export interface SearchWorkloadStats {
  readonly problems: number;
  /** Problems whose returned answer equals the known answer (or verifies). */
  readonly correct: number;
  readonly samples: number;
  readonly generatedTokens: number;
  readonly policyCalls: number;
  readonly rewardCalls: number;
  /** Sum of the searches' wall times. */
  readonly wallTimeMs: number;
  /** Wall time inside policy calls (the policies' meters). */
  readonly policyTimeMs: number;
  /** Wall time inside reward-model calls. */
  readonly rewardTimeMs: number;
  /**
   * The searchers' own bookkeeping: (wall - policy - reward time) / wall. With the toy table policy
   * the models are nearly free, so this is an upper bound on the share a real model would see.
   */
  readonly bookkeepingShare: number;
}

/** A searcher as a workload sees it. */
export type WorkloadSearch = (
  problem: Problem<Json>,
  context: SearchContext<Json>,
) => Promise<SearchResult<unknown, unknown>>;

/** Runs `search` on every environment in turn and totals what it spent. */
export async function runSearchWorkload(
  envs: readonly WorkloadEnvironment[],
  search: WorkloadSearch,
): Promise<SearchWorkloadStats> {
  let correct = 0;
  let samples = 0;
  let generatedTokens = 0;
  let policyCalls = 0;
  let rewardCalls = 0;
  let wallTimeMs = 0;
  let policyTimeMs = 0;
  let rewardTimeMs = 0;
  for (const env of envs) {
    const p0 = env.policy.meter.snapshot().wallTimeMs;
    const r0 = env.reward?.meter.snapshot().wallTimeMs ?? 0;
    const context =
      env.reward === undefined
        ? { policy: env.policy, task: env.task }
        : { policy: env.policy, task: env.task, reward: env.reward };
    const result = await search(env.problem, context);
    policyTimeMs += env.policy.meter.snapshot().wallTimeMs - p0;
    rewardTimeMs += (env.reward?.meter.snapshot().wallTimeMs ?? 0) - r0;
    wallTimeMs += result.compute.wallTimeMs;
    samples += result.compute.samples;
    generatedTokens += result.compute.generatedTokens;
    policyCalls += result.compute.policyCalls;
    rewardCalls += result.compute.rewardCalls;
    const ok =
      env.answer !== undefined
        ? result.answer === env.answer
        : env.task.verify(env.problem, result.steps.join(env.task.stepDelimiter)).correct;
    if (ok) correct++;
  }
  const bookkeeping = Math.max(0, wallTimeMs - policyTimeMs - rewardTimeMs);
  return {
    problems: envs.length,
    correct,
    samples,
    generatedTokens,
    policyCalls,
    rewardCalls,
    wallTimeMs,
    policyTimeMs,
    rewardTimeMs,
    bookkeepingShare: wallTimeMs > 0 ? bookkeeping / wallTimeMs : 0,
  };
}

/** Options of {@link createCountdownEnvironments}. */
export interface CountdownEnvironmentOptions {
  /** Seed of the problems (`countdownTask.generate`). @default 0 */
  readonly seed?: number;
  /** Noise of the noisy solver policy. @default 0.5 */
  readonly noise?: number;
  /** Seed of the policy's random moves. @default 0 */
  readonly policySeed?: number;
  /**
   * The reward model: the outcome verifier (1/0), or the step-check oracle PRM (ground-truth step
   * correctness, the verifier on the answer step). @default 'verifier'
   */
  readonly reward?: 'verifier' | 'steps';
}

/**
 * `count` countdown problems, each with a fresh noisy-solver policy and a fresh oracle reward model
 * (the verifier, or the step-check PRM).
 */
export function createCountdownEnvironments(
  count: number,
  options: CountdownEnvironmentOptions = {},
): WorkloadEnvironment[] {
  const rng = createRng(options.seed ?? 0);
  const task = countdownTask as unknown as Task<Json>;
  return Array.from({ length: count }, () => ({
    task,
    problem: countdownTask.generate(rng) as unknown as Problem<Json>,
    policy: createCountdownSolverPolicy({ noise: options.noise ?? 0.5, seed: options.policySeed ?? 0 }),
    reward: options.reward === 'steps' ? createStepCheckRewardModel(task) : createVerifierRewardModel(task),
  }));
}
