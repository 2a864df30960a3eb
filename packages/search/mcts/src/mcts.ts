import type {
  Budget,
  Candidate,
  ComputeSnapshot,
  Problem,
  Sample,
  SampleOptions,
  SearchContext,
  Searcher,
  SearchResult,
  State,
  Step,
} from '@o1lab/core';
import {
  appendStep,
  budgetAllows,
  computeTracker,
  createRng,
  initialState,
  O1labError,
  type Rng,
  resolveBudget,
} from '@o1lab/core';
import { type MctsConfig, resolveMctsConfig } from './config.js';
import type { MctsNode, MctsTerminalReason, MctsTree } from './tree.js';

/**
 * Monte-Carlo tree search over reasoning steps with PUCT (Silver et al. 2017; MuZero's exploration
 * schedule, Schrittwieser et al. 2020, appendix B), Dirichlet root noise, progressive widening of
 * sampled step actions (Coulom 2007; Couëtoux et al. 2011) and batched simulations under virtual loss
 * (Silver et al. 2016). Each round selects up to `batchSize` leaves, expands them in one policy call,
 * evaluates them in one reward call and backs the values up.
 *
 * Returns the answer on the most visited path (or the best-valued terminal node), the tree with the
 * config that made it, and the compute spent (policy and reward meters merged, wall time of the search).
 */
export async function mctsSearch<D>(
  problem: Problem<D>,
  context: SearchContext<D>,
  options: { readonly budget?: Budget; readonly config?: Partial<MctsConfig> } = {},
): Promise<SearchResult<MctsConfig, MctsTree>> {
  const startMs = performance.now();
  const config = resolveMctsConfig(options.config);
  const budget = resolveBudget(options.budget ?? {}, 'mctsSearch budget');
  checkContext(config, context);
  const { policy, task } = context;
  const reward = context.reward;
  // Budgets limit the policy alone; the result reports the policy and the reward model.
  const spent = computeTracker(policy);
  const spentTotal = computeTracker(policy, reward);
  const search: MctsSearchState = {
    nodes: [],
    states: [],
    bounds: { min: Infinity, max: -Infinity },
    rng: createRng(config.seed),
  };
  const root = addNode(search, -1, initialState(task, problem) as State, null, 0, 1);
  root.policyPrior = 1;
  root.prior = 1;

  let numSimulations = 0;
  let numRounds = 0;
  if (budgetAllows(budget, spent(), config.numActions, config.maxStepTokens)) {
    const rootRequest = { ids: [0], counts: [config.numActions], numSamples: config.numActions };
    const [rootSamples] = await sampleRequests(
      policy,
      search.states,
      rootRequest,
      stepOptions(config, task, search),
    );
    expandNode(search, 0, rootSamples ?? [], config, task);
  }

  while (root.expanded && root.children.length > 0 && numSimulations < config.numSimulations) {
    // Selection: up to `batchSize` leaves, each under virtual loss so the next one looks elsewhere.
    const pendingExpand = new Set<number>();
    const pendingWiden = new Set<number>();
    let sims: Simulation[] = [];
    const roundSize = Math.min(config.batchSize, config.numSimulations - numSimulations);
    for (let b = 0; b < roundSize; b++) {
      const sim = selectLeaf(search, config, pendingExpand, pendingWiden);
      applyVirtualLoss(search.nodes, sim.path, config.virtualLoss);
      sims.push(sim);
    }

    // Expansion: one policy call for every leaf of the round (budget permitting).
    let requests = expansionRequests(search, sims, config);
    while (
      requests.numSamples > 0 &&
      !budgetAllows(budget, spent(), requests.numSamples, config.maxStepTokens)
    ) {
      const dropped = sims.pop()!;
      revertVirtualLoss(search.nodes, dropped.path, config.virtualLoss);
      requests = expansionRequests(search, sims, config);
    }
    if (sims.length === 0) break;
    if (requests.numSamples > 0) {
      const samples = await sampleRequests(
        policy,
        search.states,
        requests,
        stepOptions(config, task, search),
      );
      requests.ids.forEach((id, i) => {
        const first = expandNode(search, id, samples[i] ?? [], config, task);
        for (const sim of sims) if (sim.kind === 'widen' && sim.path.at(-1) === id) sim.leaf = first;
      });
      // A widening call that returned no sample leaves its simulation without a leaf to value.
      sims = sims.filter((sim) => {
        if (sim.leaf >= 0) return true;
        revertVirtualLoss(search.nodes, sim.path, config.virtualLoss);
        return false;
      });
    }

    // Evaluation: one reward call (plus one rollout call) for every leaf not valued yet.
    const toEvaluate = [...new Set(sims.map((s) => s.leaf))].filter((id) => search.nodes[id]!.value === null);
    const evaluated = await evaluateNodes(search, toEvaluate, context, config, budget, spent);
    if (!evaluated) {
      for (const sim of sims) revertVirtualLoss(search.nodes, sim.path, config.virtualLoss);
      break;
    }

    // Backup: remove the virtual loss, then add the leaf value along the path.
    for (const sim of sims) {
      revertVirtualLoss(search.nodes, sim.path, config.virtualLoss);
      const path = sim.leaf === sim.path.at(-1) ? sim.path : [...sim.path, sim.leaf];
      backup(search.nodes, path, search.nodes[sim.leaf]!.value!, config.normalizeQ ? search.bounds : null);
    }
    numSimulations += sims.length;
    numRounds++;
    if (sims.length < roundSize) break;
  }

  const tree: MctsTree = {
    config,
    numSimulations,
    numRounds,
    minValue: Number.isFinite(search.bounds.min) ? search.bounds.min : null,
    maxValue: Number.isFinite(search.bounds.max) ? search.bounds.max : null,
    nodes: search.nodes.map((n) => ({ ...n, children: [...n.children] })),
  };
  const chosen = finalNode(tree, config);
  const candidates = terminalCandidates(search);
  const compute: ComputeSnapshot = Object.freeze({
    ...spentTotal(),
    wallTimeMs: performance.now() - startMs,
  });
  const chosenSteps = chosen === null ? [] : stepTexts(search.states[chosen]!);
  return {
    answer: chosen === null ? null : search.nodes[chosen]!.answer,
    steps: chosenSteps,
    candidates,
    tree,
    compute,
    config,
  };
}

