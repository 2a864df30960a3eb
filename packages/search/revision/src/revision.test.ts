import type { Policy, Problem, State } from '@o1lab/core';
import {
  contextOf,
  createToyEnvironment,
  expectGolden,
  goldenOf,
  optimalSteps,
  type ToyMdpData,
} from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { chainShape, defaultRevisionConfig, resolveRevisionConfig } from './config.js';
import { type RevisionAttempt, selectAttempt, sequentialRevision } from './revision.js';

const jsonPrompt = (_root: State, previous: readonly string[]) => JSON.stringify({ attempts: previous });

/**
 * A policy with trained correction behaviour: asked to revise, it fixes the first wrong step of the
 * last attempt (keeping the rest); first attempts come from the toy table policy.
 */
function correctingPolicy(base: Policy, prompts: string[] = []): Policy {
  return {
    name: 'correcting',
    meter: base.meter,
    sampleSteps: (states, options) => base.sampleSteps(states, options),
    async sampleCompletions(states, options) {
      if (!states.every((s) => s.prompt.startsWith('{"attempts"')))
        return base.sampleCompletions(states, options);
      const n = options.n ?? 1;
      let tokens = 0;
      const out = states.map((s) => {
        prompts.push(s.prompt);
        const { attempts } = JSON.parse(s.prompt) as { attempts: string[] };
        const problem = s.problem as unknown as Problem<ToyMdpData>;
        const steps = attempts.at(-1)!.split('\n');
        const optimal = optimalSteps(problem);
        const k = optimal.findIndex((step, i) => steps[i] !== step);
        const fixed = k < 0 ? steps : [...optimal.slice(0, k + 1), ...steps.slice(k + 1)];
        const text = fixed.join('\n');
        tokens += n * (text.length + 1);
        return Array.from({ length: n }, () => ({
          text,
          tokenIds: Array.from(text, (c) => c.charCodeAt(0)),
          tokenLogprobs: Array.from(text, () => 0),
          finishReason: 'eos' as const,
        }));
      });
      base.meter.add({ policyCalls: 1, samples: states.length * n, generatedTokens: tokens });
      return out;
    },
  };
}

describe('config', () => {
  it('has frozen defaults and names the bad option', () => {
    expect(defaultRevisionConfig.contextWindow).toBe(4);
    expect(Object.isFrozen(defaultRevisionConfig)).toBe(true);
    expect(() => resolveRevisionConfig({ sequentialRatio: 0 })).toThrow(
      '`sequentialRatio` must be > 0, got 0',
    );
    expect(() => resolveRevisionConfig({ scorer: 'judge' as never })).toThrow('`scorer` must be one of');
  });

  it('shapes N samples into P chains of L revisions by the sequential/parallel ratio', () => {
    expect(chainShape(16, 1)).toEqual({ chainLength: 4, numChains: 4 });
    expect(chainShape(16, 1 / 16)).toEqual({ chainLength: 1, numChains: 16 });
    expect(chainShape(16, 16)).toEqual({ chainLength: 16, numChains: 1 });
    expect(chainShape(16, 4)).toEqual({ chainLength: 8, numChains: 2 });
    expect(chainShape(10, 1)).toEqual({ chainLength: 3, numChains: 3 });
    expect(chainShape(4, 1000)).toEqual({ chainLength: 4, numChains: 1 });
  });
});

