import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beamSearch } from '@o1lab/search-beam';
import { mctsSearch } from '@o1lab/search-mcts';
import { contextOf, createToyEnvironment } from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { normaliseTree } from './tree-normalise.js';
import { renderTreeViewer, writeTreeViewer } from './tree-viewer.js';

const count = (html: string, pattern: RegExp) => html.match(pattern)?.length ?? 0;

async function toyMctsTree() {
  const env = createToyEnvironment({ seed: 3, depth: 4, branching: 3 });
  const result = await mctsSearch(env.problem, contextOf(env), {
    config: { numSimulations: 32, batchSize: 4, maxStepTokens: 8 },
  });
  return result.tree!;
}

async function toyBeamTree() {
  const env = createToyEnvironment({ seed: 3, depth: 4, branching: 3, reward: 'noisy', noise: 0.2 });
  const result = await beamSearch(env.problem, contextOf(env), {
    config: { n: 12, beamWidth: 3, maxStepTokens: 16 },
  });
  return result.tree!;
}

describe('normaliseTree', () => {
  it('keeps every node of a real MCTS tree with its step, visits, mean value and prior', async () => {
    const tree = await toyMctsTree();
    const view = normaliseTree(tree)!;
    expect(view.kind).toBe('mcts');
    expect(tree.nodes.length).toBeGreaterThan(10);
    expect(view.nodes).toHaveLength(tree.nodes.length);
    expect(view.summary.numSimulations).toBe(32);
    for (const [i, raw] of tree.nodes.entries()) {
      const node = view.nodes[i]!;
      expect(node.parent).toBe(raw.parent < 0 ? null : raw.parent);
      expect(node.text).toBe(raw.step ?? '');
      expect(node.fields.visitCount).toBe(raw.visitCount);
      expect(node.fields.prior).toBe(raw.prior);
      expect(node.fields.meanValue).toBe(raw.visitCount > 0 ? raw.valueSum / raw.visitCount : null);
    }
    // The root's children's visits sum to the simulations run.
    const rootVisits = view.nodes.filter((n) => n.parent === 0).map((n) => n.fields.visitCount as number);
    expect(rootVisits.reduce((a, b) => a + b, 0)).toBe(32);
  });

  it('keeps every node of a real beam-search tree and marks the chosen one', async () => {
    const tree = await toyBeamTree();
    const view = normaliseTree(tree)!;
    expect(view.kind).toBe('beam');
    expect(view.nodes).toHaveLength(tree.nodes.length);
    // Root, 12 first-round proposals, then 4 kept beams x 3 children for 3 more rounds.
    expect(view.nodes).toHaveLength(1 + 12 + 3 * 12);
    const chosen = view.nodes.filter((n) => n.fields.chosen === true);
    expect(chosen.map((n) => n.id)).toEqual([tree.chosen]);
    expect(chosen[0]!.fields.score).toBe(tree.nodes[tree.chosen]!.score);
    expect(chosen[0]!.fields.status).toBe('completed');
  });

  it('puts best-of-N and majority-vote samples under one root, and revision attempts along their chain', () => {
    const samples = [
      { steps: ['1 + 2 = 3', 'answer 3'], answer: '3', finishReason: 'eos', logprob: -1.5, score: 0.9 },
      { steps: ['1 * 2 = 2'], answer: '2', finishReason: 'eos', logprob: -2, score: 0.2 },
    ];
    const bon = normaliseTree({ samples, answerWeights: [], chosen: 0 })!;
    expect(bon.kind).toBe('best-of-n');
    expect(bon.nodes.map((n) => n.parent)).toEqual([null, 0, 0]);
    expect(bon.nodes[1]!.text).toBe('1 + 2 = 3\nanswer 3');
    expect(bon.nodes[1]!.fields.chosen).toBe(true);
    expect(normaliseTree({ samples, votes: [], chosen: 1 })!.kind).toBe('majority-vote');

    const attempt = (answer: string) => ({
      text: `try ${answer}`,
      steps: [],
      answer,
      finishReason: 'eos',
      numTokens: 4,
      score: 0.5,
    });
    const revision = normaliseTree({
      config: {},
      chainLength: 2,
      numChains: 2,
      chains: [
        [attempt('1'), attempt('2')],
        [attempt('3'), attempt('4')],
      ],
      answerWeights: [],
      chosen: { chain: 1, attempt: 1 },
    })!;
    expect(revision.kind).toBe('revision');
    // root, chain 0, its 2 attempts, chain 1, its 2 attempts; each attempt below the previous one.
    expect(revision.nodes.map((n) => n.parent)).toEqual([null, 0, 1, 2, 0, 4, 5]);
    expect(revision.nodes.filter((n) => n.fields.chosen === true).map((n) => n.text)).toEqual(['try 4']);
  });

  it('returns null for shapes it does not know', () => {
    expect(normaliseTree(null)).toBeNull();
    expect(normaliseTree([1, 2])).toBeNull();
    expect(normaliseTree({ nodes: [{ name: 'no id' }] })).toBeNull();
  });
});