/** {@link mctsSearch} as a {@link Searcher}. */
export const mctsSearcher: Searcher<MctsConfig, MctsTree> = Object.freeze({
  name: 'mcts',
  search: mctsSearch,
});

/** A node while the search runs (the serialised tree is a copy of these). */
export type MutableMctsNode = { -readonly [K in keyof MctsNode]: MctsNode[K] } & { children: number[] };

/** MinMaxStats of MuZero: bounds of the backed-up values seen so far, for normalising Q. */
export interface ValueBounds {
  min: number;
  max: number;
}

/** One simulation of a round: the path selected and the leaf whose value it backs up. */
export interface Simulation {
  /** Node ids from the root to the selected node. */
  readonly path: readonly number[];
  /**
   * `'expand'`: an unexpanded node; `'widen'`: progressive widening samples more steps at the last
   * node and the simulation ends at the child its first sample names; `'terminal'`: a terminal node.
   */
  readonly kind: 'expand' | 'widen' | 'terminal';
  /** The node whose value is backed up (the last on `path`, or the widened child). */
  leaf: number;
}

/** The tree while the search runs: nodes, their states, the value bounds and the Rng. */
export interface MctsSearchState {
  readonly nodes: MutableMctsNode[];
  /**
   * State of each node (not serialised: it is the path's steps). Typed as `State` (problem data as
   * JSON) because that is what the policy and reward model take.
   */
  readonly states: State[];
  readonly bounds: ValueBounds;
  readonly rng: Rng;
}

