import { appendStep, createRng, renderState, type State } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { createToyEnvironment } from './environment.js';
import { createNoisyRewardModel, createValueRewardModel, createVerifierRewardModel } from './reward.js';
import { createToyProblem, optimalSteps, toyDistribution, toyRoot, toyTask, toyValue } from './toy-mdp.js';

// Exact value by recursion over the policy's own table: the definition the closed form must match.
function recursiveValue(state: State): number {
  const table = toyDistribution(state);
  if (table.length === 0) {
    return toyTask.verify(state.problem as never, state.steps.map((s) => s.text).join('\n')).correct ? 1 : 0;
  }
  const total = table.reduce((s, t) => s + t.p, 0);
  return table.reduce((v, t) => v + (t.p / total) * recursiveValue(appendStep(state, { text: t.text })), 0);
}

describe('toy MDP', () => {
  const problem = createToyProblem({ seed: 4, depth: 3, branching: 3, pCorrect: 0.4 });

  it('has one correct leaf, reached by the optimal steps, which the task verifies', () => {
    const steps = optimalSteps(problem);
    expect(steps).toHaveLength(3);
    expect(steps[2]).toMatch(/^[abc] = \d+$/);
    expect(toyTask.verify(problem, steps.join('\n'))).toEqual({ correct: true, answer: problem.answer });
    expect(toyTask.solve?.(problem)).toEqual(steps);
    expect(toyTask.checkSteps?.(problem, steps).every((c) => c.correct)).toBe(true);
    expect(toyTask.parseAnswer('a\nb\nc = 012')).toBe('12');
    expect(toyTask.parseAnswer('a\nb')).toBeNull();
  });

  it('gives a closed-form value equal to the recursion over the policy table at every node', () => {
    const root = toyRoot(problem) as State;
    expect(toyValue(root)).toBeCloseTo(0.4 ** 3, 12);
    const visit = (state: State): void => {
      expect(toyValue(state)).toBeCloseTo(recursiveValue(state), 12);
      for (const t of toyDistribution(state)) visit(appendStep(state, { text: t.text }));
    };
    visit(root);
  });

  it('samples the correct answer at the rate of its value under the policy', async () => {
    const env = createToyEnvironment({ seed: 4, pCorrect: 0.4 });
    const [samples] = await env.policy.sampleCompletions([toyRoot(env.problem) as State], {
      n: 2000,
      maxTokens: 64,
      seed: 9,
    });
    const hits = samples!.filter((s) => toyTask.verify(env.problem, s.text).correct).length;
    expect(hits / 2000).toBeGreaterThan(0.064 - 0.02);
    expect(hits / 2000).toBeLessThan(0.064 + 0.02);
  });

  it('generates problems from an rng, with options', () => {
    const p = toyTask.generate(createRng(1), { depth: 4, branching: 2 });
    expect(p.data.depth).toBe(4);
    expect(p.data.correctPath).toMatch(/^[ab]{4}$/);
    expect(() => createToyProblem({ branching: 27 })).toThrow(/`branching` must be <= 26/);
  });
});

describe('toy reward models', () => {
  const problem = createToyProblem({ seed: 2, pCorrect: 0.5 });
  const root = toyRoot(problem) as State;
  const steps = optimalSteps(problem);
  let good = root;
  for (const s of steps) good = appendStep(good, { text: s });
  const wrong = appendStep(root, { text: steps[0] === 'a' ? 'b' : 'a' });

  it('the value PRM scores each prefix by its exact value and counts its calls', async () => {
    const prm = createValueRewardModel(toyTask, toyValue);
    const scores = await prm.scoreSteps([good, wrong]);
    expect(scores[0]).toEqual([0.25, 0.5, 1]);
    expect(scores[1]).toEqual([0]);
    expect(await prm.scoreOutcome([good, root])).toEqual([1, 0.125]);
    const tokens = renderState(good, '\n').length + renderState(wrong, '\n').length;
    expect(prm.meter.snapshot()).toMatchObject({
      rewardCalls: 2,
      rewardTokens: tokens + renderState(good, '\n').length + renderState(root, '\n').length,
    });
  });

  it('the noisy PRM is consistent per prefix and its error grows with the noise level', async () => {
    const errors = async (noise: number) => {
      const prm = createNoisyRewardModel(toyTask, toyValue, { noise, seed: 1 });
      const a = await prm.scoreSteps([good]);
      const b = await prm.scoreSteps([wrong, good]);
      expect(b[1]).toEqual(a[0]);
      return Math.abs(a[0]![0]! - 0.25) + Math.abs(a[0]![1]! - 0.5);
    };
    expect(await errors(0)).toBe(0);
    expect(await errors(0.3)).toBeGreaterThan(0);
    expect(() => createNoisyRewardModel(toyTask, toyValue, { noise: -1 })).toThrow(/`noise` must be >= 0/);
  });

  it('the verifier reward scores finished solutions 1 or 0', async () => {
    const oracle = createVerifierRewardModel(toyTask as never);
    expect(await oracle.scoreOutcome([good, wrong, root])).toEqual([1, 0, 0]);
    expect(await oracle.scoreSteps([good])).toEqual([[0, 0, 1]]);
  });
});
