import type { Budget, ComputeSnapshot, Json, SearchContext, Searcher, SearchResult } from '@o1lab/core';
import { COMPUTE_FIELDS, diffCompute, mergeCompute, ZERO_COMPUTE } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { createToyEnvironment, type ToyEnvironment, type ToyRewardKind } from './environment.js';
import { goldenOf } from './golden.js';
import type { ToyMdpData, ToyMdpOptions } from './toy-mdp.js';

/** Options of {@link runSearcherConformance}. */
export interface ConformanceOptions<C> {
  /** Title of the `describe` block. @default `${searcher.name} conformance` */
  readonly name?: string;
  /** Config of every run (keep it small: the suite runs the searcher about a dozen times). @default {} */
  readonly config?: Partial<C>;
  /** A partial config that sets the searcher's seed. @default (seed) => ({ seed }) */
  readonly withSeed?: (seed: number) => Partial<C>;
  /** The reward model the search context carries. @default 'value' (noiseless PRM) */
  readonly reward?: ToyRewardKind;
  /** The toy MDP of the determinism, budget and accounting checks. @default {} (depth 3, branching 3) */
  readonly mdp?: ToyMdpOptions;
  /**
   * Budgets the searcher must respect; each gets its own test. @default
   * {@link DEFAULT_CONFORMANCE_BUDGETS}
   */
  readonly budgets?: readonly Budget[];
  /**
   * The known-optimum check: on `mdp` with a noiseless value (or `reward`), under `budget` and with
   * `config`, the searcher returns the correct answer and the optimal path. `false` skips it (for a
   * searcher that cannot be expected to find it, say so in its README).
   * @default { mdp: { pCorrect: 0.5 }, reward: 'value', budget: {} }
   */
  readonly optimal?:
    | false
    | {
        readonly mdp?: ToyMdpOptions;
        readonly config?: Partial<C>;
        readonly budget?: Budget;
        readonly reward?: ToyRewardKind;
      };
}

/**
 * Budgets every searcher is checked against: none left, one sample, a few samples, a token limit that
 * cuts a run short, one and two policy calls, and all limits together.
 */
export const DEFAULT_CONFORMANCE_BUDGETS: readonly Budget[] = Object.freeze([
  { samples: 0 },
  { samples: 1 },
  { samples: 5 },
  { generatedTokens: 40 },
  { policyCalls: 1 },
  { policyCalls: 2 },
  { samples: 12, generatedTokens: 80, policyCalls: 3 },
]);

/**
 * The conformance suite every o1lab searcher passes (the tfjs backend-suite idea, for searchers). Call
 * it at the top level of a test file:
 *
 * ```ts
 * runSearcherConformance(() => beamSearcher, { config: { n: 8, beamWidth: 2 } });
 * ```
 *
 * It checks, on toy MDPs with a table policy (fresh meters and prefix cache per run):
 * - the same seed gives the same result (everything but wall time), and the result is JSON data;
 * - for each budget, no counter the budget limits is exceeded, and a budget with no samples left
 *   gives no call and no answer;
 * - the reported compute equals the policy's plus the reward model's meter deltas (wall time aside),
 *   also when the meters had counted other work before the search;
 * - the chosen answer and steps are those of one of the returned candidates;
 * - on a toy MDP with a known optimal path and a noiseless value, the searcher finds it when the
 *   budget allows.
 */
