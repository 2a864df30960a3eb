import { arithmeticProblem, arithmeticTask, solveArithmetic } from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { mcPrmExamples, splitSteps } from './mc-examples.js';
import { createScriptedPolicy } from './test-fixtures.js';

describe('mcPrmExamples', () => {
  const problem = arithmeticProblem({ a: '123', b: '456' });
  const right = solveArithmetic(problem.data);
  // A wrong second partial product; everything after it copies the reference.
  const wrong = [right[0]!, '123*50=6160', ...right.slice(2)];
  const answer = right.at(-1)!;

  it('labels every step of every sampled solution by its rollouts, and the outcome by verify', async () => {
    // Root prompts get a whole solution (sample 0 right, sample 1 wrong); a prefix is completed
    // with the reference answer, which verifies only when the prefix has no wrong partial product.
    const policy = createScriptedPolicy((prompt, j) => {
      const isRoot = prompt === arithmeticTask.prompt(problem);
      if (isRoot) return (j === 0 ? right : wrong).join('\n');
      return answer;
    });
    const { examples, compute } = await mcPrmExamples(policy, arithmeticTask as never, [problem as never], {
      samplesPerProblem: 2,
      rolloutsPerStep: 3,
      maxTokens: 64,
      seed: 1,
      labels: 'hard',
    });
    expect(examples).toHaveLength(2);
    expect(examples[0]!.steps).toEqual(right);
    expect(examples[0]!.outcome).toBe(1);
    expect(examples[0]!.stepLabels).toEqual(right.map(() => 1));
    // The completer's answer is always the right product, so MC labels the prefixes of the wrong
    // solution 1 (Math-Shepherd's known weakness), while verify catches nothing either: the final
    // answer line is right. What differs is the consensus filter below.
    expect(examples[1]!.stepLabels).toEqual(wrong.map(() => 1));
    expect(examples[1]!.outcome).toBe(1);
    expect(examples[1]!.stepMask).toBeUndefined();
    expect(compute.samples).toBe(2 + 3 * (right.length - 1 + wrong.length - 1));
  });

  it('marks the steps where MC and checkSteps disagree when the consensus filter is on', async () => {
    const policy = createScriptedPolicy((prompt) =>
      prompt === arithmeticTask.prompt(problem) ? wrong.join('\n') : answer,
    );
    const { examples } = await mcPrmExamples(policy, arithmeticTask as never, [problem as never], {
      samplesPerProblem: 1,
      rolloutsPerStep: 2,
      maxTokens: 64,
      seed: 1,
      labels: 'soft',
      consensus: 'checkSteps',
    });
    const mask = examples[0]!.stepMask!;
    expect(mask[0]).toBe(true);
    // Step 2 is wrong by checkSteps but every rollout from it verifies: dropped.
    expect(mask[1]).toBe(false);
  });
});

describe('mcPrmExamples with addReferenceSolutions', () => {
  it("appends each problem's task.solve solution after its samples", async () => {
    const problem = arithmeticProblem({ a: '21', b: '34' });
    const policy = createScriptedPolicy(() => 'answer: 1');
    const { examples } = await mcPrmExamples(policy, arithmeticTask as never, [problem as never], {
      samplesPerProblem: 2,
      rolloutsPerStep: 1,
      maxTokens: 16,
      seed: 0,
      labels: 'hard',
      addReferenceSolutions: true,
    });
    expect(examples.map((e) => e.outcome)).toEqual([0, 0, 1]);
    expect(examples[2]!.steps).toEqual(solveArithmetic(problem.data));
  });
});

describe('splitSteps', () => {
  it('drops empty steps around delimiters', () => {
    expect(splitSteps('1+2=3\n\n3*4=12\n', '\n')).toEqual(['1+2=3', '3*4=12']);
  });
});
