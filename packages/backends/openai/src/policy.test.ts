import { appendStep, type Json, type Problem, type State, type Task } from '@o1lab/core';
import { OrtPolicy } from '@o1lab/model';
import { beamSearch } from '@o1lab/search-beam';
import { bestOfN } from '@o1lab/search-best-of-n';
import { createNoisyRewardModel } from '@o1lab/search-testkit';
import { countdownTask } from '@o1lab/tasks';
import { afterAll, describe, expect, it } from 'vitest';
import { OpenAIPolicy } from './policy.js';
import { OpenAIRewardModel } from './reward.js';
import { startTestModelServer } from './test-server.js';

const served = await startTestModelServer({ maxLogprobs: 64 });
afterAll(() => served.close());
const endpoint = { baseUrl: served.server.url, model: 'tinygpt' };
const local = () => new OrtPolicy(served.local.runtime, served.local.tokenizer);
// Both runtimes start with empty prefix caches, so that the same calls read the same cached keys and
// values and give bit-identical logits.
const freshCaches = () => {
  served.served.runtime.clearPrefixCache();
  served.local.runtime.clearPrefixCache();
};

const task = countdownTask as unknown as Task<Json>;
const problem: Problem = {
  id: 'countdown-3-5-7-26',
  task: 'countdown',
  question: 'reach 26 from 3 5 7',
  data: { numbers: [3, 5, 7], target: 26 },
};
const root: State = { problem, prompt: task.prompt(problem), steps: [] };
const states = [root, appendStep(root, { text: '3 + 5 = 8' }), appendStep(root, { text: '7 * 3 = 21' })];

/** A reward that depends on the prefix text only (same score in any batch), so choices depend on the samples. */
const textReward = (t: Pick<Task, 'stepDelimiter'> = task) =>
  createNoisyRewardModel(t, () => 0.5, { noise: 0.2, seed: 1 });

