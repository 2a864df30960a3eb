import { appendStep, type State } from '@o1lab/core';
import { afterEach, describe, expect, it } from 'vitest';
import { labelScore, OpenAIRewardModel } from './reward.js';
import { sendJson, startScriptedServer } from './test-server.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const root: State = { problem: { id: 'p', task: 'toy', question: '', data: null }, prompt: 'Q:', steps: [] };

describe('OpenAIRewardModel', () => {
  it('reads the label probabilities of the first token, one prompt per step prefix', async () => {
    const bodies: Record<string, unknown>[] = [];
    const server = await startScriptedServer((_req, res, body) => {
      const b = body as { prompt: string | string[] };
      bodies.push(b);
      const prompts = Array.isArray(b.prompt) ? b.prompt : [b.prompt];
      sendJson(res, 200, {
        choices: prompts.map((p, index) => ({
          index,
          text: '+',
          // p(+) = 0.6 and p(-) = 0.2 after "a", else p(+) = 0.1 and p(-) = 0.3 (with a leading space).
          logprobs: {
            tokens: ['+'],
            token_logprobs: [0],
            top_logprobs: [
              p.includes('a\n b')
                ? { ' +': Math.log(0.1), ' -': Math.log(0.3) }
                : { '+': Math.log(0.6), '-': Math.log(0.2), x: -1 },
            ],
          },
          finish_reason: 'length',
        })),
        usage: { prompt_tokens: 5 * prompts.length, completion_tokens: prompts.length },
      });
    });
    closers.push(server.close);
    const reward = new OpenAIRewardModel(
      { baseUrl: server.url, model: 'prm' },
      { labelPrompt: ' ', promptsPerRequest: 2 },
    );
    const state = appendStep(appendStep(root, { text: 'a' }), { text: ' b' });
    const [steps] = await reward.scoreSteps([state]);
    expect(steps![0]).toBeCloseTo(0.75, 12);
    expect(steps![1]).toBeCloseTo(0.25, 12);
    expect(await reward.scoreOutcome([state])).toEqual([steps![1]]);
    expect(bodies[0]).toMatchObject({
      model: 'prm',
      prompt: ['Q:a\n ', 'Q:a\n b\n '],
      max_tokens: 1,
      temperature: 0,
      logprobs: 5,
    });
    expect(reward.meter.snapshot()).toMatchObject({
      rewardCalls: 2,
      rewardTokens: 15,
      prefillTokens: 0,
      generatedTokens: 0,
    });
  });

  it('scores 0.5 when neither label is among the alternatives, and rejects equal labels', () => {
    expect(labelScore({ x: -0.1 }, '+', '-')).toBe(0.5);
    expect(labelScore({ Yes: Math.log(0.9) }, 'Yes', 'No')).toBe(1);
    expect(
      () =>
        new OpenAIRewardModel(
          { baseUrl: 'http://x/v1', model: 'm' },
          { positiveLabel: '+', negativeLabel: ' +' },
        ),
    ).toThrow(/must differ/);
  });
});
