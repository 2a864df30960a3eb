import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, initialState, isO1labError, type Sample, type State } from '@o1lab/core';
import {
  type MctsGameTree,
  mctsBackupReference,
  mctsPuctScoreReference,
  mctsSelectReference,
  mctsVirtualLossReference,
  readReferenceJson,
} from '@o1lab/reference';
import { describe, expect, it } from 'vitest';
import { defaultMctsConfig, type MctsConfig, resolveMctsConfig } from './config.js';
import {
  allowedSamples,
  applyVirtualLoss,
  backup,
  childPriors,
  evaluateNodes,
  expandNode,
  explorationRate,
  type MctsSearchState,
  type MutableMctsNode,
  mctsSearch,
  puctScore,
  revertVirtualLoss,
  selectChild,
  type ValueBounds,
} from './mcts.js';
import { createToyPolicy, createToyReward, createToyTask, type ToyGameTree } from './test-game-tree.js';
import { meanValue, visitDistribution } from './tree.js';

const gameTree = readReferenceJson<MctsGameTree>('mcts-game-tree.json');
const toy: ToyGameTree = gameTree;

function setup(tree: ToyGameTree = toy, stepValue?: (path: readonly string[]) => number) {
  const task = createToyTask(tree);
  const policy = createToyPolicy(tree);
  const reward = createToyReward(tree, stepValue);
  const problem = task.generate(createRng(0));
  return { task, policy, reward, problem };
}

function randomNode(id: number, rng: ReturnType<typeof createRng>): MutableMctsNode {
  const visitCount = rng.int(4) === 0 ? 0 : rng.int(50);
  return {
    id,
    parent: id === 0 ? -1 : 0,
    depth: id === 0 ? 0 : 1,
    step: id === 0 ? null : `s${id}`,
    logprob: 0,
    sampleCount: 1,
    policyPrior: rng.nextFloat(),
    prior: rng.nextFloat(),
    visitCount,
    valueSum: visitCount * rng.nextFloat(),
    value: null,
    terminal: false,
    terminalReason: null,
    answer: null,
    expanded: true,
    numSamples: 0,
    children: [],
  };
}

describe('resolveMctsConfig', () => {
  it('has the MuZero and AlphaZero defaults and is frozen', () => {
    expect(defaultMctsConfig.pbCInit).toBe(1.25);
    expect(defaultMctsConfig.pbCBase).toBe(19652);
    expect(defaultMctsConfig.dirichletAlpha).toBe(0.3);
    expect(defaultMctsConfig.dirichletFraction).toBe(0.25);
    expect(Object.isFrozen(defaultMctsConfig)).toBe(true);
    expect(resolveMctsConfig()).toEqual(defaultMctsConfig);
  });

  it('names the bad option', () => {
    expect(() => resolveMctsConfig({ numSimulations: 0 })).toThrow('`numSimulations` must be >= 1, got 0');
    expect(() => resolveMctsConfig({ wideningExponent: 1 })).toThrow('`wideningExponent` must be < 1');
    expect(() => resolveMctsConfig({ evaluator: 'mc' as never })).toThrow('`evaluator` must be one of');
    expect(() => resolveMctsConfig({ numSimulation: 3 } as never)).toThrow('unknown option `numSimulation`');
  });
});

