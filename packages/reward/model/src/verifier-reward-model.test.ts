import { aggregateStepScores, type State } from '@o1lab/core';
import {
  arithmeticProblem,
  arithmeticTask,
  countdownProblem,
  countdownTask,
  solveArithmetic,
} from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { prmSolutionScores } from './aggregate.js';
import { createVerifierRewardModel } from './verifier-reward-model.js';

const problem = arithmeticProblem({ a: '123', b: '456' });
const stateOf = (steps: readonly string[]): State =>
  ({ problem, prompt: arithmeticTask.prompt(problem), steps: steps.map((text) => ({ text })) }) as State;

describe('createVerifierRewardModel', () => {
  const reference = solveArithmetic(problem.data);

  it('scores outcomes 1/0 by the verifier and steps by the task checker', async () => {
    expect(reference.at(-1)).toBe('answer: 56088');
    const rm = createVerifierRewardModel(arithmeticTask);
    const wrongMiddle = [...reference];
    wrongMiddle[1] = '123*50=6160';
    const wrongAnswer = [...reference.slice(0, -1), 'answer: 56089'];
    const states = [stateOf(reference), stateOf(wrongMiddle), stateOf(wrongAnswer)];
    // A wrong middle step with the right final answer still passes the outcome check: the case a
    // process reward exists for.
    expect(await rm.scoreOutcome(states)).toEqual([1, 1, 0]);
    const steps = await rm.scoreSteps(states);
    expect(steps[0]).toEqual(reference.map(() => 1));
    // Prefix labels: 0 from the first wrong step on.
    expect(steps[1]!.slice(0, 2)).toEqual([1, 0]);
    expect(steps[1]!.every((s, i) => (i >= 1 ? s === 0 : s === 1))).toBe(true);
    expect(steps[2]!.at(-1)).toBe(0);
    expect(steps[2]!.slice(0, -1).every((s) => s === 1)).toBe(true);
    expect(rm.meter.snapshot().rewardCalls).toBe(2);
    expect(rm.name).toBe('verifier:arithmetic');
  });

  it("gives each step's own check with stepLabels 'step'", async () => {
    const rm = createVerifierRewardModel(arithmeticTask, { stepLabels: 'step' });
    const wrongFirst = [...reference];
    wrongFirst[0] = '123*6=700';
    const [scores] = await rm.scoreSteps([stateOf(wrongFirst)]);
    expect(scores![0]).toBe(0);
    // The second partial product is still right on its own.
    expect(scores![1]).toBe(1);
    expect(() => createVerifierRewardModel(arithmeticTask, { stepLabels: 'all' as never })).toThrow(
      /`stepLabels` must be one of 'prefix', 'step'/,
    );
  });

  it('repeats the outcome for every step when the task has no step checker', async () => {
    const { checkSteps: _none, ...noChecker } = arithmeticTask;
    const rm = createVerifierRewardModel(noChecker);
    const [good] = await rm.scoreSteps([stateOf(reference)]);
    expect(good).toEqual(reference.map(() => 1));
    const [bad] = await rm.scoreSteps([stateOf([...reference.slice(0, -1), 'answer: 1'])]);
    expect(bad).toEqual(reference.map(() => 0));
  });

  it('aggregates its step scores into one score per solution with the core aggregation', async () => {
    const rm = createVerifierRewardModel(arithmeticTask);
    const wrong = [...reference];
    wrong[2] = '123*400=49300';
    const states = [stateOf(reference), stateOf(wrong)];
    expect(await prmSolutionScores(rm, states, 'min')).toEqual([1, 0]);
    expect(await prmSolutionScores(rm, states, 'last')).toEqual([1, 0]);
    const mean = await prmSolutionScores(rm, states, 'mean');
    expect(mean[1]).toBeCloseTo(2 / reference.length, 12);
    expect(aggregateStepScores([1, 1, 0.5], 'product')).toBe(0.5);
  });

  it('works on countdown states too (outcome only where steps are right)', async () => {
    const cd = countdownProblem({ numbers: [3, 5], target: 8 });
    const rm = createVerifierRewardModel(countdownTask);
    const solved = {
      problem: cd,
      prompt: countdownTask.prompt(cd),
      steps: countdownTask.solve!(cd)!.map((text) => ({ text })),
    };
    expect(await rm.scoreOutcome([solved as State])).toEqual([1]);
  });
});
