import {
  ComputeMeter,
  createRng,
  type Policy,
  passAtK,
  type Sample,
  type SampleOptions,
  type State,
  type Task,
} from '@o1lab/core';
import { countdownProblem, countdownTask } from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, resolveEvaluationConfig } from './evaluate.js';

/** Answers each problem correctly in a fixed share of its samples; greedy is right on even targets. */
class ScriptedPolicy implements Policy {
  readonly name = 'scripted';
  readonly meter = new ComputeMeter();
  async sampleSteps(): Promise<Sample[][]> {
    throw new Error('unused');
  }
  async sampleCompletions(states: readonly State[], options: SampleOptions): Promise<Sample[][]> {
    this.meter.add({ policyCalls: 1 });
    const rng = createRng(options.seed ?? 0);
    return states.map((s) => {
      const { numbers, target } = s.problem.data as { numbers: number[]; target: number };
      const right = `given: ${numbers.join(' ')}\n${numbers[0]}+${numbers[1]}=${numbers[0]! + numbers[1]!}\nanswer: ${target}`;
      const wrong = 'answer: 0';
      const n = options.n ?? 1;
      if (options.temperature === 0) return [sample(target % 2 === 0 ? right : wrong)];
      // target 3 -> 4 of 16 right, target 5 -> 0 right, others all right
      const good = target === 3 ? 4 : target === 5 ? 0 : n;
      const order = Array.from({ length: n }, (_, i) => i < good);
      rng.nextUint32();
      return order.map((ok) => sample(ok ? right : wrong));
    });
  }
  async logprobs(): Promise<readonly number[]> {
    return [];
  }
}

function sample(text: string): Sample {
  return { text, tokenIds: [], tokenLogprobs: [], finishReason: 'stop' };
}

describe('evaluatePolicy', () => {
  it('computes greedy pass@1 with a Wilson interval and unbiased pass@k per problem', async () => {
    const problems = [
      countdownProblem({ numbers: [1, 2, 7], target: 3 }),
      countdownProblem({ numbers: [2, 3, 7], target: 5 }),
      countdownProblem({ numbers: [2, 4, 7], target: 6 }),
      countdownProblem({ numbers: [3, 5, 7], target: 8 }),
    ];
    const policy = new ScriptedPolicy();
    const result = await evaluatePolicy(policy, countdownTask as unknown as Task, problems, {
      numSamples: 16,
      ks: [1, 4, 16],
      verify: 'solution',
    });
    expect(result.greedyPass1.value).toBe(0.5);
    expect(result.greedyPass1.lo).toBeGreaterThan(0);
    // Greedy is right on the even targets (6, 8), in the order of the problems.
    expect(result.greedyCorrect).toEqual([false, false, true, true]);
    const expected = (k: number) => (passAtK(16, 4, k) + passAtK(16, 0, k) + 1 + 1) / 4;
    expect(result.passAtK['pass@1']!.value).toBeCloseTo(expected(1), 12);
    expect(result.passAtK['pass@4']!.value).toBeCloseTo(expected(4), 12);
    expect(result.passAtK['pass@16']!.value).toBeCloseTo(0.75, 12);
    expect(result.sampledBehaviours.analysis).toBeCloseTo((4 + 0 + 16 + 16) / 64, 12);
    expect(result.compute?.policyCalls).toBe(2);
    // Countdown's own verifier reads the `given:` line as commentary, so it agrees with 'solution'.
    const strict = await evaluatePolicy(policy, countdownTask as unknown as Task, problems, {
      numSamples: 4,
      ks: [1],
    });
    expect(strict.greedyPass1.value).toBe(0.5);
  });

  it('validates its config, naming the option', () => {
    expect(() => resolveEvaluationConfig({ ks: [32] })).toThrow(/`ks\[\]`/);
    expect(() => resolveEvaluationConfig({ verify: 'loose' as never })).toThrow(/`verify`/);
  });
});
