/** A value shown beside a node: numbers, strings, flags. */
export type TreeFieldValue = string | number | boolean | null;

/** One node of any searcher's tree, in the one shape the viewer draws. */
export interface TreeViewNode {
  /** Index into {@link NormalisedTree.nodes}. */
  readonly id: number;
  /** Parent's id; null at a root. */
  readonly parent: number | null;
  /** The step (or whole solution) text as the model wrote it; untrusted. */
  readonly text: string;
  /** Score / value, visits, prior and the rest of the node's numbers, display order first. */
  readonly fields: Readonly<Record<string, TreeFieldValue>>;
}

/** Which searcher's tree layout was recognised. */
export type TreeKind =
  | 'mcts'
  | 'beam'
  | 'dvts'
  | 'tot'
  | 'best-first'
  | 'best-of-n'
  | 'majority-vote'
  | 'revision'
  | 'nodes';

/** A search tree in the viewer's shape: its nodes and the tree-level numbers. */
export interface NormalisedTree {
  readonly kind: TreeKind;
  readonly nodes: readonly TreeViewNode[];
  /** Scalar tree-level fields (simulations, rounds, chosen, ...) and the config as JSON. */
  readonly summary: Readonly<Record<string, TreeFieldValue>>;
}

/** Fields listed first, in this order, when a node has them: what one reads a search tree for. */
const FIELD_ORDER = [
  'chosen',
  'visitCount',
  'meanValue',
  'value',
  'score',
  'prior',
  'policyPrior',
  'logprob',
  'status',
  'answer',
  'terminal',
];

/** Keys that are the node's identity or links, not fields. */
const LINK_KEYS = new Set(['id', 'parent', 'step', 'children']);

/**
 * Recognises the `tree` of a search result (`MctsTree`, `BeamTree`, `DvtsTree`, `TotTree`,
 * `BestFirstTree`, `BestOfNTree`, `VoteTree`, `RevisionTree`, or any `{ nodes: [{ id, parent }] }`)
 * and normalises it to nodes with an id, a parent, the step text and display fields. Returns null for
 * a shape it does not know; the viewer then shows the raw JSON.
 */
export function normaliseTree(tree: unknown): NormalisedTree | null {
  if (!isRecord(tree)) return null;
  if (isNodeList(tree.nodes)) return fromNodeList(tree, tree.nodes);
  if (Array.isArray(tree.samples) && tree.samples.every(isRecord)) return fromSamples(tree, tree.samples);
  if (Array.isArray(tree.chains) && tree.chains.every((c) => Array.isArray(c) && c.every(isRecord))) {
    return fromChains(tree, tree.chains as Record<string, unknown>[][]);
  }
  return null;
}

// Trees stored as a node list with parent links (MCTS, beam, DVTS, ToT, best-first).
function fromNodeList(
  tree: Record<string, unknown>,
  raw: readonly Record<string, unknown>[],
): NormalisedTree {
  const first = raw[0] ?? {};
  const kind: TreeKind =
    'visitCount' in first
      ? 'mcts'
      : 'subtree' in first
        ? 'dvts'
        : 'expandedInRound' in first
          ? 'best-first'
          : 'round' in first && 'score' in first
            ? 'beam'
            : 'status' in first && 'children' in first
              ? 'tot'
              : 'nodes';
  const chosen = chosenNodeIds(kind, tree);
  const byRawId = new Map(raw.map((n, i) => [n.id as number, i]));
  const nodes = raw.map((n, i): TreeViewNode => {
    const parent = byRawId.get(n.parent as number);
    const fields: Record<string, TreeFieldValue> = {};
    if (chosen.has(n.id as number)) fields.chosen = true;
    if (kind === 'mcts' && typeof n.visitCount === 'number' && typeof n.valueSum === 'number') {
      fields.meanValue = n.visitCount > 0 ? n.valueSum / n.visitCount : null;
    }
    for (const [key, value] of Object.entries(n)) if (!LINK_KEYS.has(key)) fields[key] = fieldValue(value);
    return {
      id: i,
      parent: parent === undefined || parent === i ? null : parent,
      text: typeof n.step === 'string' ? n.step : '',
      fields: ordered(fields),
    };
  });
  return { kind, nodes, summary: summaryOf(tree, ['nodes']) };
}