describe('sequentialRevision', () => {
  it('runs L rounds of one policy call for all chains, then one reward call for every attempt', async () => {
    const env = createToyEnvironment({ seed: 2 });
    const result = await sequentialRevision(env.problem, contextOf(env), {
      config: { numSamples: 12, sequentialRatio: 4 / 3, seed: 1 },
    });
    const tree = result.tree!;
    expect(tree.chainLength).toBe(4);
    expect(tree.numChains).toBe(3);
    expect(tree.chains.map((c) => c.length)).toEqual([4, 4, 4]);
    expect(result.compute.policyCalls).toBe(4);
    expect(result.compute.samples).toBe(12);
    expect(result.compute.rewardCalls).toBe(1);
    expect(result.candidates).toHaveLength(12);
    // Revision prompts start with the task prompt the first round read: that prefix is cached.
    expect(result.compute.cachedPrefillTokens).toBeGreaterThan(0);
  });

  it('shows each revision the chain’s most recent attempts, at most contextWindow of them', async () => {
    const env = createToyEnvironment({ seed: 4, pCorrect: 0.2 });
    const prompts: string[] = [];
    const policy = correctingPolicy(env.policy, prompts);
    await sequentialRevision(
      env.problem,
      { policy, task: env.task, reward: env.reward! },
      { config: { numSamples: 6, sequentialRatio: 6, contextWindow: 2 }, revisionPrompt: jsonPrompt },
    );
    const shown = prompts.map((p) => (JSON.parse(p) as { attempts: string[] }).attempts.length);
    expect(shown).toEqual([1, 2, 2, 2, 2]);
  });

  it('the default prompt carries the previous attempts in order', async () => {
    const env = createToyEnvironment({ seed: 4 });
    const seen: string[] = [];
    const policy: Policy = {
      ...env.policy,
      name: 'recording',
      meter: env.policy.meter,
      sampleSteps: (s, o) => env.policy.sampleSteps(s, o),
      sampleCompletions: (states, o) => {
        for (const s of states) seen.push(s.prompt);
        return env.policy.sampleCompletions(states, o);
      },
    };
    const result = await sequentialRevision(
      env.problem,
      { policy, task: env.task, reward: env.reward! },
      {
        config: { numSamples: 3, sequentialRatio: 3 },
      },
    );
    const attempts = result.tree!.chains[0]!.map((a) => a.text);
    expect(seen[2]).toContain(`Previous attempt 1:\n${attempts[0]}\n`);
    expect(seen[2]).toContain(`Previous attempt 2:\n${attempts[1]}\n`);
    expect(seen[2]!.startsWith(env.task.prompt(env.problem))).toBe(true);
  });

  it('with a policy that corrects itself, sequential revisions beat parallel sampling at equal N', async () => {
    let sequential = 0;
    let parallel = 0;
    for (let seed = 0; seed < 20; seed++) {
      const env = createToyEnvironment({ seed, pCorrect: 0.3 });
      const policy = correctingPolicy(env.policy);
      const context = { policy, task: env.task };
      const seq = await sequentialRevision(env.problem, context, {
        config: { numSamples: 8, sequentialRatio: 8, scorer: 'verifier', seed },
        revisionPrompt: jsonPrompt,
      });
      const par = await sequentialRevision(env.problem, context, {
        config: { numSamples: 8, sequentialRatio: 1 / 8, scorer: 'verifier', seed },
        revisionPrompt: jsonPrompt,
      });
      expect(seq.compute.samples).toBe(8);
      expect(par.compute.samples).toBe(8);
      if (seq.answer === env.answer) sequential++;
      if (par.answer === env.answer) parallel++;
    }
    // Three revisions fix any path of depth 3; eight parallel samples find it with p ~ 0.2 each.
    expect(sequential).toBe(20);
    expect(parallel).toBeLessThan(12);
  });

  it('cuts the chains to the budget', async () => {
    const env = createToyEnvironment({ seed: 2 });
    const result = await sequentialRevision(env.problem, contextOf(env), {
      budget: { samples: 6 },
      config: { numSamples: 16, sequentialRatio: 1, maxTokens: 16 },
    });
    expect(result.compute.samples).toBe(6);
    expect(result.tree!.chains.map((c) => c.length)).toEqual([2, 2, 1, 1]);
  });

  it('matches its golden run', async () => {
    const env = createToyEnvironment({ seed: 7 });
    const result = await sequentialRevision(env.problem, contextOf(env), { config: { numSamples: 6 } });
    expectGolden(new URL('./__golden__/revision-toy.json', import.meta.url), goldenOf(result));
  });
});

describe('selectAttempt', () => {
  const attempt = (answer: string | null, score: number): RevisionAttempt => ({
    text: '',
    steps: [],
    answer,
    finishReason: 'eos',
    numTokens: 0,
    score,
  });
  const chains = [
    [attempt('1', 0.2), attempt('2', 0.9), attempt('3', 0.1)],
    [attempt('3', 0.5), attempt('3', 0.6)],
    [attempt('3', 0.55), attempt('1', 0.3)],
  ];

  it('hierarchical: best of each chain, then the score-weighted vote across chains', () => {
    const { chosen, answerWeights } = selectAttempt(chains, { finalSelection: 'hierarchical' });
    expect(answerWeights).toEqual([
      { key: '2', answer: '2', weight: 0.9 },
      { key: '3', answer: '3', weight: 0.6 + 0.55 },
    ]);
    expect(chosen).toEqual({ chain: 1, attempt: 1 });
  });

  it('best, weighted and majority', () => {
    expect(selectAttempt(chains, { finalSelection: 'best' }).chosen).toEqual({ chain: 0, attempt: 1 });
    const weighted = selectAttempt(chains, { finalSelection: 'weighted' });
    expect(weighted.chosen).toEqual({ chain: 1, attempt: 1 });
    const majority = selectAttempt(chains, { finalSelection: 'majority' });
    expect(majority.answerWeights.find((w) => w.answer === '3')!.weight).toBe(4);
    expect(majority.chosen).toEqual({ chain: 1, attempt: 1 });
    expect(selectAttempt([], { finalSelection: 'best' }).chosen).toBeNull();
  });
});