// Selection

/**
 * MuZero's exploration rate c(s) = c1 + log((N(s) + c2 + 1) / c2) (Schrittwieser et al. 2020,
 * appendix B, with c1 = `pbCInit`, c2 = `pbCBase`).
 */
export function explorationRate(
  parentVisits: number,
  config: Pick<MctsConfig, 'pbCInit' | 'pbCBase'>,
): number {
  return config.pbCInit + Math.log((parentVisits + config.pbCBase + 1) / config.pbCBase);
}

/**
 * Q normalised by the tree's bounds: (q - min) / (max - min), and q itself while max <= min
 * (MuZero's `MinMaxStats.normalize`). `bounds` null leaves q as it is.
 */
export function normalizeValue(bounds: ValueBounds | null, q: number): number {
  if (bounds === null || !(bounds.max > bounds.min)) return q;
  return (q - bounds.min) / (bounds.max - bounds.min);
}

/**
 * PUCT score of one child: Q(s, a) + c(s) P(s, a) sqrt(N(s)) / (1 + N(s, a)), with Q the child's
 * normalised mean value, and 0 for an unvisited child as in MuZero's pseudo-code.
 */
export function puctScore(
  parentVisits: number,
  child: Pick<MctsNode, 'prior' | 'visitCount' | 'valueSum'>,
  config: Pick<MctsConfig, 'pbCInit' | 'pbCBase'>,
  bounds: ValueBounds | null,
): number {
  const c = explorationRate(parentVisits, config);
  const u = (c * child.prior * Math.sqrt(parentVisits)) / (1 + child.visitCount);
  const q = child.visitCount > 0 ? normalizeValue(bounds, child.valueSum / child.visitCount) : 0;
  return q + u;
}

/** The child of `parentId` with the highest PUCT score (ties to the first in tree order). */
export function selectChild(
  nodes: readonly MctsNode[],
  parentId: number,
  config: Pick<MctsConfig, 'pbCInit' | 'pbCBase'>,
  bounds: ValueBounds | null,
): number {
  const parent = nodes[parentId]!;
  // puctScore with c(s) sqrt(N(s)) and the bounds hoisted out of the loop (the inner loop of search).
  const scale = explorationRate(parent.visitCount, config) * Math.sqrt(parent.visitCount);
  const normalize = bounds !== null && bounds.max > bounds.min;
  const lo = bounds?.min ?? 0;
  const range = normalize ? bounds!.max - lo : 1;
  let best = -1;
  let bestScore = -Infinity;
  for (const id of parent.children) {
    const child = nodes[id]!;
    const n = child.visitCount;
    const q = n > 0 ? (normalize ? (child.valueSum / n - lo) / range : child.valueSum / n) : 0;
    const score = q + (scale * child.prior) / (1 + n);
    if (score > bestScore) {
      bestScore = score;
      best = id;
    }
  }
  if (best < 0) throw new O1labError('INTERNAL', `node ${parentId} has no children to select`);
  return best;
}

/**
 * Step samples a node with `visitCount` visits may have drawn under progressive widening:
 * max(numActions, ceil(k N^alpha)), capped by `maxChildren` (Couëtoux et al. 2011). Counting samples
 * rather than distinct children makes a node whose step distribution has few modes stop asking.
 */
export function allowedSamples(
  visitCount: number,
  config: Pick<
    MctsConfig,
    'numActions' | 'progressiveWidening' | 'wideningConstant' | 'wideningExponent' | 'maxChildren'
  >,
): number {
  if (!config.progressiveWidening) return config.numActions;
  const widened = Math.ceil(config.wideningConstant * visitCount ** config.wideningExponent);
  return Math.max(config.numActions, Math.min(config.maxChildren, widened));
}

