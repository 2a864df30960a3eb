import {
  ComputeMeter,
  createRng,
  type Policy,
  type Sample,
  type SampleOptions,
  type State,
} from '@o1lab/core';
import { type ArithmeticData, arithmeticProblem, arithmeticTask, solveArithmetic } from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { monteCarloStepLabels } from './monte-carlo.js';

/**
 * A completer for long multiplication that carries on honestly from the prefix: it keeps the partial
 * products the prefix wrote (right or wrong), computes the missing ones correctly, and answers with
 * their sum, slipping by one with probability `slip`. So a prefix can reach the right answer exactly
 * when its partial products are right, and then does so with probability 1 - slip.
 */
function createCompleter(slip: number): Policy {
  const meter = new ComputeMeter();
  return {
    name: 'honest-completer',
    meter,
    async sampleSteps() {
      throw new Error('not used');
    },
    async sampleCompletions(states: readonly State[], options: SampleOptions): Promise<Sample[][]> {
      const rng = createRng(options.seed ?? 0);
      const n = options.n ?? 1;
      meter.add({ policyCalls: 1, samples: states.length * n });
      return states.map((state) => {
        const data = state.problem.data as unknown as ArithmeticData;
        const a = BigInt(data.a);
        const written = new Map<string, bigint>();
        for (const step of state.steps) {
          const m = /^(\d+)\*(\d+)=(\d+)$/.exec(step.text);
          if (m) written.set(m[2]!, BigInt(m[3]!));
        }
        let sum = 0n;
        [...data.b].reverse().forEach((digit, k) => {
          if (digit === '0') return;
          const term = `${digit}${'0'.repeat(k)}`;
          sum += written.get(term) ?? a * BigInt(term);
        });
        return Array.from({ length: n }, (): Sample => {
          const answer = rng.bernoulli(slip) ? sum + 1n : sum;
          return { text: `answer: ${answer}`, tokenIds: [], tokenLogprobs: [], finishReason: 'eos' };
        });
      });
    },
  };
}

describe('monteCarloStepLabels on the arithmetic task', () => {
  const problem = arithmeticProblem({ a: '123', b: '456' });
  // The reference partial products, without the sums and the answer line.
  const reference = solveArithmetic(problem.data).slice(0, 3);
  const wrong = [reference[0]!, '123*50=6160', reference[2]!];
  const state = (steps: string[]): State<ArithmeticData> => ({
    problem,
    prompt: arithmeticTask.prompt(problem),
    steps: steps.map((text) => ({ text })),
  });

  it('finds the first wrong step from outcomes alone, and the soft estimate is 1 - slip', async () => {
    const result = await monteCarloStepLabels(
      [state(reference), state(wrong)],
      {
        policy: createCompleter(0.25),
        task: arithmeticTask,
      },
      { rolloutsPerStep: 400, seed: 4 },
    );
    const [right, bad] = result.labels;
    expect(right!.map((l) => l.hard)).toEqual([1, 1, 1]);
    for (const l of right!) expect(Math.abs(l.soft - 0.75)).toBeLessThan(0.065);
    expect(bad!.map((l) => l.hard)).toEqual([1, 0, 0]);
    expect(bad!.map((l) => l.soft).slice(1)).toEqual([0, 0]);
  });

  it("drops the steps where the MC label and the task's own step check disagree", async () => {
    const result = await monteCarloStepLabels(
      [state(wrong)],
      { policy: createCompleter(0), task: arithmeticTask },
      {
        consensus: 'checkSteps',
      },
    );
    const labels = result.labels[0]!;
    // Step 3 is right on its own (checkSteps) but cannot reach the answer after step 2's error (MC).
    expect(labels.map((l) => l.secondOpinion)).toEqual([true, false, true]);
    expect(labels.map((l) => l.hard)).toEqual([1, 0, 0]);
    expect(labels.map((l) => l.keep)).toEqual([true, true, false]);
  });
});