describe('OpenAIPolicy against o1lab serve', () => {
  it('samples steps exactly as OrtPolicy does for the same seed, and meters the usage', async () => {
    freshCaches();
    const options = { n: 3, maxTokens: 24, stepDelimiter: '\n', seed: 17, temperature: 0.9 } as const;
    const http = new OpenAIPolicy(endpoint, { seedMode: 'o1lab', promptsPerRequest: 8 });
    const mine = await http.sampleSteps(states, options);
    const ort = local();
    const theirs = await ort.sampleSteps(states, options);
    expect(mine).toEqual(theirs);
    const m = http.meter.snapshot();
    const o = ort.meter.snapshot();
    expect([m.policyCalls, m.samples, m.generatedTokens, m.prefillTokens]).toEqual([
      1,
      9,
      o.generatedTokens,
      o.prefillTokens,
    ]);
    expect(m.prefillTokens + m.cachedPrefillTokens).toBe(
      states.reduce((a, s) => a + 1 + s.prompt.length + (s.steps[0]?.text.length ?? -1) + 1, 0),
    );
  });

  it('gives the same samples when the call is split into concurrent requests', async () => {
    const options = { n: 3, maxTokens: 16, stepDelimiter: '\n', seed: 23 } as const;
    const http = new OpenAIPolicy(endpoint, {
      seedMode: 'o1lab',
      promptsPerRequest: 1,
      maxNPerRequest: 2,
      maxConcurrency: 3,
    });
    const mine = await http.sampleSteps(states, options);
    const theirs = await local().sampleSteps(states, options);
    // Batched left-padded rows and single rows agree to float rounding, so tokens match and logprobs are close.
    expect(mine.map((r) => r.map((s) => [s.text, s.tokenIds, s.finishReason]))).toEqual(
      theirs.map((r) => r.map((s) => [s.text, s.tokenIds, s.finishReason])),
    );
    for (const [i, s] of mine.flat().entries()) {
      const t = theirs.flat()[i]!;
      for (const [k, lp] of s.tokenLogprobs.entries()) expect(lp).toBeCloseTo(t.tokenLogprobs[k]!, 4);
    }
    expect(http.requestStats()).toEqual({ attempts: 6, retries: 0, succeeded: 6, failed: 0 });
  });

  it("is deterministic for a seed with per-request seeds ('request' mode)", async () => {
    const options = { n: 2, maxTokens: 12, stepDelimiter: '\n', seed: 5 } as const;
    const a = await new OpenAIPolicy(endpoint).sampleSteps(states, options);
    const b = await new OpenAIPolicy(endpoint).sampleSteps(states, options);
    const c = await new OpenAIPolicy(endpoint).sampleSteps(states, { ...options, seed: 6 });
    const texts = (x: typeof a) => x.map((r) => r.map((s) => s.text));
    expect(texts(b)).toEqual(texts(a));
    expect(texts(c)).not.toEqual(texts(a));
  });

  it('logprobs of a continuation match OrtPolicy.logprobs', async () => {
    const http = new OpenAIPolicy(endpoint);
    const mine = await http.logprobs(states[1]!, '8 * 3 = 24\n');
    const theirs = await local().logprobs(states[1]!, '8 * 3 = 24\n');
    expect(mine.length).toBe(11);
    for (const [i, lp] of mine.entries()) expect(lp).toBeCloseTo(theirs[i]!, 4);
    expect(http.meter.snapshot().policyCalls).toBe(1);
  });

  it('best-of-N over HTTP gives the in-process answer for the same seed', async () => {
    freshCaches();
    const config = { n: 6, maxTokens: 40, seed: 9, scoring: 'orm' as const };
    const http = new OpenAIPolicy(endpoint, {
      seedMode: 'o1lab',
      promptsPerRequest: 64,
      stepDelimiter: task.stepDelimiter,
    });
    const overHttp = await bestOfN(problem, { policy: http, task, reward: textReward() }, { config });
    const inProcess = await bestOfN(problem, { policy: local(), task, reward: textReward() }, { config });
    expect(overHttp.tree).toEqual(inProcess.tree);
    expect([overHttp.answer, overHttp.steps]).toEqual([inProcess.answer, inProcess.steps]);
    expect(overHttp.candidates).toEqual(inProcess.candidates);
    expect(overHttp.tree!.samples.length).toBe(6);
    expect(overHttp.compute.generatedTokens).toBe(inProcess.compute.generatedTokens);
  });

  it('beam search over HTTP gives the in-process answer and tree for the same seed', async () => {
    freshCaches();
    // Steps end at a space, which the random model writes often, so that beams run several rounds.
    const spaced: Task<Json> = { ...task, stepDelimiter: ' ' };
    const config = { n: 6, beamWidth: 2, numIterations: 3, maxStepTokens: 16, seed: 4 };
    const http = new OpenAIPolicy(endpoint, { seedMode: 'o1lab', promptsPerRequest: 64 });
    const overHttp = await beamSearch(
      problem,
      { policy: http, task: spaced, reward: textReward(spaced) },
      { config },
    );
    const inProcess = await beamSearch(
      problem,
      { policy: local(), task: spaced, reward: textReward(spaced) },
      { config },
    );
    expect(overHttp.tree).toEqual(inProcess.tree);
    expect([overHttp.answer, overHttp.steps, overHttp.candidates]).toEqual([
      inProcess.answer,
      inProcess.steps,
      inProcess.candidates,
    ]);
    expect(overHttp.compute.policyCalls).toBe(inProcess.compute.policyCalls);
    expect(overHttp.compute.policyCalls).toBeGreaterThanOrEqual(2);
  });
});

describe('OpenAIRewardModel against o1lab serve', () => {
  it('scores are the label probabilities p(+) / (p(+) + p(-)) after each step', async () => {
    const reward = new OpenAIRewardModel(endpoint, { topLogprobs: 64, labelPrompt: ' ' });
    const state = appendStep(states[1]!, { text: '8 * 3 = 24' });
    const [steps] = await reward.scoreSteps([state]);
    const [outcome] = await reward.scoreOutcome([state]);
    const ort = local();
    const expected = async (s: State) => {
      const prefix = {
        ...s,
        steps: [] as State['steps'],
        prompt: `${s.prompt}${s.steps.map((x) => `${x.text}\n`).join('')} `,
      };
      const [pos] = await ort.logprobs(prefix, '+');
      const [neg] = await ort.logprobs(prefix, '-');
      return Math.exp(pos!) / (Math.exp(pos!) + Math.exp(neg!));
    };
    expect(steps!.length).toBe(2);
    expect(steps![0]).toBeCloseTo(await expected(states[1]!), 4);
    expect(steps![1]).toBeCloseTo(await expected(state), 4);
    expect(outcome).toBeCloseTo(steps![1]!, 6);
    const m = reward.meter.snapshot();
    expect(m.rewardCalls).toBe(2);
    expect(m.rewardTokens).toBeGreaterThan(0);
    expect(m.prefillTokens).toBe(0);
  });
});