describe('selection and backup against the scalar oracle', () => {
  it('PUCT scores and the selected child match the oracle on 200 random trees to 1e-9', () => {
    const rng = createRng(7);
    for (let t = 0; t < 200; t++) {
      const numChildren = 1 + rng.int(8);
      const nodes = Array.from({ length: numChildren + 1 }, (_, i) => randomNode(i, rng));
      nodes[0]!.children = nodes.slice(1).map((n) => n.id);
      nodes[0]!.visitCount = nodes.slice(1).reduce((a, n) => a + n.visitCount, 0) + rng.int(3);
      const config = { pbCInit: 0.5 + 2 * rng.nextFloat(), pbCBase: 1 + rng.int(20000) };
      const lo = rng.nextFloat();
      const bounds: ValueBounds | null = rng.int(3) === 0 ? null : { min: lo, max: lo + rng.nextFloat() };
      const children = nodes.slice(1);
      for (const child of children) {
        const expected = mctsPuctScoreReference(
          nodes[0]!.visitCount,
          child,
          config.pbCInit,
          config.pbCBase,
          bounds,
        );
        expect(Math.abs(puctScore(nodes[0]!.visitCount, child, config, bounds) - expected)).toBeLessThan(
          1e-9,
        );
      }
      const expectedIndex = mctsSelectReference(
        nodes[0]!.visitCount,
        children,
        config.pbCInit,
        config.pbCBase,
        bounds,
      );
      expect(selectChild(nodes, 0, config, bounds)).toBe(children[expectedIndex]!.id);
    }
  });

  it('backup and virtual loss match the oracle on 200 random paths to 1e-9', () => {
    const rng = createRng(11);
    for (let t = 0; t < 200; t++) {
      const size = 2 + rng.int(10);
      const nodes = Array.from({ length: size }, (_, i) => randomNode(i, rng));
      const path = [0];
      for (let d = 0; d < 1 + rng.int(4); d++) path.push(1 + rng.int(size - 1));
      const value = rng.nextFloat();
      const amount = 1 + rng.int(3);
      const useBounds = rng.int(2) === 0;
      const lo = rng.nextFloat();
      const bounds: ValueBounds | null = useBounds ? { min: lo, max: lo + 0.1 * rng.nextFloat() } : null;
      const before = {
        visitCounts: nodes.map((n) => n.visitCount),
        valueSums: nodes.map((n) => n.valueSum),
        bounds: bounds === null ? null : { ...bounds },
      };

      applyVirtualLoss(nodes, path, amount);
      const withLoss = mctsVirtualLossReference(before, path, amount, 1);
      expect(nodes.map((n) => n.visitCount)).toEqual(withLoss.visitCounts);
      revertVirtualLoss(nodes, path, amount);
      expect(nodes.map((n) => n.visitCount)).toEqual(before.visitCounts);

      backup(nodes, path, value, bounds);
      const expected = mctsBackupReference(before, path, value);
      nodes.forEach((n, i) => {
        expect(n.visitCount).toBe(expected.visitCounts[i]);
        expect(Math.abs(n.valueSum - expected.valueSums[i]!)).toBeLessThan(1e-9);
      });
      if (bounds !== null) {
        expect(Math.abs(bounds.min - expected.bounds!.min)).toBeLessThan(1e-9);
        expect(Math.abs(bounds.max - expected.bounds!.max)).toBeLessThan(1e-9);
      }
    }
  });

  it('virtual loss steers the next selection away from a pending child', () => {
    const rng = createRng(1);
    const nodes = [0, 1, 2].map((i) => randomNode(i, rng));
    nodes[0]!.children = [1, 2];
    Object.assign(nodes[0]!, { visitCount: 10 });
    Object.assign(nodes[1]!, { visitCount: 5, valueSum: 3, prior: 0.5 });
    Object.assign(nodes[2]!, { visitCount: 5, valueSum: 2.9, prior: 0.5 });
    const config = { pbCInit: 1.25, pbCBase: 19652 };
    expect(selectChild(nodes, 0, config, null)).toBe(1);
    applyVirtualLoss(nodes, [0, 1], 1);
    expect(selectChild(nodes, 0, config, null)).toBe(2);
  });

  it('exploration rate follows the MuZero schedule', () => {
    expect(explorationRate(0, defaultMctsConfig)).toBeCloseTo(1.25 + Math.log(19653 / 19652), 15);
    expect(explorationRate(19652, defaultMctsConfig)).toBeCloseTo(
      1.25 + Math.log((2 * 19652 + 1) / 19652),
      15,
    );
  });
});

