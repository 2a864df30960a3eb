import { renderState, type State } from '@o1lab/core';
import { referenceHardEstimateExpectation, referenceMonteCarloEstimate } from '@o1lab/reference';
import { describe, expect, it } from 'vitest';
import { monteCarloStepLabels } from './monte-carlo.js';
import { type CoinData, coinProblem, coinSolution, coinTask, createCoinPolicy } from './test-fixtures.js';

describe('monteCarloStepLabels', () => {
  it('converges to the known success probability of each prefix (soft estimate)', async () => {
    const probs = [0.5, 0.9, 0.6, 0.3, 0.05];
    const solution = coinSolution(coinProblem('a', { probs }), 4);
    const policy = createCoinPolicy();
    const result = await monteCarloStepLabels(
      [solution],
      { policy, task: coinTask },
      {
        rolloutsPerStep: 4000,
        seed: 3,
      },
    );
    const soft = result.labels[0]!.map((l) => l.soft);
    // 4000 rollouts: standard error <= 0.008, tolerance about 3.5 of them.
    for (let k = 0; k < 4; k++) expect(Math.abs(soft[k]! - probs[k + 1]!)).toBeLessThan(0.028);
    expect(result.labels[0]!.map((l) => l.hard)).toEqual([1, 1, 1, 1]);
  });

  it('agrees with the scalar oracle on every step to 1e-6', async () => {
    const solutions = [
      coinSolution(coinProblem('a', { probs: [0, 0.7, 0.4, 0.1] }), 3),
      coinSolution(coinProblem('b', { probs: [0, 0.2, 0.02] }), 2),
    ];
    const result = await monteCarloStepLabels(
      solutions,
      { policy: createCoinPolicy(), task: coinTask },
      {
        seed: 9,
      },
    );
    for (const steps of result.labels) {
      for (const label of steps) {
        expect(label.rollouts).toHaveLength(8);
        const want = referenceMonteCarloEstimate(label.rollouts);
        expect(Math.abs(label.hard - want.hard)).toBeLessThan(1e-6);
        expect(Math.abs(label.soft - want.soft)).toBeLessThan(1e-6);
      }
    }
  });

  it('gives hard = 1 exactly when any one rollout succeeds', async () => {
    const N = 4;
    const problem = coinProblem('h', {
      probs: [0, 0, 0, 0, 0],
      patterns: [
        [],
        [false, false, false, false],
        [false, false, false, true],
        [true, true, true, true],
        [false, true, false, false],
      ],
    });
    const result = await monteCarloStepLabels(
      [coinSolution(problem, 4)],
      { policy: createCoinPolicy(), task: coinTask },
      { rolloutsPerStep: N },
    );
    const labels = result.labels[0]!;
    expect(labels.map((l) => l.hard)).toEqual([0, 1, 1, 1]);
    expect(labels.map((l) => l.soft)).toEqual([0, 0.25, 1, 0.25]);
    expect(labels[1]!.rollouts).toEqual([false, false, false, true]);
  });

  it('has mean hard estimate 1 - (1 - p)^N over many solutions', async () => {
    const p = 0.1;
    const solutions = Array.from({ length: 400 }, (_, i) =>
      coinSolution(coinProblem(`m${i}`, { probs: [0, p] }), 1),
    );
    const result = await monteCarloStepLabels(
      solutions,
      { policy: createCoinPolicy(), task: coinTask },
      {
        seed: 5,
      },
    );
    let sum = 0;
    for (const steps of result.labels) sum += steps[0]!.hard;
    const expected = referenceHardEstimateExpectation(p, 8);
    expect(expected).toBeCloseTo(0.56953279, 8);
    // 400 Bernoulli(0.57) draws: standard error 0.025.
    expect(Math.abs(sum / 400 - expected)).toBeLessThan(0.09);
  });

  it('makes one batched policy call over all prefixes and returns the meter delta', async () => {
    const policy = createCoinPolicy();
    policy.meter.add({ generatedTokens: 1000, policyCalls: 3 });
    const solutions = [
      coinSolution(coinProblem('a', { probs: [0, 0.5, 0.5, 0.5] }), 3),
      coinSolution(coinProblem('b', { probs: [0, 0.5, 0.5] }), 2),
    ];
    const result = await monteCarloStepLabels(
      solutions,
      { policy, task: coinTask },
      {
        rolloutsPerStep: 3,
        maxTokens: 64,
        seed: 12,
      },
    );
    expect(policy.calls).toEqual([{ numStates: 5, n: 3, seed: 12 }]);
    expect(result.numRollouts).toBe(15);
    expect(result.compute.policyCalls).toBe(1);
    expect(result.compute.samples).toBe(15);
    // Every rollout writes 'answer: yes' (11 chars) or 'answer: no' (10).
    expect(result.compute.generatedTokens).toBeGreaterThanOrEqual(150);
    expect(result.compute.generatedTokens).toBeLessThanOrEqual(165);
    // The prefix cache computes each solution's longest prefix once; its shorter prefixes are hits.
    const longest = solutions.map((s) => renderState(s, '\n').length);
    expect(result.compute.prefillTokens).toBe(longest[0]! + longest[1]!);
    const allPrefixChars = solutions
      .flatMap((s) => [1, 2, 3].slice(0, s.steps.length).map((k) => ({ ...s, steps: s.steps.slice(0, k) })))
      .reduce((a, s) => a + renderState(s, '\n').length, 0);
    expect(result.compute.cachedPrefillTokens).toBe(allPrefixChars - longest[0]! - longest[1]!);
  });

  it('verifies a prefix that already states an answer instead of rolling it out', async () => {
    const problem = coinProblem('v', { probs: [0, 0, 0, 0] });
    const solution: State<CoinData> = {
      ...coinSolution(problem, 2),
      steps: [{ text: 's1' }, { text: 's2' }, { text: 'answer: yes' }],
    } as State<CoinData>;
    const policy = createCoinPolicy();
    const result = await monteCarloStepLabels([solution], { policy, task: coinTask }, { rolloutsPerStep: 2 });
    expect(policy.calls).toEqual([{ numStates: 2, n: 2, seed: 0 }]);
    const last = result.labels[0]![2]!;
    expect(last).toMatchObject({ hard: 1, soft: 1, verifiedDirectly: true, rollouts: [true] });
    const rolled = await monteCarloStepLabels(
      [solution],
      { policy: createCoinPolicy(), task: coinTask },
      {
        rolloutsPerStep: 2,
        verifyAnsweredPrefixes: false,
      },
    );
    expect(rolled.labels[0]![2]!).toMatchObject({ hard: 0, soft: 0, verifiedDirectly: false });
  });

  it("keeps only the steps where the MC label agrees with the task's step checker", async () => {
    const problem = coinProblem('c', {
      probs: [0, 1, 0, 0],
      stepOk: [true, true, false],
    });
    const result = await monteCarloStepLabels(
      [coinSolution(problem, 3)],
      { policy: createCoinPolicy(), task: coinTask },
      { consensus: 'checkSteps' },
    );
    const labels = result.labels[0]!;
    expect(labels.map((l) => l.hard)).toEqual([1, 0, 0]);
    expect(labels.map((l) => l.secondOpinion)).toEqual([true, true, false]);
    expect(labels.map((l) => l.keep)).toEqual([true, false, true]);
  });

  it('uses a judge callback as the second labeller, with the soft estimate thresholded at 0.5', async () => {
    const problem = coinProblem('j', {
      probs: [0, 0, 0],
      patterns: [[], [true, false, false, false], [true, true, true, false]],
    });
    const judged: number[] = [];
    const result = await monteCarloStepLabels(
      [coinSolution(problem, 2)],
      {
        policy: createCoinPolicy(),
        task: coinTask,
        judge: async (solutions) => {
          judged.push(solutions.length);
          return solutions.map((s) => s.steps.map(() => true));
        },
      },
      { rolloutsPerStep: 4, consensus: 'judge', consensusEstimate: 'soft' },
    );
    expect(judged).toEqual([1]);
    expect(result.labels[0]!.map((l) => [l.soft, l.keep])).toEqual([
      [0.25, false],
      [0.75, true],
    ]);
  });

  it('names the missing piece or bad option', async () => {
    const solution = coinSolution(coinProblem('e', { probs: [0, 0] }), 1);
    const ctx = { policy: createCoinPolicy(), task: coinTask };
    await expect(monteCarloStepLabels([solution], ctx, { consensus: 'judge' })).rejects.toThrow(
      /context has no `judge`/,
    );
    await expect(monteCarloStepLabels([solution], ctx, { rolloutsPerStep: 0 })).rejects.toThrow(
      /`rolloutsPerStep` must be >= 1, got 0/,
    );
    const { checkSteps: _drop, ...noChecker } = coinTask;
    await expect(
      monteCarloStepLabels([solution], { ...ctx, task: noChecker }, { consensus: 'checkSteps' }),
    ).rejects.toThrow(/task coin has no checkSteps/);
    await expect(monteCarloStepLabels([{ ...solution, steps: [] }], ctx)).rejects.toThrow(/has no steps/);
  });
});
