import { ComputeMeter, createRng, type RewardModel, type State } from '@o1lab/core';
import {
  referenceDiscountedReturn,
  referenceGreedyActions,
  referenceShapedRewards,
  referenceValueIteration,
  type TabularMdp,
  type TabularTransition,
} from '@o1lab/reference';
import { describe, expect, it } from 'vitest';
import {
  heuristicPotential,
  outcomeToStepRewards,
  potentialShaping,
  shapeStepRewards,
  valuePotential,
} from './potential.js';
import { coinProblem, coinSolution } from './test-fixtures.js';

// A 4x4 gridworld (Russell & Norvig style): goal +1 at (0, 3), pit -1 at (1, 3), both terminal;
// every other move costs 0.04; a move goes the intended way with probability 0.8 and slips to each
// perpendicular direction with 0.1; moving into the edge stays put.
const SIZE = 4;
const GOAL = 3;
const PIT = 7;
const GAMMA = 0.9;
const MOVES = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
] as const; // up, right, down, left
const LEFT = 3;

function isTerminal(s: number): boolean {
  return s === GOAL || s === PIT;
}

function move(s: number, a: number): number {
  const r = Math.floor(s / SIZE);
  const c = s % SIZE;
  const [dr, dc] = MOVES[a]!;
  const nr = r + dr;
  const nc = c + dc;
  return nr < 0 || nr >= SIZE || nc < 0 || nc >= SIZE ? s : nr * SIZE + nc;
}

/** The gridworld with rewards R(s, a, s') rewritten by `reshape`. */
function gridworld(reshape: (s: number, a: number, next: number, r: number) => number): TabularMdp {
  const transitions: TabularTransition[][][] = [];
  for (let s = 0; s < SIZE * SIZE; s++) {
    if (isTerminal(s)) {
      transitions.push([]);
      continue;
    }
    const actions: TabularTransition[][] = [];
    for (let a = 0; a < 4; a++) {
      const outcomes: TabularTransition[] = [];
      for (const [dir, prob] of [
        [a, 0.8],
        [(a + 1) % 4, 0.1],
        [(a + 3) % 4, 0.1],
      ] as const) {
        const next = move(s, dir);
        const base = next === GOAL ? 1 : next === PIT ? -1 : -0.04;
        outcomes.push({ next, prob, reward: reshape(s, a, next, base) });
      }
      actions.push(outcomes);
    }
    transitions.push(actions);
  }
  return { numStates: SIZE * SIZE, transitions };
}

/** Shapes every transition with the package: one-step sequences [R] with potentials [Phi(s), Phi(s')]. */
function shapedGridworld(phi: readonly number[]): TabularMdp {
  return gridworld(
    (s, _a, next, r) =>
      potentialShaping([r], [phi[s]!, phi[next]!], { gamma: GAMMA, terminal: isTerminal(next) })[0]!,
  );
}

describe('potential-based shaping on an exactly solved gridworld', () => {
  const base = referenceValueIteration(
    gridworld((_s, _a, _n, r) => r),
    GAMMA,
  );
  const optimal = referenceGreedyActions(base.q);
  const rng = createRng(7);
  const potentials: Record<string, number[]> = {
    'optimal value V*': base.values,
    'negative Manhattan distance to the goal': Array.from(
      { length: SIZE * SIZE },
      (_, s) => -(Math.abs(Math.floor(s / SIZE) - 0) + Math.abs((s % SIZE) - 3)),
    ),
    'random potential in [-5, 5]': Array.from({ length: SIZE * SIZE }, () => 10 * rng.nextFloat() - 5),
  };

  it('has the textbook optimal policy before shaping (go around the pit)', () => {
    // (1, 2), next to the pit, must not step right into it; the start (3, 0) goes up.
    expect(optimal[6]).not.toContain(1);
    expect(optimal[12]).toEqual([0]);
    expect(base.values[GOAL]).toBe(0);
    expect(base.values[2]).toBeGreaterThan(0.7);
  });

  for (const [name, phi] of Object.entries(potentials)) {
    it(`keeps the optimal policy and gives Q'(s, a) = Q(s, a) - Phi(s) with Phi = ${name}`, () => {
      const shaped = referenceValueIteration(shapedGridworld(phi), GAMMA);
      expect(referenceGreedyActions(shaped.q)).toEqual(optimal);
      for (let s = 0; s < SIZE * SIZE; s++) {
        if (isTerminal(s)) continue;
        for (let a = 0; a < 4; a++) {
          expect(shaped.q[s]![a]!).toBeCloseTo(base.q[s]![a]! - phi[s]!, 9);
        }
      }
    });
  }

  it('changes the optimal policy under a non-potential bonus of the same size on one action', () => {
    let size = 0;
    const phi = potentials['optimal value V*']!;
    for (let s = 0; s < SIZE * SIZE; s++) {
      for (let a = 0; a < 4; a++) {
        const next = move(s, a);
        size = Math.max(size, Math.abs(GAMMA * (isTerminal(next) ? 0 : phi[next]!) - phi[s]!));
      }
    }
    expect(size).toBeGreaterThan(0.5);
    const bonus = referenceValueIteration(
      gridworld((_s, a, _next, r) => (a === LEFT ? r + size : r)),
      GAMMA,
    );
    const greedy = referenceGreedyActions(bonus.q);
    expect(greedy).not.toEqual(optimal);
    // The bonus is a positive cycle (Ng et al. 1999, sec. 1): the agent next to the goal now walks
    // away from it to keep collecting the bonus.
    expect(greedy[2]).toEqual([LEFT]);
    expect(optimal[2]).toEqual([1]);
  });
});

