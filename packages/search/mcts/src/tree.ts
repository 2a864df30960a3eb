import type { FinishReason } from '@o1lab/core';
import { O1labError } from '@o1lab/core';
import type { MctsConfig } from './config.js';

/**
 * Why a node ends its path: its step states an answer, the policy ended the sequence (`eos`) or hit
 * the token limit (`length`), or `maxDepth`.
 */
export type MctsTerminalReason = 'answer' | FinishReason | 'depth';

/**
 * One node of the search tree: the state reached by the steps on the path from the root. Plain JSON
 * data (node ids index {@link MctsTree.nodes}); a node's mean value is `valueSum / visitCount`.
 */
export interface MctsNode {
  readonly id: number;
  /** Id of the parent, -1 at the root. */
  readonly parent: number;
  /** Steps from the root (0 at the root). */
  readonly depth: number;
  /** The step that leads here from the parent (null at the root). */
  readonly step: string | null;
  /** Sum of the step's token log-probabilities under the policy (0 at the root). */
  readonly logprob: number;
  /** How many of the parent's samples were this step (duplicates merge). */
  readonly sampleCount: number;
  /** Prior P(s, a) from the policy, before root noise. */
  readonly policyPrior: number;
  /** Prior used by PUCT: the policy prior, mixed with Dirichlet noise at the root's children. */
  readonly prior: number;
  /** N(s, a): simulations that passed through this node. */
  readonly visitCount: number;
  /** W(s, a): sum of the values backed up through this node. */
  readonly valueSum: number;
  /** The evaluator's value of this node's state, null until it is evaluated. */
  readonly value: number | null;
  readonly terminal: boolean;
  readonly terminalReason: MctsTerminalReason | null;
  /** The answer the path states, parsed by the task (null when none). */
  readonly answer: string | null;
  /** True once children have been sampled. */
  readonly expanded: boolean;
  /** Step samples drawn at this node (first expansion plus progressive widening). */
  readonly numSamples: number;
  readonly children: readonly number[];
}

/** The whole search tree with the config that made it; `nodes[0]` is the root. */
export interface MctsTree {
  readonly config: MctsConfig;
  /** Simulations completed (the root's children's visits sum to it). */
  readonly numSimulations: number;
  /** Rounds of batched selection -> expansion -> evaluation -> backup. */
  readonly numRounds: number;
  /** MinMaxStats bounds of the backed-up values (null before any backup). */
  readonly minValue: number | null;
  readonly maxValue: number | null;
  readonly nodes: readonly MctsNode[];
}

/** One child's share of its parent's visits. */
export interface VisitShare {
  readonly id: number;
  readonly step: string;
  readonly visitCount: number;
  /** visitCount / sum of the siblings' visit counts (0 when none was visited). */
  readonly probability: number;
}

/**
 * The visit distribution over `nodeId`'s children, the search policy pi(a | s) that AlphaZero
 * distils into the policy (Silver et al. 2018). Children in tree order.
 */
export function visitDistribution(tree: MctsTree, nodeId = 0): VisitShare[] {
  const node = tree.nodes[nodeId];
  if (node === undefined) {
    throw new O1labError('INVALID_INPUT', `no node ${nodeId} in a tree of ${tree.nodes.length} nodes`, {
      where: 'visitDistribution',
    });
  }
  let total = 0;
  for (const id of node.children) total += tree.nodes[id]!.visitCount;
  return node.children.map((id) => {
    const child = tree.nodes[id]!;
    return {
      id,
      step: child.step ?? '',
      visitCount: child.visitCount,
      probability: total > 0 ? child.visitCount / total : 0,
    };
  });
}

/** Mean value W / N of a node (0 when unvisited). */
export function meanValue(node: Pick<MctsNode, 'visitCount' | 'valueSum'>): number {
  return node.visitCount > 0 ? node.valueSum / node.visitCount : 0;
}