describe('priors and progressive widening', () => {
  it('logprob priors are a tempered softmax; frequency priors are sample shares', () => {
    const lp = [Math.log(0.5), Math.log(0.25), Math.log(0.25)];
    const p1 = childPriors(lp, [1, 1, 1], { priorSource: 'logprob', priorTemperature: 1 });
    expect(p1[0]).toBeCloseTo(0.5, 12);
    expect(p1[1]).toBeCloseTo(0.25, 12);
    const p2 = childPriors(lp, [1, 1, 1], { priorSource: 'logprob', priorTemperature: 2 });
    expect(p2[0]! / p2[1]!).toBeCloseTo(Math.SQRT2, 12);
    expect(childPriors(lp, [3, 1, 0], { priorSource: 'frequency', priorTemperature: 1 })).toEqual([
      0.75, 0.25, 0,
    ]);
  });

  it('allows max(numActions, ceil(k N^alpha)) samples, capped by maxChildren', () => {
    expect(allowedSamples(0, defaultMctsConfig)).toBe(4);
    expect(allowedSamples(16, defaultMctsConfig)).toBe(4);
    expect(allowedSamples(17, defaultMctsConfig)).toBe(5);
    expect(allowedSamples(10_000, defaultMctsConfig)).toBe(16);
    expect(allowedSamples(10_000, { ...defaultMctsConfig, progressiveWidening: false })).toBe(4);
  });
});

describe('expansion and evaluation phases', () => {
  const sample = (text: string, logprob: number): Sample => ({
    text,
    tokenIds: [0],
    tokenLogprobs: [logprob],
    finishReason: 'stop',
  });
  function rootSearch(): { search: MctsSearchState; env: ReturnType<typeof setup> } {
    const env = setup();
    const root = randomNode(0, createRng(0));
    Object.assign(root, { prior: 1, policyPrior: 1, visitCount: 0, valueSum: 0, expanded: false });
    const search: MctsSearchState = {
      nodes: [root],
      states: [initialState(env.task, env.problem) as State],
      bounds: { min: Infinity, max: -Infinity },
      rng: createRng(9),
    };
    return { search, env };
  }

  it('merges duplicate steps, sets softmax priors, and mixes Dirichlet noise into the root priors only', () => {
    const { search, env } = rootSearch();
    const config = resolveMctsConfig({ maxDepth: 3 });
    const first = expandNode(
      search,
      0,
      [sample('a', Math.log(0.5)), sample('b', Math.log(0.25)), sample('a', Math.log(0.5))],
      config,
      env.task,
    );
    expect(first).toBe(1);
    const [a, b] = [search.nodes[1]!, search.nodes[2]!];
    expect(search.nodes[0]!.children).toEqual([1, 2]);
    expect(search.nodes[0]!.numSamples).toBe(3);
    expect(a.sampleCount).toBe(2);
    expect(a.policyPrior).toBeCloseTo(2 / 3, 12);
    expect(b.policyPrior).toBeCloseTo(1 / 3, 12);
    expect(a.prior + b.prior).toBeCloseTo(1, 12);
    expect(a.prior).not.toBeCloseTo(a.policyPrior, 6);
    // Noise of weight 0.25: each prior stays within 0.25 of the policy prior.
    expect(Math.abs(a.prior - a.policyPrior)).toBeLessThanOrEqual(0.25);
    expandNode(search, 1, [sample('b', Math.log(0.5)), sample('answer c', Math.log(0.5))], config, env.task);
    const [ab, abc] = [search.nodes[3]!, search.nodes[4]!];
    expect(ab.prior).toBe(ab.policyPrior);
    expect(ab.terminal).toBe(false);
    expect(abc.terminal).toBe(true);
    expect(abc.terminalReason).toBe('answer');
    expect(abc.answer).toBe('a/c');
  });

  it('values leaves with one PRM call (last-step score), and terminals by the verifier without one', async () => {
    const { search, env } = rootSearch();
    const stepValue = (path: readonly string[]) => (path.length === 1 && path[0] === 'c' ? 0.7 : 0.2);
    const reward = createToyReward(toy, stepValue);
    const config = resolveMctsConfig({ maxDepth: 3, terminalValue: 'verifier' });
    expandNode(search, 0, [sample('a', -1), sample('c', -1)], config, env.task);
    expandNode(search, 2, [sample('b', -1)], config, env.task);
    expandNode(search, 3, [sample('answer c', -1), sample('answer a', -1)], config, env.task);
    const context = { policy: env.policy, task: env.task, reward };
    const ok = await evaluateNodes(search, [1, 2, 4, 5], context, config, {}, () =>
      env.policy.meter.snapshot(),
    );
    expect(ok).toBe(true);
    expect(reward.batches).toEqual([2]);
    expect(search.nodes.map((n) => n.value)).toEqual([null, 0.2, 0.7, null, 1, 0]);
  });

  it('values a leaf by the mean ORM score of numRollouts completions in one policy call', async () => {
    const { search, env } = rootSearch();
    const config = resolveMctsConfig({
      maxDepth: 3,
      evaluator: 'rollout',
      rolloutScorer: 'orm',
      numRollouts: 6,
    });
    expandNode(search, 0, [sample('c', -1)], config, env.task);
    const completions: string[] = [];
    const policy = {
      ...env.policy,
      sampleSteps: env.policy.sampleSteps,
      async sampleCompletions(
        states: readonly State[],
        options: Parameters<typeof env.policy.sampleCompletions>[1],
      ) {
        const out = await env.policy.sampleCompletions(states, options);
        for (const s of out.flat()) completions.push(s.text);
        return out;
      },
    };
    const context = { policy, task: env.task, reward: env.reward };
    await evaluateNodes(search, [1], context, config, {}, () => env.policy.meter.snapshot());
    expect(completions).toHaveLength(6);
    const leafValues = completions.map(
      (c) => gameTree.leaves[['c', ...c.split('\n')].join('/').replace(/answer /g, '')]!,
    );
    const mean = leafValues.reduce((a, b) => a + b, 0) / 6;
    expect(search.nodes[1]!.value).toBeCloseTo(mean, 12);
    expect(env.policy.meter.snapshot().policyCalls).toBe(1);
    expect(env.reward.batches).toEqual([6]);
  });
});

