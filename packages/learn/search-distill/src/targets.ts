import { O1labError } from '@o1lab/core';
import type { SearchDistillConfig } from './config.js';

/**
 * The fields of a search-tree node that distillation reads; the MCTS tree JSON of
 * `@o1lab/search-mcts` (`MctsTree.nodes`) has them. `nodes[id].id === id`; the root's parent is -1.
 */
export interface DistillTreeNode {
  readonly id: number;
  readonly parent: number;
  readonly step: string | null;
  readonly visitCount: number;
  readonly valueSum: number;
  /** The evaluator's value; for terminal nodes under a verifier, the outcome. */
  readonly value: number | null;
  readonly terminal: boolean;
  readonly children: readonly number[];
}

/** A search tree and the prompt of its root state. */
export interface DistillTree {
  readonly prompt: string;
  readonly nodes: readonly DistillTreeNode[];
}

/** One training state: its text, the sibling steps with their visit shares, and a value target. */
export interface DistillExample {
  /** Root prompt plus the steps to this state, each followed by the delimiter. */
  readonly prefix: string;
  /** Candidate next steps (the node's children, in tree order), without the delimiter. */
  readonly steps: readonly string[];
  /** π(a|s) ∝ N(s, a)^{1/τ} over `steps`; sums to 1. */
  readonly visitProbs: readonly number[];
  /** z (or Q) for the value head. */
  readonly valueTarget: number;
}

/**
 * The outcome of a terminal node for `valueTarget: 'outcome'`. @default the node's `value` (the
 * verifier's outcome when MCTS scored terminals with the verifier)
 */
export type OutcomeFn = (node: DistillTreeNode, steps: readonly string[]) => number;

/**
 * Training states of one tree: every expanded node with at least `minVisits` visits and a visited
 * child. The policy target is the visit distribution over its children, sharpened or flattened by
 * τ (Silver et al. 2017: π = N^{1/τ} / Σ N^{1/τ}); the value target is the mean value W / N
 * (`'q'`) or the outcome at the end of the most-visited path from the node (`'outcome'`).
 */
export function distillExamples(
  tree: DistillTree,
  config: Pick<SearchDistillConfig, 'minVisits' | 'visitTemperature' | 'valueTarget' | 'stepDelimiter'>,
  outcome?: OutcomeFn,
): DistillExample[] {
  const { nodes } = tree;
  const pathOf = (id: number): string[] => {
    const steps: string[] = [];
    for (let n = nodes[id]; n !== undefined && n.parent >= 0; n = nodes[n.parent]) steps.push(n.step ?? '');
    return steps.reverse();
  };
  const out: DistillExample[] = [];
  for (const node of nodes) {
    if (node.visitCount < config.minVisits || node.children.length === 0) continue;
    const kids = node.children.map((id) => nodes[id]!);
    const weights = kids.map((k) => (k.visitCount > 0 ? k.visitCount ** (1 / config.visitTemperature) : 0));
    const total = weights.reduce((s, w) => s + w, 0);
    if (total === 0) continue;
    const path = pathOf(node.id);
    out.push({
      prefix: tree.prompt + path.map((s) => s + config.stepDelimiter).join(''),
      steps: kids.map((k) => k.step ?? ''),
      visitProbs: weights.map((w) => w / total),
      valueTarget:
        config.valueTarget === 'q'
          ? node.valueSum / node.visitCount
          : principalOutcome(nodes, node, path, outcome),
    });
  }
  return out;
}

/**
 * Follows the most-visited child (first on ties) from `node` to a terminal and returns its outcome;
 * where the path stops short of a terminal (unvisited children, no children), the mean value W / N
 * of its last node.
 */
function principalOutcome(
  nodes: readonly DistillTreeNode[],
  node: DistillTreeNode,
  path: readonly string[],
  outcome: OutcomeFn | undefined,
): number {
  let n = node;
  const steps = [...path];
  while (!n.terminal && n.children.length > 0) {
    let best = nodes[n.children[0]!]!;
    for (const id of n.children) if (nodes[id]!.visitCount > best.visitCount) best = nodes[id]!;
    // Children sampled but never visited: the path ends here.
    if (best.visitCount === 0) break;
    n = best;
    steps.push(n.step ?? '');
  }
  if (outcome !== undefined) return outcome(n, steps);
  if (n.terminal && n.value !== null) return n.value;
  // The path was cut by the simulation budget before a terminal: the node's mean value stands in.
  if (n.visitCount > 0) return n.valueSum / n.visitCount;
  throw new O1labError('INVALID_INPUT', `node ${n.id} ends the principal path with no value`, {
    where: 'distillExamples',
    hint: "pass an outcome function or use valueTarget: 'q'",
  });
}
