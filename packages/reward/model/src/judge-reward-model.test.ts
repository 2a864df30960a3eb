import type { State } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { createJudgeRewardModel, defaultJudgePrompt, parseVerdict } from './judge-reward-model.js';
import { createScriptedPolicy } from './test-fixtures.js';

const problem = { id: 'p1', task: 'toy', question: 'What is 2 + 3?', data: null };
const state = (steps: string[]): State => ({
  problem,
  prompt: 'q\n',
  steps: steps.map((text) => ({ text })),
});

describe('parseVerdict', () => {
  const tot = { sure: 1, likely: 0.5, impossible: 0 };
  it("reads the last verdict word, whole words only, any case, as Tree of Thoughts' value prompt asks", () => {
    expect(parseVerdict('2 + 3 = 5\nsure', tot)).toBe(1);
    expect(parseVerdict('It is likely.\nIMPOSSIBLE', tot)).toBe(0);
    expect(parseVerdict('surely not... likely', tot)).toBe(0.5);
    expect(parseVerdict('unsure', tot)).toBeNull();
    expect(parseVerdict('no verdict here', tot)).toBeNull();
    expect(parseVerdict('Answer: Yes', { yes: 1, no: 0 })).toBe(1);
    expect(parseVerdict('very likely', { likely: 0.5, 'very likely': 0.9 })).toBe(0.9);
  });
});

describe('createJudgeRewardModel', () => {
  it('judges every prefix of every state in one batched call and averages the verdicts', async () => {
    // The judge says 'sure' to prompts whose steps mention 5, else 'impossible' on the first sample and 'likely' on the others.
    const policy = createScriptedPolicy((prompt, j) =>
      /=\s*5/.test(prompt) ? 'sure' : j === 0 ? 'impossible' : 'likely',
    );
    const rm = createJudgeRewardModel(policy, { numJudgements: 4, seed: 7 });
    const scores = await rm.scoreSteps([state(['2 + 3 = 5', 'answer: 5']), state(['2 + 3 = 6'])]);
    expect(policy.prompts).toHaveLength(1);
    expect(policy.prompts[0]).toHaveLength(3);
    // Prefix 1 of state 1 contains "= 5": all sure. State 2's only prefix: (0 + 0.5 * 3) / 4.
    expect(scores).toEqual([[1, 1], [0.375]]);
    expect(rm.meter.snapshot().rewardCalls).toBe(1);
    expect(policy.meter.snapshot()).toMatchObject({ policyCalls: 1, samples: 12 });
    expect(rm.name).toBe('judge:scripted');
  });

  it('builds prompts with the configured builder and counts unparsed judgements as unparsedValue', async () => {
    const policy = createScriptedPolicy((_p, j) => (j === 0 ? 'yes' : 'mumble'));
    const rm = createJudgeRewardModel(
      policy,
      { numJudgements: 2, verdicts: { yes: 1, no: 0 }, unparsedValue: 0.25 },
      { buildPrompt: (s, kind) => `${kind}:${s.steps.length}` },
    );
    expect(await rm.scoreOutcome([state(['a', 'b'])])).toEqual([(1 + 0.25) / 2]);
    expect(policy.prompts).toEqual([['outcome:2']]);
  });

  it('writes the problem, the steps and the question into the default prompt', () => {
    const prompt = defaultJudgePrompt(state(['2 + 3 = 5']), 'step', '\n');
    expect(prompt).toBe(
      'Problem: What is 2 + 3?\nSteps:\n2 + 3 = 5\nCan these steps still reach a correct answer? Answer sure, likely or impossible.\nVerdict:',
    );
  });

  it('rejects bad options by name', () => {
    const policy = createScriptedPolicy(() => '');
    expect(() => createJudgeRewardModel(policy, { numJudgements: 0 })).toThrow(
      /`numJudgements` must be >= 1/,
    );
    expect(() => createJudgeRewardModel(policy, { verdicts: {} })).toThrow(
      /`verdicts` must map at least one/,
    );
    expect(() => createJudgeRewardModel(policy, { verdicts: { 'a|b': 1 } })).toThrow(/word 'a\|b'/);
    expect(() => createJudgeRewardModel(policy, { verdicts: { yes: Number.NaN } })).toThrow(
      /`verdicts.yes` must be a finite number/,
    );
  });
});