/**
 * Descends from the root by PUCT to the node this simulation ends at: a terminal node, an
 * unexpanded node, or an expanded node that progressive widening lets sample more steps (once per
 * round). Root children's priors carry the Dirichlet noise already.
 */
export function selectLeaf(
  search: { readonly nodes: readonly MctsNode[]; readonly bounds: ValueBounds },
  config: MctsConfig,
  pendingExpand: Set<number>,
  pendingWiden: Set<number>,
): Simulation {
  const { nodes } = search;
  const bounds = config.normalizeQ ? search.bounds : null;
  const path = [0];
  let id = 0;
  for (;;) {
    const node = nodes[id]!;
    if (node.terminal) return { path, kind: 'terminal', leaf: id };
    if (!node.expanded) {
      pendingExpand.add(id);
      return { path, kind: 'expand', leaf: id };
    }
    if (
      !pendingWiden.has(id) &&
      node.children.length < config.maxChildren &&
      node.numSamples < allowedSamples(node.visitCount, config)
    ) {
      pendingWiden.add(id);
      return { path, kind: 'widen', leaf: id };
    }
    if (node.children.length === 0) return { path, kind: 'terminal', leaf: id };
    id = selectChild(nodes, id, config, bounds);
    path.push(id);
  }
}

/** Adds `amount` visits of value 0 to every node on `path` (values are rewards in [0, 1]). */
export function applyVirtualLoss(nodes: MutableMctsNode[], path: readonly number[], amount: number): void {
  for (const id of path) nodes[id]!.visitCount += amount;
}

/** Takes back {@link applyVirtualLoss}. */
export function revertVirtualLoss(nodes: MutableMctsNode[], path: readonly number[], amount: number): void {
  for (const id of path) nodes[id]!.visitCount -= amount;
}

// Expansion

interface ExpansionRequests {
  /** Node ids to sample steps for, each once. */
  readonly ids: number[];
  /** Samples each needs. */
  readonly counts: number[];
  readonly numSamples: number;
}

function expansionRequests(
  search: MctsSearchState,
  sims: readonly Simulation[],
  config: MctsConfig,
): ExpansionRequests {
  const ids: number[] = [];
  const counts: number[] = [];
  for (const sim of sims) {
    const id = sim.path.at(-1)!;
    if (sim.kind === 'terminal' || ids.includes(id)) continue;
    const node = search.nodes[id]!;
    const count =
      sim.kind === 'expand'
        ? config.numActions
        : Math.max(1, allowedSamples(node.visitCount, config) - node.numSamples);
    ids.push(id);
    counts.push(count);
  }
  return { ids, counts, numSamples: counts.reduce((a, b) => a + b, 0) };
}

/**
 * One policy call for every node of the round. When all nodes need the same number of samples the
 * call asks for `n` of each; otherwise each state is repeated once per sample with `n = 1` (the prefix
 * cache serves the repeats).
 */
async function sampleRequests(
  policy: SearchContext['policy'],
  states: readonly State[],
  requests: ExpansionRequests,
  sampleOptions: SampleOptions & { readonly stepDelimiter: string },
): Promise<Sample[][]> {
  const n = requests.counts[0]!;
  if (requests.counts.every((c) => c === n)) {
    return policy.sampleSteps(
      requests.ids.map((id) => states[id]!),
      { ...sampleOptions, n },
    );
  }
  const flat: State[] = [];
  requests.ids.forEach((id, i) => {
    for (let k = 0; k < requests.counts[i]!; k++) flat.push(states[id]!);
  });
  const samples = await policy.sampleSteps(flat, { ...sampleOptions, n: 1 });
  const out: Sample[][] = [];
  let at = 0;
  for (const count of requests.counts) {
    out.push(samples.slice(at, at + count).map((s) => s[0]!));
    at += count;
  }
  return out;
}

/**
 * Adds a node's sampled steps as children (a step sampled again adds to its child's `sampleCount`),
 * recomputes the priors of all its children, and redraws the root noise when the node is the root.
 * Returns the id of the child the first sample names (or -1 when there was none).
 */