export function runSearcherConformance<C, T>(
  createSearcher: () => Searcher<C, T>,
  options: ConformanceOptions<C> = {},
): void {
  const withSeed = options.withSeed ?? ((seed: number) => ({ seed }) as unknown as Partial<C>);
  const rewardKind = options.reward ?? 'value';
  const budgets = options.budgets ?? DEFAULT_CONFORMANCE_BUDGETS;
  const name = options.name ?? `${createSearcher().name} conformance`;

  const run = async (
    env: ToyEnvironment,
    seed: number,
    budget?: Budget,
    config: Partial<C> | undefined = options.config,
  ): Promise<SearchResult<C, T>> =>
    createSearcher().search(env.problem, contextOf(env), {
      ...(budget === undefined ? {} : { budget }),
      config: { ...config, ...withSeed(seed) },
    });
  const freshEnv = () => createToyEnvironment({ ...options.mdp, reward: rewardKind });

  describe(name, () => {
    it('returns the same result for the same seed', async () => {
      const a = await run(freshEnv(), 7);
      const b = await run(freshEnv(), 7);
      expect(goldenOf(b)).toEqual(goldenOf(a));
      expect(a.compute.policyCalls).toBeGreaterThan(0);
    });

    it('returns JSON data: result, config and tree survive a JSON round trip', async () => {
      const result = await run(freshEnv(), 3);
      const json = goldenOf(result) as { config: Json; tree?: Json };
      expect(json.config).toEqual(result.config);
      if (result.tree !== undefined) expect(json.tree).toEqual(result.tree);
      expect(result.config).toMatchObject(withSeed(3) as object);
    });

    for (const budget of budgets) {
      it(`never exceeds the budget ${JSON.stringify(budget)}`, async () => {
        const env = freshEnv();
        const result = await run(env, 11, budget);
        expectWithinBudget(result, budget);
        expectComputeFromMeters(result, env, ZERO_COMPUTE, ZERO_COMPUTE);
        expectAnswerAmongCandidates(result);
      });
    }

    it('reports compute equal to the policy and reward meter deltas, counted from where they stood', async () => {
      const env = freshEnv();
      // Other work on the same policy and reward model before the search must not be reported.
      const root = { problem: env.problem, prompt: env.task.prompt(env.problem), steps: [] };
      await env.policy.sampleSteps([root], {
        n: 2,
        maxTokens: 8,
        stepDelimiter: env.task.stepDelimiter,
        seed: 1,
      });
      await env.reward?.scoreOutcome([root]);
      const policyBefore = env.policy.meter.snapshot();
      const rewardBefore = env.reward?.meter.snapshot() ?? ZERO_COMPUTE;
      const result = await run(env, 5, { samples: 20 });
      expectComputeFromMeters(result, env, policyBefore, rewardBefore);
      expectWithinBudget(result, { samples: 20 });
      expect(result.compute.prefillTokens + result.compute.cachedPrefillTokens).toBeGreaterThan(0);
    });

    it('returns an answer and steps that belong to one of its candidates', async () => {
      const result = await run(freshEnv(), 13);
      expect(result.answer).not.toBeNull();
      expectAnswerAmongCandidates(result);
    });

    const optimal = options.optimal ?? {};
    if (optimal !== false) {
      it('finds the optimal path of a toy MDP with a known answer when the budget allows', async () => {
        const env = createToyEnvironment({
          pCorrect: 0.5,
          ...optimal.mdp,
          reward: optimal.reward ?? 'value',
        });
        const result = await run(env, 17, optimal.budget, { ...options.config, ...optimal.config });
        expect(result.answer).toBe(env.answer);
        expect(result.steps).toEqual(env.optimalSteps);
      });
    }
  });
}

/** The search context of a toy environment. */
export function contextOf(env: ToyEnvironment): SearchContext<ToyMdpData> {
  return env.reward === undefined
    ? { policy: env.policy, task: env.task }
    : { policy: env.policy, task: env.task, reward: env.reward };
}

/**
 * Asserts that no counter `budget` limits was exceeded, and that a budget with nothing left gave no
 * policy call and no answer.
 */
export function expectWithinBudget<C, T>(result: SearchResult<C, T>, budget: Budget): void {
  const c = result.compute;
  if (budget.samples !== undefined)
    expect(c.samples, '`samples` within budget').toBeLessThanOrEqual(budget.samples);
  if (budget.generatedTokens !== undefined) {
    expect(c.generatedTokens, '`generatedTokens` within budget').toBeLessThanOrEqual(budget.generatedTokens);
  }
  if (budget.policyCalls !== undefined) {
    expect(c.policyCalls, '`policyCalls` within budget').toBeLessThanOrEqual(budget.policyCalls);
  }
  if (budget.samples === 0 || budget.policyCalls === 0 || budget.generatedTokens === 0) {
    expect(c.policyCalls, 'no policy call on an empty budget').toBe(0);
    expect(result.answer, 'no answer on an empty budget').toBeNull();
  }
}

/**
 * Asserts that the result's compute (wall time aside) equals what the environment's policy and
 * reward meters counted since the given snapshots.
 */
export function expectComputeFromMeters<C, T>(
  result: SearchResult<C, T>,
  env: Pick<ToyEnvironment, 'policy' | 'reward'>,
  policyBefore: ComputeSnapshot,
  rewardBefore: ComputeSnapshot,
): void {
  const policy = diffCompute(env.policy.meter.snapshot(), policyBefore);
  const reward =
    env.reward === undefined ? ZERO_COMPUTE : diffCompute(env.reward.meter.snapshot(), rewardBefore);
  expect(withoutWallTime(result.compute), 'compute equals the meter deltas').toEqual(
    withoutWallTime(mergeCompute(policy, reward)),
  );
  expect(result.compute.wallTimeMs).toBeGreaterThanOrEqual(0);
}

function withoutWallTime(c: ComputeSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of COMPUTE_FIELDS) if (key !== 'wallTimeMs') out[key] = c[key];
  return out;
}

/** Asserts that the answer and steps are those of one candidate (or that there is neither). */
export function expectAnswerAmongCandidates<C, T>(result: SearchResult<C, T>): void {
  if (result.answer === null && result.candidates.length === 0) {
    expect(result.steps).toEqual([]);
    return;
  }
  const match = result.candidates.find(
    (c) => c.answer === result.answer && JSON.stringify(c.steps) === JSON.stringify(result.steps),
  );
  expect(
    match,
    `answer ${String(result.answer)} with steps ${JSON.stringify(result.steps)} among candidates`,
  ).toBeDefined();
}
