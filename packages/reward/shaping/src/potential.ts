import { type Json, O1labError, type RewardModel, type State } from '@o1lab/core';
import { type PotentialShapingConfig, resolvePotentialShapingConfig } from './config.js';

/**
 * A potential function Phi over states, batched: one number per state. Any function of the state
 * alone preserves the optimal policy (Ng et al. 1999, Theorem 1); a good one (close to the optimal
 * value V*) makes rewards dense without changing what is optimal.
 */
export type Potential<D = Json> = (
  states: readonly State<D>[],
) => readonly number[] | Promise<readonly number[]>;

/**
 * Potential-based shaping of one episode's per-step rewards (Ng, Harada & Russell 1999, eq. 2):
 *
 *   r'_t = r_t + F(s_t, s_{t+1}),   F(s, s') = gamma * Phi(s') - Phi(s).
 *
 * `rewards` holds r_0..r_{T-1}, `potentials` holds Phi(s_0)..Phi(s_T) (one more). With
 * `terminal` (the default) Phi(s_T) is taken as 0, so the shaped return telescopes to
 * sum_t gamma^t r'_t = sum_t gamma^t r_t - Phi(s_0): every episode from s_0 moves by the same
 * constant, and the ranking of policies (hence the optimal one) is unchanged.
 */
export function potentialShaping(
  rewards: readonly number[],
  potentials: readonly number[],
  config?: Partial<PotentialShapingConfig>,
): number[] {
  const { gamma, terminal } = resolvePotentialShapingConfig(config);
  if (potentials.length !== rewards.length + 1) {
    throw new O1labError(
      'INVALID_INPUT',
      `need one potential per visited state (rewards.length + 1 = ${rewards.length + 1}), got ${potentials.length}`,
      { where: 'potentialShaping' },
    );
  }
  checkFinite(rewards, 'reward');
  checkFinite(potentials, 'potential');
  const shaped = new Array<number>(rewards.length);
  for (let t = 0; t < rewards.length; t++) {
    const next = terminal && t === rewards.length - 1 ? 0 : potentials[t + 1]!;
    shaped[t] = rewards[t]! + gamma * next - potentials[t]!;
  }
  return shaped;
}

/** Shaped rewards of a reasoning episode and the potentials they came from. */
export interface ShapedStepRewards {
  /** r'_t for each step t. */
  readonly rewards: number[];
  /** Phi(s_0)..Phi(s_T) as used (the last one 0 when the episode is terminal). */
  readonly potentials: number[];
}

/**
 * Shapes the per-step rewards of a reasoning episode: the prefixes s_0 (no steps) .. s_T (every
 * step) of `state` are scored by `potential` in one batched call, then {@link potentialShaping}.
 */
export async function shapeStepRewards<D>(
  state: State<D>,
  stepRewards: readonly number[],
  potential: Potential<D>,
  config?: Partial<PotentialShapingConfig>,
): Promise<ShapedStepRewards> {
  const resolved = resolvePotentialShapingConfig(config);
  if (stepRewards.length !== state.steps.length) {
    throw new O1labError(
      'INVALID_INPUT',
      `need one reward per step (${state.steps.length}), got ${stepRewards.length}`,
      { where: 'shapeStepRewards' },
    );
  }
  const prefixes = stepPrefixes(state, 0);
  const phi = [...(await potential(prefixes))];
  if (phi.length !== prefixes.length) {
    throw new O1labError(
      'INVALID_INPUT',
      `the potential returned ${phi.length} values for ${prefixes.length} states`,
      { where: 'shapeStepRewards' },
    );
  }
  if (resolved.terminal) phi[phi.length - 1] = 0;
  return { rewards: potentialShaping(stepRewards, phi, resolved), potentials: phi };
}

/**
 * Per-step rewards of an outcome-rewarded episode: 0 for every step and the outcome on the last
 * (the sparse signal that shaping makes dense).
 */
export function outcomeToStepRewards(outcome: number, numSteps: number): number[] {
  if (!Number.isInteger(numSteps) || numSteps < 1) {
    throw new O1labError('INVALID_INPUT', `numSteps must be an integer >= 1, got ${numSteps}`, {
      where: 'outcomeToStepRewards',
    });
  }
  const out = new Array<number>(numSteps).fill(0);
  out[numSteps - 1] = outcome;
  return out;
}

/** A potential from a per-state heuristic (e.g. steps left, distance to a target). */
export function heuristicPotential<D = Json>(fn: (state: State<D>) => number): Potential<D> {
  return (states) => states.map(fn);
}

/**
 * A potential from a value model: Phi(s) is a reward model's estimate of how good the partial
 * solution s is. `'outcome'` asks `scoreOutcome` of each prefix; `'lastStep'` asks `scoreSteps`
 * and takes the score of the prefix's last step (a PRM's value of the prefix). The empty prefix has
 * no step to score, so it gets `rootPotential`; a constant Phi(s_0) shifts every return from s_0
 * equally and changes no ranking.
 */
export function valuePotential<D = Json>(
  model: RewardModel,
  mode: 'outcome' | 'lastStep',
  rootPotential = 0,
): Potential<D> {
  return async (input) => {
    // Reward models take the core's JSON-typed states; the task data passes through untouched.
    const states = input as readonly State<unknown>[] as readonly State[];
    if (mode === 'outcome') return model.scoreOutcome(states);
    const scored = states.filter((s) => s.steps.length > 0);
    const scores = scored.length > 0 ? await model.scoreSteps(scored) : [];
    let j = 0;
    return states.map((s) => {
      if (s.steps.length === 0) return rootPotential;
      const perStep = scores[j++]!;
      const last = perStep[perStep.length - 1];
      if (last === undefined) {
        throw new O1labError(
          'INVALID_INPUT',
          `${model.name} returned no step scores for a state with steps`,
          {
            where: 'valuePotential',
          },
        );
      }
      return last;
    });
  };
}

/** The prefixes of `state` with `from`..T steps, sharing the problem and prompt. */
export function stepPrefixes<D>(state: State<D>, from: number): State<D>[] {
  const out: State<D>[] = [];
  for (let k = from; k <= state.steps.length; k++) {
    out.push({ problem: state.problem, prompt: state.prompt, steps: state.steps.slice(0, k) });
  }
  return out;
}

function checkFinite(xs: readonly number[], what: string): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) {
      throw new O1labError('INVALID_INPUT', `${what} ${i} must be finite, got ${xs[i]}`, {
        where: 'potentialShaping',
      });
    }
  }
}