export function expandNode<D>(
  search: MctsSearchState,
  id: number,
  samples: readonly Sample[],
  config: MctsConfig,
  task: SearchContext<D>['task'],
): number {
  const node = search.nodes[id]!;
  let first = -1;
  for (const sample of samples) {
    let childId = node.children.find((c) => search.nodes[c]!.step === sample.text) ?? -1;
    if (childId >= 0) {
      search.nodes[childId]!.sampleCount++;
    } else if (node.children.length < config.maxChildren) {
      const step: Step = {
        text: sample.text,
        tokenIds: sample.tokenIds,
        logprob: sample.tokenLogprobs.reduce((a, b) => a + b, 0),
      };
      const state = appendStep(search.states[id]!, step);
      const child = addNode(search, id, state, step, node.depth + 1, 1);
      const answer = task.parseAnswer(stepTexts(state).join(task.stepDelimiter));
      const stepAnswer = task.parseAnswer(sample.text);
      let reason: MctsTerminalReason | null = null;
      if (stepAnswer !== null) reason = 'answer';
      else if (sample.finishReason !== 'stop') reason = sample.finishReason;
      else if (child.depth >= config.maxDepth) reason = 'depth';
      child.terminal = reason !== null;
      child.terminalReason = reason;
      child.answer = answer;
      node.children.push(child.id);
      childId = child.id;
    }
    if (first < 0) first = childId;
  }
  node.numSamples += samples.length;
  node.expanded = true;
  setPriors(search, id, config);
  return first;
}

/**
 * Priors over a node's children: softmax(logprob / priorTemperature), or sample frequencies; at the
 * root mixed with Dirichlet(alpha) noise: P' = (1 - frac) P + frac eta (Silver et al. 2018).
 */
function setPriors(search: MctsSearchState, id: number, config: MctsConfig): void {
  const children = search.nodes[id]!.children.map((c) => search.nodes[c]!);
  const priors = childPriors(
    children.map((c) => c.logprob),
    children.map((c) => c.sampleCount),
    config,
  );
  const noise =
    id === 0 && config.dirichletFraction > 0 && children.length > 0
      ? search.rng.dirichlet(config.dirichletAlpha, children.length)
      : null;
  children.forEach((child, i) => {
    child.policyPrior = priors[i]!;
    child.prior =
      noise === null
        ? priors[i]!
        : (1 - config.dirichletFraction) * priors[i]! + config.dirichletFraction * noise[i]!;
  });
}