describe('renderTreeViewer', () => {
  it('draws one collapsible element per node and shows the node count', async () => {
    for (const tree of [await toyMctsTree(), await toyBeamTree()]) {
      const html = renderTreeViewer(tree, { title: 'toy' });
      expect(html).toContain(`<span id="node-count">${tree.nodes.length} nodes</span>`);
      expect(count(html, /<details class="node/g)).toBe(tree.nodes.length);
      expect(html).toContain('<title>toy</title>');
    }
  });

  it('shows visits, Q and prior in the MCTS summary lines, and marks the chosen beam node', async () => {
    const mcts = renderTreeViewer(await toyMctsTree());
    expect(mcts).toContain('<title>Search tree (mcts)</title>');
    expect(mcts).toMatch(/<summary>config<\/summary><pre>\{\n {2}&quot;numSimulations&quot;: 32,/);
    expect(mcts).toMatch(/visits 32 · Q [0-9.]+/);
    expect(mcts).toMatch(/prior [0-9.]+/);
    expect(count(renderTreeViewer(await toyBeamTree()), /<details class="node chosen"/g)).toBe(1);
  });

  it('escapes model text: a step cannot inject markup or close the script', () => {
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const tree = {
      nodes: [
        { id: 0, parent: -1, step: null, visitCount: 1, valueSum: 1, prior: 1 },
        { id: 1, parent: 0, step: hostile, visitCount: 1, valueSum: 1, prior: 1, answer: '"><b>' },
      ],
    };
    const html = renderTreeViewer(tree, { title: '<i>title</i>' });
    expect(count(html, /<script/g)).toBe(1);
    expect(count(html, /<\/script>/g)).toBe(1);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<i>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('is self-contained: inline script and style, nothing fetched', async () => {
    const html = renderTreeViewer(await toyMctsTree());
    expect(html).not.toMatch(/<script[^>]*\bsrc=|<link|<iframe|@import|https?:\/\//i);
    expect(html).toContain('<style>');
  });

  it('shows an unknown shape as collapsible, escaped JSON', () => {
    const html = renderTreeViewer({ kind: 'custom', children: [{ text: '<b>bold</b>' }, 3] });
    expect(html).toContain('<title>Search tree (unrecognised shape: raw JSON)</title>');
    expect(html).toContain('&quot;&lt;b&gt;bold&lt;/b&gt;&quot;');
    expect(html).not.toContain('<b>');
    expect(count(html, /<details/g)).toBe(3);
  });
});

describe('writeTreeViewer', () => {
  it('writes the page to the given path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'o1-tree-'));
    try {
      const tree = await toyBeamTree();
      const path = join(dir, 'trees', 'beam.html');
      await writeTreeViewer(path, tree, { title: 'beam' });
      expect(await readFile(path, 'utf8')).toBe(renderTreeViewer(tree, { title: 'beam' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
