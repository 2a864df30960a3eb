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
} from '@o1lab/core';
import {
  type AnswerWeight,
  appendStep,
  budgetAllows,
  budgetRemaining,
  computeTracker,
  createRng,
  initialState,
  O1labError,
  type Rng,
  resolveBudget,
  voteKeyOf,
} from '@o1lab/core';
import { type BestFirstConfig, resolveBestFirstConfig } from './config.js';

export type { AnswerWeight } from '@o1lab/core';

/** One state of the search tree. Plain JSON; ids index {@link BestFirstTree.nodes}. */
export interface BestFirstNode {
  readonly id: number;
  /** -1 at the root. */
  readonly parent: number;
  readonly depth: number;
  /** The step leading here (null at the root). */
  readonly step: string | null;
  /** Sum of the step's token log-probabilities. */
  readonly logprob: number;
  /** How many of the parent's samples were this step (duplicates merge). */
  readonly sampleCount: number;
  /** The evaluator's value (null at the root, or when a budget stop left it unscored). */
  readonly value: number | null;
  /** The step states an answer, ends the sequence (end of sequence or token limit), or reaches `maxDepth`. */
  readonly terminal: boolean;
  readonly answer: string | null;
  /**
   * What the node votes for in the weighted vote: `task.voteKey` where the task has one (its answer
   * is given, so the canonical solution votes), else the answer.
   */
  readonly key: string | null;
  /** Children allotted to this state (REBASE width, or `numChildren`); 0 when never expanded. */
  readonly width: number;
  /** Round in which it was last expanded (-1 when never). */
  readonly expandedInRound: number;
  /** Times it was expanded (the priority queue may expand a state again to sample more children). */
  readonly numExpansions: number;
  readonly children: readonly number[];
}

/** One round: the states expanded together and the width each got. */
export interface BestFirstRound {
  readonly expanded: readonly number[];
  readonly widths: readonly number[];
}

/** The searched tree with the config that made it. */
export interface BestFirstTree {
  readonly config: BestFirstConfig;
  readonly nodes: readonly BestFirstNode[];
  readonly rounds: readonly BestFirstRound[];
  /** Answer weights of the weighted vote (sum of values over finished solutions), first seen first. */
  readonly answerWeights: readonly AnswerWeight[];
  /** Id of the chosen node, -1 when none. */
  readonly chosen: number;
}

/**
 * Best-first tree search guided by a value model, in one of two forms:
 *
 * - `'rebase'` (Wu et al. 2024, section 3.2): expand the root `width` times; then, depth by depth,
 *   split the width still open (N minus the solutions finished) over the frontier in proportion to
 *   softmax(R / T_b) and expand every frontier state with its share, all in one policy call; value the
 *   new states in one reward call. Ends when N solutions have finished.
 * - `'bestFirst'`: a priority queue of open states by value; each round pops the `expansionBatch`
 *   best, expands them in one policy call and values the children in one reward call (an expanded
 *   state returns to the queue until it has been expanded `maxExpansionsPerState` times); ends when the
 *   best state in the queue has finished with a value of at least `acceptThreshold` (the A* goal
 *   test at pop time), or when the budget or `maxExpansions` runs out.
 *
 * The answer is the finished solution with the highest value, or the answer with the highest
 * summed value (`finalSelection`).
 */