describe('potentialShaping', () => {
  it('matches the scalar oracle on random episodes to 1e-12', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 50; trial++) {
      const T = 1 + rng.int(12);
      const rewards = Array.from({ length: T }, () => rng.normal());
      const phi = Array.from({ length: T + 1 }, () => 3 * rng.normal());
      const gamma = rng.nextFloat();
      for (const terminal of [true, false]) {
        const got = potentialShaping(rewards, phi, { gamma, terminal });
        const want = referenceShapedRewards(rewards, phi, gamma, terminal);
        for (let t = 0; t < T; t++) expect(Math.abs(got[t]! - want[t]!)).toBeLessThan(1e-12);
      }
    }
  });

  it('telescopes: the shaped return is the return minus Phi(s_0), plus gamma^T Phi(s_T) when cut', () => {
    const rewards = [0, 0, -0.5, 1];
    const phi = [0.2, 0.4, 0.9, 0.3, 0.7];
    const gamma = 0.8;
    const g = referenceDiscountedReturn(rewards, gamma);
    const terminal = referenceDiscountedReturn(potentialShaping(rewards, phi, { gamma }), gamma);
    expect(terminal).toBeCloseTo(g - 0.2, 12);
    const cut = referenceDiscountedReturn(potentialShaping(rewards, phi, { gamma, terminal: false }), gamma);
    expect(cut).toBeCloseTo(g - 0.2 + gamma ** 4 * 0.7, 12);
  });

  it('gives known values at gamma = 1', () => {
    // r'_t = r_t + Phi(s_{t+1}) - Phi(s_t), Phi(s_3) = 0 (terminal)
    expect(potentialShaping([0, 0, 1], [0.5, 0.25, 0.75, 0.9])).toEqual([-0.25, 0.5, 0.25]);
  });

  it('rejects wrong lengths, non-finite values and bad options by name', () => {
    expect(() => potentialShaping([0, 1], [0, 1])).toThrow(/rewards.length \+ 1 = 3\), got 2/);
    expect(() => potentialShaping([Number.NaN], [0, 1])).toThrow(/reward 0 must be finite/);
    expect(() => potentialShaping([0], [0, 1], { gamma: 1.5 })).toThrow(/`gamma` must be <= 1/);
    expect(() => potentialShaping([0], [0, 1], { gama: 0.9 } as never)).toThrow(/unknown option `gama`/);
  });
});

describe('shapeStepRewards', () => {
  const problem = coinProblem('p', { probs: [0.5, 0.5, 0.5, 0.5] });
  const solution = coinSolution(problem, 3);

  it('scores every prefix s_0..s_T in one call and shapes with Phi(terminal) = 0', async () => {
    const seen: number[][] = [];
    const potential = (states: readonly State[]) => {
      seen.push(states.map((s) => s.steps.length));
      return states.map((s) => s.steps.length / 10);
    };
    const out = await shapeStepRewards(solution, outcomeToStepRewards(1, 3), potential);
    expect(seen).toEqual([[0, 1, 2, 3]]);
    expect(out.potentials).toEqual([0, 0.1, 0.2, 0]);
    expect(out.rewards[0]).toBeCloseTo(0.1, 15);
    expect(out.rewards[1]).toBeCloseTo(0.1, 15);
    expect(out.rewards[2]).toBeCloseTo(1 - 0.2, 15);
  });

  it('reads a PRM as a value function: Phi(s_k) is the score of step k, Phi(s_0) the root potential', async () => {
    const calls: number[][] = [];
    const prm: RewardModel = {
      name: 'fixed-prm',
      meter: new ComputeMeter(),
      scoreOutcome: async (states) => states.map(() => 0),
      scoreSteps: async (states) => {
        calls.push(states.map((s) => s.steps.length));
        return states.map((s) => s.steps.map((_, i) => 0.9 - 0.2 * i));
      },
    };
    const out = await shapeStepRewards(solution, [0, 0, 1], valuePotential(prm, 'lastStep', 0.95), {
      terminal: false,
    });
    expect(calls).toEqual([[1, 2, 3]]);
    expect(out.potentials.map((p) => Number(p.toFixed(12)))).toEqual([0.95, 0.9, 0.7, 0.5]);
    const heuristic = await shapeStepRewards(
      solution,
      [0, 0, 0],
      heuristicPotential((s) => -s.steps.length),
    );
    expect(heuristic.rewards).toEqual([-1, -1, 2]);
  });

  it('needs one reward per step', async () => {
    await expect(
      shapeStepRewards(
        solution,
        [1],
        heuristicPotential(() => 0),
      ),
    ).rejects.toThrow(/need one reward per step \(3\), got 1/);
    expect(() => outcomeToStepRewards(1, 0)).toThrow(/numSteps must be an integer >= 1/);
  });
});
