import type { Policy, SampleOptions, State } from '@o1lab/core';
import { type SumToyData, scriptedSample, sumToyProblem, sumToyTask } from '@o1lab/learn-rollout';
import { describe, expect, it } from 'vitest';
import { stepSearchCandidates } from './step-search.js';

const problem = sumToyProblem;
const task = sumToyTask;
const sample = scriptedSample;
type Sum = SumToyData;

/**
 * A scripted policy: for the first step it proposes an off-by-one sum before the right one; for
 * the second, a wrong answer line before the right one (both ending at EOS). Records every call.
 */
function scriptedPolicy(): { policy: Policy; calls: number[] } {
  const calls: number[] = [];
  const policy = {
    async sampleSteps(states: readonly State[], options: SampleOptions & { stepDelimiter: string }) {
      calls.push(states.length);
      return states.map((s) => {
        const { a, b } = s.problem.data as unknown as Sum;
        const proposals =
          s.steps.length === 0
            ? [sample(`${a}+${b}=${a + b + 1}`, 'stop'), sample(`${a}+${b}=${a + b}`, 'stop')]
            : [sample(`answer: ${a + b + 1}`, 'eos'), sample(`answer: ${a + b}`, 'eos')];
        return Array.from(
          { length: options.n ?? 1 },
          (_, i) => proposals[Math.min(i, proposals.length - 1)]!,
        );
      });
    },
  } as unknown as Policy;
  return { policy, calls };
}

describe('stepSearchCandidates', () => {
  const requests = [problem(19, 17), problem(3, 4)].map((p) => ({ problem: p, prompt: `${p.question}\n` }));
  const options = { n: 2, seed: 0, temperature: 1, maxTokens: 32 };

  it('keeps the first accepted step at every position, so a solution the first samples get wrong comes out right', async () => {
    const { policy, calls } = scriptedPolicy();
    const out = await stepSearchCandidates(policy, task, { width: 2 })(requests, options);
    expect(out).toEqual([
      ['19+17=36\nanswer: 36', '19+17=36\nanswer: 36'],
      ['3+4=7\nanswer: 7', '3+4=7\nanswer: 7'],
    ]);
    for (const [i, row] of out.entries()) {
      for (const text of row) expect(task.verify(requests[i]!.problem, text).correct).toBe(true);
    }
    // One batched call per step position, each with every partial solution of every request.
    expect(calls).toEqual([4, 4]);
  });

  it('returns a candidate with no accepted next step as it stands, and it fails the verifier', async () => {
    const { policy, calls } = scriptedPolicy();
    const out = await stepSearchCandidates(policy, task, { width: 1 })(requests, { ...options, n: 1 });
    expect(out).toEqual([[''], ['']]);
    expect(calls).toEqual([2]);
    expect(task.verify(requests[0]!.problem, out[0]![0]!).correct).toBe(false);
  });

  it('stops a candidate at maxSteps and at maxTokens', async () => {
    const { policy } = scriptedPolicy();
    const oneStep = await stepSearchCandidates(policy, task, { width: 2, maxSteps: 1 })(requests, {
      ...options,
      n: 1,
    });
    expect(oneStep).toEqual([['19+17=36'], ['3+4=7']]);
    const short = await stepSearchCandidates(policy, task, { width: 2 })(requests, {
      ...options,
      n: 1,
      maxTokens: 8,
    });
    // "19+17=36" plus its delimiter is 9 tokens; "3+4=7" fits, its answer line does not.
    expect(short).toEqual([[''], ['3+4=7']]);
  });

  it('names a missing step checker and bad options', () => {
    const { policy } = scriptedPolicy();
    expect(() => stepSearchCandidates(policy, { stepDelimiter: '\n', verify: task.verify })).toThrow(
      /no step checker/,
    );
    expect(() => stepSearchCandidates(policy, task, { width: 0 })).toThrow(
      /width must be a positive integer/,
    );
    expect(() => stepSearchCandidates(policy, task, { maxSteps: 1.5 })).toThrow(/maxSteps/);
  });
});
