import type { Policy, SampleOptions, State } from '@o1lab/core';
import { type SumToyData, scriptedSample, sumToyProblem, sumToyTask } from '@o1lab/learn-rollout';
import { describe, expect, it } from 'vitest';
import { iterativeDpo } from './online.js';
import { firstErrorStepPairs } from './step-pairs.js';

const problem = sumToyProblem;
const task = sumToyTask;
const sample = scriptedSample;
type Sum = SumToyData;

/**
 * Whole completions: right, a wrong sum, a right sum with a wrong answer line (for every problem).
 * Next steps: after no step, a wrong sum then the right one; after a step, a wrong then the right
 * answer line (ending at EOS).
 */
function scriptedPolicy(): { policy: Policy; stepCalls: State[][] } {
  const stepCalls: State[][] = [];
  const policy = {
    async sampleCompletions(states: readonly State[], options: SampleOptions) {
      return states.map((s) => {
        const { a, b } = s.problem.data as unknown as Sum;
        const all = [
          sample(`${a}+${b}=${a + b}\nanswer: ${a + b}`, 'eos'),
          sample(`${a}+${b}=${a + b + 1}\nanswer: ${a + b + 1}`, 'eos'),
          sample(`${a}+${b}=${a + b}\nanswer: ${a + b + 2}`, 'eos'),
        ];
        return all.slice(0, options.n ?? 1);
      });
    },
    async sampleSteps(states: readonly State[], options: SampleOptions & { stepDelimiter: string }) {
      stepCalls.push([...states]);
      return states.map((s) => {
        const { a, b } = s.problem.data as unknown as Sum;
        const proposals =
          s.steps.length === 0
            ? [
                sample(`${a}+${b}=${a + b + 5}`, 'stop'),
                sample(`${b}+${a}=${a + b}`, 'stop'),
                sample(`${a}+${b}=${a + b}`, 'stop'),
              ]
            : [sample(`answer: ${a + b + 5}`, 'eos'), sample(`answer: ${a + b}`, 'eos')];
        return Array.from(
          { length: options.n ?? 1 },
          (_, i) => proposals[Math.min(i, proposals.length - 1)]!,
        );
      });
    },
  } as unknown as Policy;
  return { policy, stepCalls };
}

describe('firstErrorStepPairs', () => {
  it('pairs the verified alternative closest to the first wrong step against it, the correct steps before it in the prompt', async () => {
    const { policy, stepCalls } = scriptedPolicy();
    const built = await firstErrorStepPairs(policy, task, [problem(19, 17), problem(3, 4)], {
      samplesPerProblem: 3,
      width: 3,
      maxTokens: 32,
    });
    expect(built.numSamples).toBe(6);
    expect(built.numCorrect).toBe(2);
    expect(built.numRepaired).toBe(4);
    expect(built.pairs).toEqual([
      { prompt: '19+17\n', chosen: '19+17=36\n', rejected: '19+17=37\n' },
      { prompt: '19+17\n19+17=36\n', chosen: 'answer: 36', rejected: 'answer: 38' },
      { prompt: '3+4\n', chosen: '3+4=7\n', rejected: '3+4=8\n' },
      { prompt: '3+4\n3+4=7\n', chosen: 'answer: 7', rejected: 'answer: 9' },
    ]);
    // All alternatives in one batched call.
    expect(stepCalls.map((c) => c.length)).toEqual([4]);
    // With width 2 the only accepted alternative of the first step is the swapped sum.
    const narrow = await firstErrorStepPairs(policy, task, [problem(3, 4)], {
      samplesPerProblem: 2,
      width: 2,
      maxTokens: 32,
    });
    expect(narrow.pairs).toEqual([{ prompt: '3+4\n', chosen: '4+3=7\n', rejected: '3+4=8\n' }]);
  });

  it('drops an error with no verified alternative among `width` samples', async () => {
    const { policy } = scriptedPolicy();
    const built = await firstErrorStepPairs(policy, task, [problem(1, 2)], {
      samplesPerProblem: 3,
      width: 1,
      maxTokens: 32,
    });
    expect(built.pairs).toEqual([]);
    expect(built.numCorrect).toBe(1);
  });

  it('names a missing step checker and bad options', async () => {
    const { policy } = scriptedPolicy();
    const { checkSteps: _, ...noChecker } = task;
    await expect(firstErrorStepPairs(policy, noChecker, [problem(1, 2)], { maxTokens: 8 })).rejects.toThrow(
      /no step checker/,
    );
    await expect(
      firstErrorStepPairs(policy, task, [problem(1, 2)], { maxTokens: 8, width: 0 }),
    ).rejects.toThrow(/width must be a positive integer/);
  });
});

describe('iterativeDpo inputs', () => {
  it('takes exactly one of generate and generatePairs', async () => {
    const base = { model: {}, tokenizer: {}, runtime: {}, numRounds: 1 } as never as Parameters<
      typeof iterativeDpo
    >[0];
    await expect(iterativeDpo(base)).rejects.toThrow(/exactly one of `generate` and `generatePairs`/);
    await expect(
      iterativeDpo({
        ...base,
        generate: async () => [],
        generatePairs: async () => ({ pairs: [], sampleAccuracy: 0 }),
      }),
    ).rejects.toThrow(/exactly one/);
  });
});