export async function bestFirstSearch<D>(
  problem: Problem<D>,
  context: SearchContext<D>,
  options: { readonly budget?: Budget; readonly config?: Partial<BestFirstConfig> } = {},
): Promise<SearchResult<BestFirstConfig, BestFirstTree>> {
  const startMs = performance.now();
  const config = resolveBestFirstConfig(options.config);
  const budget = resolveBudget(options.budget ?? {}, 'bestFirstSearch budget');
  if (context.reward === undefined) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`evaluator\` '${config.evaluator}' needs a reward model in the search context`,
      {
        where: 'bestFirstSearch',
        hint: 'pass `reward` (a PRM or ORM)',
      },
    );
  }
  const { policy, reward } = context;
  // Budgets limit the policy alone; the result reports the policy and the reward model.
  const spentTotal = computeTracker(policy, reward);
  const search: BestFirstSearchState<D> = {
    context,
    config,
    budget,
    rng: createRng(config.seed),
    nodes: [],
    states: [],
    rounds: [],
    spent: computeTracker(policy),
  };
  addNode(search, -1, initialState(context.task, problem) as State, null, 1);

  const goal = config.strategy === 'rebase' ? await rebase(search) : await queueSearch(search);

  const finished = search.nodes.filter((n) => n.terminal && n.value !== null);
  const answerWeights = weighAnswers(finished);
  const chosen = goal >= 0 ? goal : chooseFinished(finished, answerWeights, config);
  const candidates: Candidate[] = finished
    .map((n) => ({ steps: stepTexts(search.states[n.id]!), answer: n.answer, score: n.value! }))
    .sort((a, b) => b.score - a.score);
  const compute: ComputeSnapshot = Object.freeze({
    ...spentTotal(),
    wallTimeMs: performance.now() - startMs,
  });
  return {
    answer: chosen >= 0 ? search.nodes[chosen]!.answer : null,
    steps: chosen >= 0 ? stepTexts(search.states[chosen]!) : [],
    candidates,
    tree: {
      config,
      nodes: search.nodes.map((n) => ({ ...n, children: [...n.children] })),
      rounds: search.rounds,
      answerWeights,
      chosen,
    },
    compute,
    config,
  };
}

/** {@link bestFirstSearch} as a core {@link Searcher}. */
export const bestFirstSearcher: Searcher<BestFirstConfig, BestFirstTree> = Object.freeze({
  name: 'best-first',
  search: bestFirstSearch,
});

/** A node while the search runs. */
export type MutableBestFirstNode = { -readonly [K in keyof BestFirstNode]: BestFirstNode[K] } & {
  children: number[];
};

/** The search while it runs. */
export interface BestFirstSearchState<D> {
  readonly context: SearchContext<D>;
  readonly config: BestFirstConfig;
  readonly budget: Budget;
  readonly rng: Rng;
  readonly nodes: MutableBestFirstNode[];
  readonly states: State[];
  readonly rounds: BestFirstRound[];
  readonly spent: () => ComputeSnapshot;
}

// REBASE (Wu et al. 2024, section 3.2)

async function rebase<D>(search: BestFirstSearchState<D>): Promise<number> {
  const { config, nodes } = search;
  let frontier = [0];
  let open = config.width;
  while (open > 0 && frontier.length > 0) {
    // Width still open, cut to what the budget allows.
    const left = budgetRemaining(search.budget, search.spent());
    if (left.policyCalls < 1) break;
    const affordable = Math.min(left.samples, Math.floor(left.generatedTokens / config.maxStepTokens));
    const total = Math.min(open, affordable);
    if (total < 1) break;
    // Balance: W_j = round(W * softmax(R(n_j) / T_b)), the frontier's shares summing to W.
    const rewards = frontier.map((id) => nodes[id]!.value ?? 0);
    const widths = allocateWidths(rewards, total, config.balanceTemperature);
    const expanded = frontier.filter((_, i) => widths[i]! > 0);
    const counts = widths.filter((w) => w > 0);
    // Expansion: one policy call for the whole frontier.
    const children = await expand(search, expanded, counts);
    // Evaluation: one reward call for the new states.
    await evaluate(search, children);
    // Finished solutions leave the width; the rest is the next frontier.
    for (const id of children) if (nodes[id]!.terminal) open -= nodes[id]!.sampleCount;
    frontier = children.filter((id) => !nodes[id]!.terminal);
  }
  return -1;
}

/**
 * Splits `total` children over states with rewards `rewards` in proportion to
 * softmax(reward / temperature), rounding by largest remainder so the shares sum to `total`
 * exactly (ties to the earlier state).
 */
export function allocateWidths(rewards: readonly number[], total: number, temperature: number): number[] {
  if (rewards.length === 0) return [];
  const max = Math.max(...rewards);
  const exps = rewards.map((r) => Math.exp((r - max) / temperature));
  const sum = exps.reduce((a, b) => a + b, 0);
  const exact = exps.map((e) => (total * e) / sum);
  const widths = exact.map(Math.floor);
  let rest = total - widths.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, frac: x - Math.floor(x) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (rest <= 0) break;
    widths[i]!++;
    rest--;
  }
  return widths;
}

// Best-first over a priority queue