describe('mctsSearch on the reference game tree', () => {
  const rolloutConfig: Partial<MctsConfig> = {
    numSimulations: 1500,
    batchSize: 1,
    evaluator: 'rollout',
    rolloutScorer: 'orm',
    numActions: 3,
    maxDepth: 3,
    seed: 1,
  };

  it('finds the optimal first action and its value converges to the exact max (sequential)', async () => {
    const { task, policy, reward, problem } = setup();
    const result = await mctsSearch(problem, { policy, task, reward }, { config: rolloutConfig });
    const tree = result.tree!;
    const dist = visitDistribution(tree, 0);
    const best = dist.reduce((a, b) => (b.visitCount > a.visitCount ? b : a));
    expect(best.step).toBe(gameTree.optimalAction);
    const q = meanValue(tree.nodes[best.id]!);
    expect(Math.abs(q - gameTree.optimalValue)).toBeLessThan(0.05);
    expect(result.answer).toBe('c/b/c');
    expect(task.verify(problem, result.steps.join('\n')).correct).toBe(true);
    // The root's mean, an average over all simulations, sits between random play and optimal play.
    const rootMean = meanValue(tree.nodes[0]!);
    expect(rootMean).toBeGreaterThan(gameTree.randomValue + 0.3);
    expect(rootMean).toBeLessThan(gameTree.optimalValue);
  });

  it('finds it with batches of 8 under virtual loss too', async () => {
    const { task, policy, reward, problem } = setup();
    const result = await mctsSearch(
      problem,
      { policy, task, reward },
      { config: { ...rolloutConfig, batchSize: 8 } },
    );
    const tree = result.tree!;
    const best = visitDistribution(tree, 0).reduce((a, b) => (b.visitCount > a.visitCount ? b : a));
    expect(best.step).toBe(gameTree.optimalAction);
    expect(Math.abs(meanValue(tree.nodes[best.id]!) - gameTree.optimalValue)).toBeLessThan(0.05);
    expect(result.answer).toBe('c/b/c');
  });
});