/** Priors from children's step log-probabilities (softmax with temperature) or their sample counts. */
export function childPriors(
  logprobs: readonly number[],
  sampleCounts: readonly number[],
  config: Pick<MctsConfig, 'priorSource' | 'priorTemperature'>,
): number[] {
  if (logprobs.length === 0) return [];
  if (config.priorSource === 'frequency') {
    const total = sampleCounts.reduce((a, b) => a + b, 0);
    return sampleCounts.map((c) => c / total);
  }
  const scaled = logprobs.map((l) => l / config.priorTemperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

// Evaluation

/**
 * Values the given nodes: terminal nodes by the verifier or the evaluator (`terminalValue`), the
 * others by the evaluator: a PRM's last-step score, an ORM's score, or the mean score of
 * `numRollouts` completions. One reward call (and for rollouts one policy call) for all of them.
 * Returns false when the budget does not allow the rollouts.
 */
export async function evaluateNodes<D>(
  search: MctsSearchState,
  ids: readonly number[],
  context: SearchContext<D>,
  config: MctsConfig,
  budget: Budget,
  spent: () => ComputeSnapshot,
): Promise<boolean> {
  const { task, policy, reward } = context;
  const nodes = search.nodes;
  const byVerifier: number[] = [];
  const byEvaluator: number[] = [];
  for (const id of ids) {
    const useVerifier =
      nodes[id]!.terminal &&
      (config.terminalValue === 'verifier' ||
        (config.evaluator === 'rollout' && config.rolloutScorer === 'verifier'));
    (useVerifier ? byVerifier : byEvaluator).push(id);
  }
  for (const id of byVerifier) nodes[id]!.value = verifierValue(search.states[id]!, task);
  if (byEvaluator.length === 0) return true;

  if (config.evaluator === 'prm') {
    const scores = await reward!.scoreSteps(byEvaluator.map((id) => search.states[id]!));
    byEvaluator.forEach((id, i) => {
      nodes[id]!.value = lastScore(scores[i]);
    });
    return true;
  }
  if (config.evaluator === 'orm') {
    const scores = await reward!.scoreOutcome(byEvaluator.map((id) => search.states[id]!));
    byEvaluator.forEach((id, i) => {
      nodes[id]!.value = scores[i]!;
    });
    return true;
  }

  // Rollouts: terminal nodes are scored as they are, the others after `numRollouts` completions each.
  const open = byEvaluator.filter((id) => !nodes[id]!.terminal);
  const finished = new Map<number, State[]>();
  for (const id of byEvaluator) if (nodes[id]!.terminal) finished.set(id, [search.states[id]!]);
  if (open.length > 0) {
    const numSamples = open.length * config.numRollouts;
    if (!budgetAllows(budget, spent(), numSamples, config.rolloutMaxTokens)) return false;
    const completions = await policy.sampleCompletions(
      open.map((id) => search.states[id]!),
      {
        n: config.numRollouts,
        maxTokens: config.rolloutMaxTokens,
        temperature: config.temperature,
        seed: search.rng.nextUint32(),
      },
    );
    open.forEach((id, i) => {
      finished.set(
        id,
        (completions[i] ?? []).map((c) => completeState(search.states[id]!, c.text, task.stepDelimiter)),
      );
    });
  }
  const order = [...finished.keys()];
  const states = order.flatMap((id) => finished.get(id)!);
  const scores =
    config.rolloutScorer === 'orm'
      ? await reward!.scoreOutcome(states)
      : states.map((s) => verifierValue(s, task));
  let at = 0;
  for (const id of order) {
    const count = finished.get(id)!.length;
    let sum = 0;
    for (let k = 0; k < count; k++) sum += scores[at + k]!;
    nodes[id]!.value = count > 0 ? sum / count : 0;
    at += count;
  }
  return true;
}

function verifierValue<D>(state: State, task: SearchContext<D>['task']): number {
  const problem = state.problem as Problem<D>;
  return task.verify(problem, stepTexts(state).join(task.stepDelimiter)).correct ? 1 : 0;
}

function lastScore(scores: readonly number[] | undefined): number {
  if (scores === undefined || scores.length === 0) {
    throw new O1labError('BACKEND_ERROR', 'the reward model returned no step scores for a state', {
      where: 'mctsSearch evaluation',
      hint: 'scoreSteps must return one score per step',
    });
  }
  return scores[scores.length - 1]!;
}

/** A state followed by a completion split into steps at the delimiter. */
function completeState(state: State, completion: string, delimiter: string): State {
  let out = state;
  for (const text of completion.split(delimiter)) if (text.length > 0) out = appendStep(out, { text });
  return out;
}

// Backup

/**
 * Adds one visit of `value` to every node on `path` (root to leaf) and widens the MinMaxStats bounds
 * with each node's new mean value (MuZero's `backpropagate`, single agent, no discount).
 */
export function backup(
  nodes: MutableMctsNode[],
  path: readonly number[],
  value: number,
  bounds: ValueBounds | null,
): void {
  for (let i = path.length - 1; i >= 0; i--) {
    const node = nodes[path[i]!]!;
    node.visitCount += 1;
    node.valueSum += value;
    if (bounds !== null) {
      const q = node.valueSum / node.visitCount;
      if (q < bounds.min) bounds.min = q;
      if (q > bounds.max) bounds.max = q;
    }
  }
}

// Final selection

/**
 * The chosen node: following the most visited child (ties to the higher mean value) from the root
 * to a terminal node; or the terminal node with the highest mean value. Falls back to the best
 * terminal node when the most visited path stops before one; null when no terminal node was valued.
 */
export function finalNode(tree: MctsTree, config: Pick<MctsConfig, 'finalSelection'>): number | null {
  const nodes = tree.nodes;
  if (config.finalSelection === 'mostVisited') {
    let id = 0;
    while (!nodes[id]!.terminal && nodes[id]!.children.length > 0) {
      let best = -1;
      for (const c of nodes[id]!.children) {
        const child = nodes[c]!;
        if (child.visitCount === 0) continue;
        const b = best < 0 ? undefined : nodes[best]!;
        if (
          b === undefined ||
          child.visitCount > b.visitCount ||
          (child.visitCount === b.visitCount && meanOf(child) > meanOf(b))
        ) {
          best = c;
        }
      }
      if (best < 0) break;
      id = best;
    }
    if (nodes[id]!.terminal && nodes[id]!.value !== null) return id;
  }
  let best: number | null = null;
  for (const node of nodes) {
    if (!node.terminal || node.visitCount === 0) continue;
    const b = best === null ? undefined : nodes[best]!;
    if (
      b === undefined ||
      meanOf(node) > meanOf(b) ||
      (meanOf(node) === meanOf(b) && node.visitCount > b.visitCount)
    ) {
      best = node.id;
    }
  }
  return best;
}

function meanOf(node: MctsNode): number {
  return node.visitCount > 0 ? node.valueSum / node.visitCount : 0;
}

// Helpers

function addNode(
  search: MctsSearchState,
  parent: number,
  state: State,
  step: Step | null,
  depth: number,
  sampleCount: number,
): MutableMctsNode {
  const node: MutableMctsNode = {
    id: search.nodes.length,
    parent,
    depth,
    step: step === null ? null : step.text,
    logprob: step?.logprob ?? 0,
    sampleCount,
    policyPrior: 0,
    prior: 0,
    visitCount: 0,
    valueSum: 0,
    value: null,
    terminal: false,
    terminalReason: null,
    answer: null,
    expanded: false,
    numSamples: 0,
    children: [],
  };
  search.nodes.push(node);
  search.states.push(state);
  return node;
}

function stepOptions<D>(
  config: MctsConfig,
  task: SearchContext<D>['task'],
  search: MctsSearchState,
): SampleOptions & { readonly stepDelimiter: string } {
  return {
    maxTokens: config.maxStepTokens,
    temperature: config.temperature,
    stepDelimiter: task.stepDelimiter,
    seed: search.rng.nextUint32(),
  };
}

function stepTexts(state: State<unknown>): string[] {
  return state.steps.map((s) => s.text);
}

function terminalCandidates(search: MctsSearchState): Candidate[] {
  const out: Candidate[] = [];
  for (const node of search.nodes) {
    if (!node.terminal || node.value === null) continue;
    const steps = stepTexts(search.states[node.id]!);
    out.push({ steps, answer: node.answer, score: node.value });
  }
  return out.sort((a, b) => b.score - a.score);
}

function checkContext<D>(config: MctsConfig, context: SearchContext<D>): void {
  const needsReward = config.evaluator !== 'rollout' || config.rolloutScorer === 'orm';
  if (needsReward && context.reward === undefined) {
    const option = config.evaluator === 'rollout' ? 'rolloutScorer' : 'evaluator';
    throw new O1labError(
      'INVALID_CONFIG',
      `\`${option}\` '${config[option]}' needs a reward model in the search context`,
      {
        where: 'mctsSearch',
        hint: "pass `reward`, or use evaluator 'rollout' with rolloutScorer 'verifier'",
      },
    );
  }
}