async function queueSearch<D>(search: BestFirstSearchState<D>): Promise<number> {
  const { config, nodes } = search;
  const queue = new MaxQueue();
  queue.push(0, Infinity);
  let numExpanded = 0;
  while (queue.size > 0 && numExpanded < config.maxExpansions) {
    // Selection: the goal test at pop time (a finished state below `acceptThreshold` is set aside as a
    // candidate); otherwise the best open states, up to a batch.
    const top = nodes[queue.peek()!]!;
    if (top.terminal) {
      queue.pop();
      if (top.value! >= config.acceptThreshold) return top.id;
      continue;
    }
    const batch: number[] = [];
    const limit = Math.min(config.expansionBatch, config.maxExpansions - numExpanded);
    while (batch.length < limit && queue.size > 0 && !nodes[queue.peek()!]!.terminal)
      batch.push(queue.pop()!);
    while (
      batch.length > 0 &&
      !budgetAllows(search.budget, search.spent(), batch.length * config.numChildren, config.maxStepTokens)
    ) {
      const back = batch.pop()!;
      queue.push(back, nodes[back]!.value ?? Infinity, nodes[back]!.numExpansions);
    }
    if (batch.length === 0) break;
    // Expansion: one policy call for the batch.
    const children = await expand(
      search,
      batch,
      batch.map(() => config.numChildren),
    );
    numExpanded += batch.length;
    // Evaluation: one reward call for the new states.
    await evaluate(search, children);
    for (const id of children) queue.push(id, nodes[id]!.value!);
    // Sampled children can miss the good step: an expanded state goes back into the queue (the root
    // keyed by its best child) until it has been expanded `maxExpansionsPerState` times.
    for (const id of batch) {
      const node = nodes[id]!;
      if (node.numExpansions >= config.maxExpansionsPerState) continue;
      const key =
        node.value ?? Math.max(-Infinity, ...node.children.map((c) => nodes[c]!.value ?? -Infinity));
      queue.push(id, key, node.numExpansions);
    }
  }
  return -1;
}

/**
 * A binary max-heap of node ids by priority; ties go to the lower rank (states expanded fewer times),
 * then to the smaller id.
 */
class MaxQueue {
  private readonly ids: number[] = [];
  private readonly keys: number[] = [];
  private readonly ranks: number[] = [];

  get size(): number {
    return this.ids.length;
  }

  peek(): number | undefined {
    return this.ids[0];
  }

  push(id: number, key: number, rank = 0): void {
    this.ids.push(id);
    this.keys.push(key);
    this.ranks.push(rank);
    let i = this.ids.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.before(i, up)) break;
      this.swap(i, up);
      i = up;
    }
  }

  pop(): number | undefined {
    const top = this.ids[0];
    const lastId = this.ids.pop();
    const lastKey = this.keys.pop();
    const lastRank = this.ranks.pop();
    if (this.ids.length > 0 && lastId !== undefined && lastKey !== undefined && lastRank !== undefined) {
      this.ids[0] = lastId;
      this.keys[0] = lastKey;
      this.ranks[0] = lastRank;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.ids.length && this.before(l, best)) best = l;
        if (r < this.ids.length && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    if (ka !== kb) return ka > kb;
    const ra = this.ranks[a]!;
    const rb = this.ranks[b]!;
    return ra < rb || (ra === rb && this.ids[a]! < this.ids[b]!);
  }

  private swap(a: number, b: number): void {
    [this.ids[a], this.ids[b]] = [this.ids[b]!, this.ids[a]!];
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
    [this.ranks[a], this.ranks[b]] = [this.ranks[b]!, this.ranks[a]!];
  }
}

// Expansion and evaluation

/**
 * One policy call: `counts[i]` step samples for state `ids[i]` (`n` of each when all counts agree;
 * otherwise each state repeated once per sample with `n = 1`, the prefix cache serving the repeats).
 * Adds the distinct steps as children and returns their ids.
 */