function chosenNodeIds(kind: TreeKind, tree: Record<string, unknown>): Set<number> {
  if (kind === 'dvts') {
    const path =
      Array.isArray(tree.paths) && typeof tree.chosen === 'number' ? tree.paths[tree.chosen] : undefined;
    const last = Array.isArray(path) ? path[path.length - 1] : undefined;
    return new Set(typeof last === 'number' ? [last] : []);
  }
  return new Set(typeof tree.chosen === 'number' && tree.chosen >= 0 ? [tree.chosen] : []);
}

// Best-of-N and majority vote: independent samples under one root.
function fromSamples(
  tree: Record<string, unknown>,
  samples: readonly Record<string, unknown>[],
): NormalisedTree {
  const kind: TreeKind = Array.isArray(tree.votes) ? 'majority-vote' : 'best-of-n';
  const nodes: TreeViewNode[] = [{ id: 0, parent: null, text: '', fields: { samples: samples.length } }];
  samples.forEach((s, i) => {
    const fields = solutionFields(s, ['steps']);
    if (tree.chosen === i) fields.chosen = true;
    nodes.push({ id: i + 1, parent: 0, text: solutionText(s), fields: ordered(fields) });
  });
  return { kind, nodes, summary: summaryOf(tree, ['samples']) };
}

// Sequential revision: per chain, each attempt below the one it revises.
function fromChains(
  tree: Record<string, unknown>,
  chains: readonly Record<string, unknown>[][],
): NormalisedTree {
  const chosen = isRecord(tree.chosen) ? tree.chosen : null;
  const nodes: TreeViewNode[] = [{ id: 0, parent: null, text: '', fields: { chains: chains.length } }];
  chains.forEach((chain, c) => {
    let parent = nodes.length;
    nodes.push({ id: parent, parent: 0, text: `chain ${c}`, fields: { attempts: chain.length } });
    chain.forEach((attempt, a) => {
      const fields = solutionFields(attempt, ['steps', 'text']);
      if (chosen?.chain === c && chosen.attempt === a) fields.chosen = true;
      const id = nodes.length;
      nodes.push({ id, parent, text: solutionText(attempt), fields: ordered({ attempt: a, ...fields }) });
      parent = id;
    });
  });
  return { kind: 'revision', nodes, summary: summaryOf(tree, ['chains']) };
}

function solutionText(s: Record<string, unknown>): string {
  if (typeof s.text === 'string') return s.text;
  return Array.isArray(s.steps) ? s.steps.map(String).join('\n') : '';
}

function solutionFields(s: Record<string, unknown>, skip: readonly string[]): Record<string, TreeFieldValue> {
  const fields: Record<string, TreeFieldValue> = {};
  for (const [key, value] of Object.entries(s)) if (!skip.includes(key)) fields[key] = fieldValue(value);
  return fields;
}

function summaryOf(tree: Record<string, unknown>, skip: readonly string[]): Record<string, TreeFieldValue> {
  const summary: Record<string, TreeFieldValue> = {};
  for (const [key, value] of Object.entries(tree)) if (!skip.includes(key)) summary[key] = fieldValue(value);
  return summary;
}

/** Scalars as they are; lists of numbers as `0.91, 0.85`; lists of text joined by ` | `; the rest as JSON. */
function fieldValue(value: unknown): TreeFieldValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    return value.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(3))).join(', ');
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(' | ');
  return value === undefined ? null : JSON.stringify(value);
}

function ordered(fields: Record<string, TreeFieldValue>): Record<string, TreeFieldValue> {
  const out: Record<string, TreeFieldValue> = {};
  for (const key of FIELD_ORDER) if (key in fields) out[key] = fields[key]!;
  for (const [key, value] of Object.entries(fields)) if (!(key in out)) out[key] = value;
  return out;
}

function isNodeList(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((n) => isRecord(n) && typeof n.id === 'number' && typeof n.parent === 'number')
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