describe('mctsSearch mechanics', () => {
  const small: Partial<MctsConfig> = { numSimulations: 40, batchSize: 4, maxDepth: 3, seed: 5 };

  it("visits of the root's children sum to numSimulations; every node's visits cover its children's", async () => {
    const { task, policy, reward, problem } = setup();
    const result = await mctsSearch(problem, { policy, task, reward }, { config: small });
    const tree = result.tree!;
    expect(tree.numSimulations).toBe(40);
    expect(tree.nodes[0]!.visitCount).toBe(40);
    const sum = tree.nodes[0]!.children.reduce((a, id) => a + tree.nodes[id]!.visitCount, 0);
    expect(sum).toBe(40);
    for (const node of tree.nodes) {
      const childVisits = node.children.reduce((a, id) => a + tree.nodes[id]!.visitCount, 0);
      expect(node.visitCount).toBeGreaterThanOrEqual(childVisits);
      expect(node.visitCount - childVisits).toBeLessThanOrEqual(node.id === 0 ? 0 : node.visitCount);
    }
    const dist = visitDistribution(tree, 0);
    expect(dist.reduce((a, d) => a + d.probability, 0)).toBeCloseTo(1, 12);
  });

  it('makes one policy call and one reward call per round, each over the whole batch', async () => {
    const { task, policy, reward, problem } = setup();
    const result = await mctsSearch(problem, { policy, task, reward }, { config: small });
    const rounds = result.tree!.numRounds;
    expect(rounds).toBe(10);
    // One call to expand the root, then at most one per round (a round of terminal leaves needs none).
    expect(result.compute.policyCalls).toBe(policy.calls.length);
    expect(policy.calls.length).toBeLessThanOrEqual(rounds + 1);
    expect(reward.batches.length).toBeLessThanOrEqual(rounds);
    expect(Math.max(...reward.batches)).toBeLessThanOrEqual(4);
    expect(Math.max(...reward.batches)).toBeGreaterThan(1);
    expect(result.compute.rewardCalls).toBe(reward.batches.length);
  });

  it('reports policy and reward compute merged, with cached prefill counted apart', async () => {
    const { task, policy, reward, problem } = setup();
    const result = await mctsSearch(problem, { policy, task, reward }, { config: small });
    const p = policy.meter.snapshot();
    const r = reward.meter.snapshot();
    expect(result.compute.generatedTokens).toBe(p.generatedTokens);
    expect(result.compute.samples).toBe(p.samples);
    expect(result.compute.prefillTokens).toBe(p.prefillTokens);
    expect(result.compute.cachedPrefillTokens).toBe(p.cachedPrefillTokens);
    expect(result.compute.cachedPrefillTokens).toBeGreaterThan(0);
    expect(result.compute.rewardTokens).toBe(r.rewardTokens);
    expect(result.compute.wallTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('never starts a policy call the budget does not allow', async () => {
    const { task, policy, reward, problem } = setup();
    const budget = { generatedTokens: 25 };
    const config = { ...small, maxStepTokens: 1 };
    const result = await mctsSearch(problem, { policy, task, reward }, { config, budget });
    expect(result.compute.generatedTokens).toBeLessThanOrEqual(25);
    expect(result.compute.generatedTokens).toBeGreaterThan(12);
    expect(result.tree!.numSimulations).toBeLessThan(40);
    const none = await mctsSearch(problem, { policy, task, reward }, { config, budget: { samples: 3 } });
    expect(none.compute.samples).toBe(0);
    expect(none.answer).toBeNull();
    expect(none.tree!.nodes).toHaveLength(1);
  });

  it('is deterministic for a seed and serialises to JSON with its config', async () => {
    const a = setup();
    const b = setup();
    const ra = await mctsSearch(a.problem, a, { config: small });
    const rb = await mctsSearch(b.problem, b, { config: small });
    expect(JSON.stringify(ra.tree)).toBe(JSON.stringify(rb.tree));
    const parsed = JSON.parse(JSON.stringify(ra.tree));
    expect(parsed.config).toEqual(resolveMctsConfig(small));
    expect(parsed.nodes[0].visitCount).toBe(40);
    const c = setup();
    const rc = await mctsSearch(c.problem, c, { config: { ...small, seed: 6 } });
    expect(JSON.stringify(rc.tree)).not.toBe(JSON.stringify(ra.tree));
  });

  it('widens a busy node beyond its first samples', async () => {
    const { task, policy, reward, problem } = setup();
    const config = { ...small, numSimulations: 200, numActions: 1, maxDepth: 3 };
    const result = await mctsSearch(problem, { policy, task, reward }, { config });
    const root = result.tree!.nodes[0]!;
    expect(root.numSamples).toBeGreaterThan(1);
    expect(root.numSamples).toBeLessThanOrEqual(allowedSamples(root.visitCount, resolveMctsConfig(config)));
    expect(root.children.length).toBe(3);
    const narrow = await mctsSearch(problem, setup(), {
      config: { ...config, progressiveWidening: false },
    });
    expect(narrow.tree!.nodes[0]!.children).toHaveLength(1);
  });

  it('values terminal nodes with the verifier when asked', async () => {
    const { task, policy, reward, problem } = setup();
    const result = await mctsSearch(
      problem,
      { policy, task, reward },
      { config: { ...small, numSimulations: 300, terminalValue: 'verifier' } },
    );
    const terminals = result.tree!.nodes.filter((n) => n.terminal && n.value !== null);
    expect(terminals.length).toBeGreaterThan(3);
    for (const n of terminals) expect(n.value).toBe(n.answer === 'c/b/c' ? 1 : 0);
  });

  it("picks the best-valued terminal under finalSelection 'bestValue'", async () => {
    const { task, policy, reward, problem } = setup();
    const result = await mctsSearch(
      problem,
      { policy, task, reward },
      { config: { ...small, finalSelection: 'bestValue' } },
    );
    const top = result.candidates[0]!;
    expect(result.answer).toBe(top.answer);
    for (const c of result.candidates) expect(c.score).toBeLessThanOrEqual(top.score);
    expect(gameTree.leaves[result.answer!]).toBe(top.score);
  });

  it('needs a reward model for a PRM or ORM evaluator and says so', async () => {
    const { task, policy, problem } = setup();
    await expect(mctsSearch(problem, { policy, task }, { config: small })).rejects.toSatisfy(
      (e: unknown) =>
        isO1labError(e, 'INVALID_CONFIG') && /`evaluator` 'prm' needs a reward model/.test(String(e)),
    );
    const ok = await mctsSearch(
      problem,
      { policy, task },
      { config: { ...small, evaluator: 'rollout', rolloutScorer: 'verifier' } },
    );
    expect(ok.tree!.numSimulations).toBe(40);
  });

  it('the root state is the task prompt with no steps', () => {
    const { task, problem } = setup();
    expect(initialState(task, problem).steps).toEqual([]);
  });
});

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), '__golden__');

describe('golden tree', () => {
  it('a small PRM-guided search reproduces the stored tree and config', async () => {
    const stepValue = (path: readonly string[]) => (path[0] === 'c' ? 0.6 : 0.4);
    const { task, policy, reward, problem } = setup(toy, stepValue);
    const config: Partial<MctsConfig> = {
      numSimulations: 24,
      batchSize: 4,
      numActions: 2,
      maxDepth: 3,
      seed: 42,
    };
    const result = await mctsSearch(problem, { policy, task, reward }, { config });
    const file = join(goldenDir, 'mcts-toy-tree.json');
    const actual = JSON.parse(JSON.stringify(result.tree));
    if (process.env.O1LAB_UPDATE_GOLDEN === '1') {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    }
    if (!existsSync(file)) throw new Error(`no golden tree at ${file}; run with O1LAB_UPDATE_GOLDEN=1`);
    const golden = JSON.parse(readFileSync(file, 'utf8'));
    expect(golden.config).toEqual(resolveMctsConfig(config));
    expectClose(actual, golden, 1e-12);
  });
});

function expectClose(actual: unknown, expected: unknown, tol: number, where = 'tree'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Math.abs(actual - expected) > tol) throw new Error(`${where}: ${actual} != ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), where).toBe(true);
    expect((actual as unknown[]).length, where).toBe(expected.length);
    for (const [i, e] of expected.entries()) expectClose((actual as unknown[])[i], e, tol, `${where}[${i}]`);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), where).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) {
      expectClose((actual as Record<string, unknown>)[k], v, tol, `${where}.${k}`);
    }
    return;
  }
  expect(actual, where).toEqual(expected);
}