export async function expand<D>(
  search: BestFirstSearchState<D>,
  ids: readonly number[],
  counts: readonly number[],
): Promise<number[]> {
  const { config, context, nodes } = search;
  if (ids.length === 0) return [];
  const options: SampleOptions & { readonly stepDelimiter: string } = {
    maxTokens: config.maxStepTokens,
    temperature: config.temperature,
    stepDelimiter: context.task.stepDelimiter,
    seed: search.rng.nextUint32(),
  };
  let samples: Sample[][];
  const n = counts[0]!;
  if (counts.every((c) => c === n)) {
    samples = await context.policy.sampleSteps(
      ids.map((id) => search.states[id]!),
      { ...options, n },
    );
  } else {
    const flat = ids.flatMap((id, i) => Array.from({ length: counts[i]! }, () => search.states[id]!));
    const drawn = await context.policy.sampleSteps(flat, { ...options, n: 1 });
    samples = [];
    let at = 0;
    for (const count of counts) {
      samples.push(drawn.slice(at, at + count).map((s) => s[0]!));
      at += count;
    }
  }
  const round = search.rounds.length;
  search.rounds.push({ expanded: [...ids], widths: [...counts] });
  const added: number[] = [];
  ids.forEach((id, i) => {
    const parent = nodes[id]!;
    parent.width = counts[i]!;
    parent.expandedInRound = round;
    parent.numExpansions++;
    for (const sample of samples[i] ?? []) {
      const same = parent.children.find((c) => nodes[c]!.step === sample.text);
      if (same !== undefined) {
        nodes[same]!.sampleCount++;
        continue;
      }
      const logprob = sample.tokenLogprobs.reduce((a, b) => a + b, 0);
      const state = appendStep(search.states[id]!, { text: sample.text, tokenIds: sample.tokenIds, logprob });
      const child = addNode(search, id, state, sample.text, 1);
      child.logprob = logprob;
      const { task } = context;
      child.terminal =
        task.parseAnswer(sample.text) !== null ||
        sample.finishReason !== 'stop' ||
        child.depth >= config.maxDepth;
      const text = stepTexts(state).join(task.stepDelimiter);
      child.answer = task.parseAnswer(text);
      child.key = voteKeyOf(task, text);
      parent.children.push(child.id);
      added.push(child.id);
    }
  });
  return added;
}

/** One reward call: a PRM's last-step score or an ORM's score for each state. */
export async function evaluate<D>(search: BestFirstSearchState<D>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const reward = search.context.reward!;
  const states = ids.map((id) => search.states[id]!);
  const values =
    search.config.evaluator === 'orm'
      ? await reward.scoreOutcome(states)
      : (await reward.scoreSteps(states)).map((s) => s?.[s.length - 1] ?? 0);
  ids.forEach((id, i) => {
    search.nodes[id]!.value = values[i]!;
  });
}

// Final selection

function weighAnswers(finished: readonly BestFirstNode[]): AnswerWeight[] {
  const weights = new Map<string, { key: string; answer: string | null; weight: number }>();
  for (const n of finished) {
    if (n.key === null) continue;
    const w = n.value! * n.sampleCount;
    const entry = weights.get(n.key);
    if (entry) entry.weight += w;
    else weights.set(n.key, { key: n.key, answer: n.answer, weight: w });
  }
  return [...weights.values()];
}

function chooseFinished(
  finished: readonly BestFirstNode[],
  answerWeights: readonly AnswerWeight[],
  config: BestFirstConfig,
): number {
  let pool = finished;
  if (config.finalSelection === 'weightedVote' && answerWeights.length > 0) {
    const top = answerWeights.reduce((a, b) => (b.weight > a.weight ? b : a));
    pool = finished.filter((n) => n.key === top.key);
  }
  let best = -1;
  let bestValue = -Infinity;
  for (const n of pool) {
    if (n.value! > bestValue) {
      bestValue = n.value!;
      best = n.id;
    }
  }
  return best;
}

// Helpers

function addNode<D>(
  search: BestFirstSearchState<D>,
  parent: number,
  state: State,
  step: string | null,
  sampleCount: number,
): MutableBestFirstNode {
  const node: MutableBestFirstNode = {
    id: search.nodes.length,
    parent,
    depth: state.steps.length,
    step,
    logprob: 0,
    sampleCount,
    value: null,
    terminal: false,
    answer: null,
    key: null,
    width: 0,
    expandedInRound: -1,
    numExpansions: 0,
    children: [],
  };
  search.nodes.push(node);
  search.states.push(state);
  return node;
}

function stepTexts(state: State): string[] {
  return state.steps.map((s) => s.text);
}
