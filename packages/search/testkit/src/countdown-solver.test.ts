import { createRng, initialState, type State } from '@o1lab/core';
import { countdownTask } from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { createCountdownSolverPolicy } from './countdown-solver.js';
import { createStepCheckRewardModel } from './reward.js';

const problems = (count: number, seed: number) => {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => countdownTask.generate(rng));
};
const rootOf = (p: ReturnType<typeof countdownTask.generate>) =>
  initialState(countdownTask, p) as unknown as State;

describe('createCountdownSolverPolicy', () => {
  it('without noise writes the reference solver solution, which the task verifies', async () => {
    const policy = createCountdownSolverPolicy({ noise: 0 });
    const ps = problems(20, 1);
    const out = await policy.sampleCompletions(ps.map(rootOf), { n: 2, maxTokens: 256, seed: 3 });
    for (const [i, p] of ps.entries()) {
      for (const s of out[i]!) {
        expect(countdownTask.verify(p, s.text).correct).toBe(true);
        expect(s.finishReason).toBe('eos');
        expect(s.text.split('\n')).toEqual(countdownTask.solve!(p));
      }
    }
  });

  it('with noise proposes solver, random valid and invalid steps, and fails some problems', async () => {
    const policy = createCountdownSolverPolicy({ noise: 0.6, seed: 2 });
    const ps = problems(30, 2);
    const root = rootOf(ps[0]!);
    const table = policy.distribution(root);
    expect(table.reduce((a, t) => a + t.p, 0)).toBeCloseTo(1, 12);
    const solverFirst = countdownTask.solve!(ps[0]!)![0]!;
    expect(table.find((t) => t.text === solverFirst)!.p).toBeGreaterThanOrEqual(0.4);
    const checks = countdownTask.checkSteps!(
      ps[0]!,
      table.map((t) => t.text),
    );
    expect(checks.some((c) => c.correct)).toBe(true);
    expect(checks.some((c) => !c.correct)).toBe(true);
    expect(policy.distribution(root)).toEqual(table);

    const out = await policy.sampleCompletions(ps.map(rootOf), { n: 4, maxTokens: 256, seed: 5 });
    let correct = 0;
    for (const [i, p] of ps.entries())
      for (const s of out[i]!) if (countdownTask.verify(p, s.text).correct) correct++;
    expect(correct).toBeGreaterThan(10);
    expect(correct).toBeLessThan(110);
  });

  it('the step-check PRM scores valid prefixes 1, a prefix with an invalid step 0, and answers by the verifier', async () => {
    const p = problems(1, 4)[0]!;
    const solution = countdownTask.solve!(p)!;
    const prm = createStepCheckRewardModel(countdownTask as never);
    let good = rootOf(p);
    for (const text of solution) good = { ...good, steps: [...good.steps, { text }] };
    const bad = { ...rootOf(p), steps: [{ text: '1+1=3' }] };
    const wrongAnswer = { ...rootOf(p), steps: [{ text: `answer: ${p.data.target + 1}` }] };
    const scores = await prm.scoreSteps([good, bad, wrongAnswer]);
    expect(scores[0]).toEqual(solution.map(() => 1));
    expect(scores[1]).toEqual([0]);
    expect(scores[2]).toEqual([0]);
  });
});
