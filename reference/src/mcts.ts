/**
 * Scalar float64 oracle of MCTS's selection and backup math, written as plainly as possible (one
 * number at a time, no shared code with the package), for `@o1lab/search-mcts` to be checked against.
 *
 * Sources: PUCT with the MuZero exploration schedule (Schrittwieser et al. 2020, appendix B,
 * `ucb_score` and `MinMaxStats` of the pseudo-code), virtual loss (Silver et al. 2016).
 */

/** One child as the oracle sees it. */
export interface MctsReferenceChild {
  readonly prior: number;
  readonly visitCount: number;
  readonly valueSum: number;
}

/** min and max of the backed-up values so far (MuZero's MinMaxStats); `null` turns normalisation off. */
export interface MctsReferenceBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * MuZero `ucb_score`: pb_c = log((N + c2 + 1) / c2) + c1; pb_c *= sqrt(N) / (n + 1);
 * score = pb_c * prior + (n > 0 ? normalize(W / n) : 0).
 */
export function mctsPuctScoreReference(
  parentVisits: number,
  child: MctsReferenceChild,
  pbCInit: number,
  pbCBase: number,
  bounds: MctsReferenceBounds | null,
): number {
  let pbC = Math.log((parentVisits + pbCBase + 1) / pbCBase) + pbCInit;
  pbC = pbC * (Math.sqrt(parentVisits) / (child.visitCount + 1));
  const priorScore = pbC * child.prior;
  let valueScore = 0;
  if (child.visitCount > 0) {
    const q = child.valueSum / child.visitCount;
    if (bounds !== null && bounds.max > bounds.min) {
      valueScore = (q - bounds.min) / (bounds.max - bounds.min);
    } else {
      valueScore = q;
    }
  }
  return priorScore + valueScore;
}

/** Index of the child with the highest score; the first one on ties. */
export function mctsSelectReference(
  parentVisits: number,
  children: readonly MctsReferenceChild[],
  pbCInit: number,
  pbCBase: number,
  bounds: MctsReferenceBounds | null,
): number {
  let best = 0;
  let bestScore = mctsPuctScoreReference(parentVisits, children[0]!, pbCInit, pbCBase, bounds);
  for (let i = 1; i < children.length; i++) {
    const score = mctsPuctScoreReference(parentVisits, children[i]!, pbCInit, pbCBase, bounds);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}

/** A tree as parallel arrays indexed by node id. */
export interface MctsReferenceTree {
  readonly visitCounts: number[];
  readonly valueSums: number[];
  /** null when bounds are not tracked. */
  readonly bounds: { min: number; max: number } | null;
}

/**
 * MuZero `backpropagate` for one player and no discount: from the leaf up, each node on `path` gets
 * one visit and `value`, and the bounds widen with its new mean. Returns a new tree.
 */
export function mctsBackupReference(
  tree: MctsReferenceTree,
  path: readonly number[],
  value: number,
): MctsReferenceTree {
  const visitCounts = tree.visitCounts.slice();
  const valueSums = tree.valueSums.slice();
  let bounds = tree.bounds === null ? null : { min: tree.bounds.min, max: tree.bounds.max };
  for (let i = path.length - 1; i >= 0; i--) {
    const id = path[i]!;
    visitCounts[id] = visitCounts[id]! + 1;
    valueSums[id] = valueSums[id]! + value;
    if (bounds !== null) {
      const q = valueSums[id]! / visitCounts[id]!;
      bounds = { min: Math.min(bounds.min, q), max: Math.max(bounds.max, q) };
    }
  }
  return { visitCounts, valueSums, bounds };
}

/**
 * Virtual loss: `amount` visits of value 0 added to (sign +1) or taken from (sign -1) every node on
 * `path`. Returns a new tree; value sums and bounds are unchanged.
 */
export function mctsVirtualLossReference(
  tree: MctsReferenceTree,
  path: readonly number[],
  amount: number,
  sign: 1 | -1,
): MctsReferenceTree {
  const visitCounts = tree.visitCounts.slice();
  for (const id of path) visitCounts[id] = visitCounts[id]! + sign * amount;
  return { visitCounts, valueSums: tree.valueSums.slice(), bounds: tree.bounds };
}

/**
 * A small single-agent game tree with known values: `children[path]` lists the actions at the node
 * reached by `path` (actions joined by '/'), `leaves[path]` the value of each terminal path.
 */
export interface MctsGameTree {
  readonly description: string;
  readonly depth: number;
  readonly actions: readonly string[];
  readonly leaves: Readonly<Record<string, number>>;
  /** max over all leaves: the value of optimal play. */
  readonly optimalValue: number;
  /** The first action of the optimal path. */
  readonly optimalAction: string;
  /** Expectimax value when every action is taken uniformly at random. */
  readonly randomValue: number;
}

/** Value of optimal play from `path` (max over children; leaf value at a leaf). */
export function mctsGameTreeMax(tree: MctsGameTree, path: readonly string[] = []): number {
  if (path.length === tree.depth) return tree.leaves[path.join('/')]!;
  let best = -Infinity;
  for (const a of tree.actions) best = Math.max(best, mctsGameTreeMax(tree, [...path, a]));
  return best;
}

/** Value of uniformly random play from `path` (mean over children). */
export function mctsGameTreeRandom(tree: MctsGameTree, path: readonly string[] = []): number {
  if (path.length === tree.depth) return tree.leaves[path.join('/')]!;
  let sum = 0;
  for (const a of tree.actions) sum += mctsGameTreeRandom(tree, [...path, a]);
  return sum / tree.actions.length;
}
