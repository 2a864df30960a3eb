import type {
  Budget,
  Candidate,
  ComputeSnapshot,
  Problem,
  Sample,
  SearchContext,
  Searcher,
  SearchResult,
  State,
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
import { resolveTotConfig, type TotConfig } from './config.js';
import type { ThoughtJudge } from './judge.js';

/**
 * What became of a thought: `'kept'` in BFS's beam or walked into by DFS, `'dropped'` below the beam,
 * `'pruned'` at or below DFS's threshold, `'finished'` a kept thought that states an answer,
 * `'open'` generated but never reached (DFS stopped first), `'root'`.
 */
export type TotNodeStatus = 'root' | 'kept' | 'dropped' | 'pruned' | 'finished' | 'open';

/** One thought (a state one step below its parent). Plain JSON; ids index {@link TotTree.nodes}. */
export interface TotNode {
  readonly id: number;
  /** -1 at the root. */
  readonly parent: number;
  readonly depth: number;
  /** The thought's text (null at the root). */
  readonly step: string | null;
  /** Sum of the thought's token log-probabilities. */
  readonly logprob: number;
  /** How many of the parent's samples were this thought (duplicates merge). */
  readonly sampleCount: number;
  /** V(s) from the evaluator (null when not evaluated: the root, or a call the budget stopped). */
  readonly value: number | null;
  /** The thought states an answer or ends the sequence (end of sequence or the token limit). */
  readonly terminal: boolean;
  /** The answer of the path, parsed by the task. */
  readonly answer: string | null;
  readonly status: TotNodeStatus;
  readonly children: readonly number[];
}

/** The searched tree with the config that made it. */
export interface TotTree {
  readonly config: TotConfig;
  readonly nodes: readonly TotNode[];
  /** BFS: ids kept at each level; DFS: ids in the order they were walked into. */
  readonly order: readonly (readonly number[])[];
  /** States expanded (one policy call each in DFS, one per level in BFS). */
  readonly numExpanded: number;
  /** ToT's final completion of the best state when no thought stated an answer (BFS). */
  readonly completion: {
    readonly from: number;
    readonly text: string;
    readonly answer: string | null;
  } | null;
}

/** Options of {@link treeOfThoughts}. */
export interface TotOptions {
  readonly budget?: Budget;
  readonly config?: Partial<TotConfig>;
  /** The value function when `evaluator` is `'judge'` (see `createPolicyJudge`). */
  readonly judge?: ThoughtJudge;
}

/**
 * Tree of Thoughts (Yao et al. 2023): propose `numThoughts` next steps per state with the policy,
 * value each new state (PRM, ORM or a judge such as the policy with ToT's value prompt), and search:
 *
 * - `'bfs'` (Algorithm 1): per level, one policy call proposes thoughts for every kept state and one
 *   evaluation call values them all; the best `breadth` are kept, for `maxSteps` levels.
 * - `'dfs'` (Algorithm 2): expand the most promising state, walk into its children best first,
 *   prune those valued at or below `pruneThreshold`, backtrack when a state has no child left; stop
 *   at the first surviving thought that states an answer, or after `maxExpansions` states.
 *
 * The answer is the best-valued thought that states one.
 */
export async function treeOfThoughts<D>(
  problem: Problem<D>,
  context: SearchContext<D>,
  options: TotOptions = {},
): Promise<SearchResult<TotConfig, TotTree>> {
  const startMs = performance.now();
  const config = resolveTotConfig(options.config);
  const budget = resolveBudget(options.budget ?? {}, 'treeOfThoughts budget');
  checkContext(config, context, options.judge);
  const { policy, reward } = context;
  // Budgets limit the policy alone; the result reports the policy and the reward model.
  const spentTotal = computeTracker(policy, reward);
  const search: TotSearch<D> = {
    context,
    config,
    budget,
    judge: options.judge,
    rng: createRng(config.seed),
    nodes: [],
    states: [],
    spent: computeTracker(policy),
  };
  addNode(search, -1, initialState(context.task, problem) as State, null, 'root');

  const run = config.algorithm === 'bfs' ? await breadthFirst(search) : await depthFirst(search);

  const candidates = search.nodes
    .filter((n) => n.terminal && n.value !== null)
    .map((n) => ({ id: n.id, candidate: candidateOf(search, n.id, n.value!) }));
  let chosen: Candidate | null = null;
  for (const { candidate } of candidates)
    if (chosen === null || candidate.score > chosen.score) chosen = candidate;
  const all: Candidate[] = candidates.map((c) => c.candidate);
  if (run.completion !== null) {
    const from = search.nodes[run.completion.from]!;
    const completed: Candidate = {
      steps: [
        ...stepTexts(search.states[from.id]!),
        ...splitSteps(run.completion.text, context.task.stepDelimiter),
      ],
      answer: run.completion.answer,
      score: from.value ?? 0,
    };
    all.push(completed);
    if (chosen === null) chosen = completed;
  }
  all.sort((a, b) => b.score - a.score);

  const tree: TotTree = {
    config,
    nodes: search.nodes.map((n) => ({ ...n, children: [...n.children] })),
    order: run.order,
    numExpanded: run.numExpanded,
    completion: run.completion,
  };
  return {
    answer: chosen?.answer ?? null,
    steps: chosen?.steps ?? [],
    candidates: all,
    tree,
    compute: Object.freeze({ ...spentTotal(), wallTimeMs: performance.now() - startMs }),
    config,
  };
}

/** {@link treeOfThoughts} as a core {@link Searcher}; `judge` serves `evaluator: 'judge'`. */
export function createTotSearcher(judge?: ThoughtJudge): Searcher<TotConfig, TotTree> {
  return Object.freeze({
    name: 'tot',
    search: <D>(
      problem: Problem<D>,
      context: SearchContext<D>,
      options: { readonly budget?: Budget; readonly config?: Partial<TotConfig> } = {},
    ) => treeOfThoughts(problem, context, judge === undefined ? options : { ...options, judge }),
  });
}

/** Tree of Thoughts as a core {@link Searcher} (PRM or ORM evaluator). */
export const totSearcher: Searcher<TotConfig, TotTree> = createTotSearcher();

type MutableTotNode = { -readonly [K in keyof TotNode]: TotNode[K] } & { children: number[] };

/** The search while it runs: context, config, budget, the nodes and their states. */
export interface TotSearch<D> {
  readonly context: SearchContext<D>;
  readonly config: TotConfig;
  readonly budget: Budget;
  readonly judge: ThoughtJudge | undefined;
  readonly rng: Rng;
  readonly nodes: MutableTotNode[];
  readonly states: State[];
  readonly spent: () => ComputeSnapshot;
}

interface RunRecord {
  readonly order: number[][];
  readonly numExpanded: number;
  readonly completion: TotTree['completion'];
}

// BFS (Yao et al. 2023, Algorithm 1)

async function breadthFirst<D>(search: TotSearch<D>): Promise<RunRecord> {
  const { config } = search;
  const order: number[][] = [];
  let frontier = [0];
  let numExpanded = 0;
  for (let t = 1; t <= config.maxSteps && frontier.length > 0; t++) {
    // Thought generation: S' = { [s, z] | s in S, z in G(p, s, k) }, one policy call.
    const children = await proposeThoughts(search, frontier);
    if (children === null) break;
    numExpanded += frontier.length;
    // State evaluation: V(p, S'), one call.
    if (!(await evaluateStates(search, children))) break;
    // Selection: S_t = the b best of S'.
    const ranked = [...children].sort((a, b) => search.nodes[b]!.value! - search.nodes[a]!.value! || a - b);
    const kept = ranked.slice(0, config.breadth);
    for (const id of ranked) {
      const node = search.nodes[id]!;
      node.status = kept.includes(id) ? (node.terminal ? 'finished' : 'kept') : 'dropped';
    }
    order.push(kept);
    frontier = kept.filter((id) => !search.nodes[id]!.terminal);
  }

  // Output: G(p, argmax V(s), 1) when no thought stated an answer.
  let completion: TotTree['completion'] = null;
  const anyFinished = search.nodes.some((n) => n.terminal && n.value !== null);
  if (!anyFinished && config.completeBest && frontier.length > 0) {
    const best = frontier.reduce((a, b) => (search.nodes[b]!.value! > search.nodes[a]!.value! ? b : a));
    completion = await completeState(search, best);
  }
  return { order, numExpanded, completion };
}

// DFS (Yao et al. 2023, Algorithm 2)

async function depthFirst<D>(search: TotSearch<D>): Promise<RunRecord> {
  const { config, nodes } = search;
  const walked: number[] = [];
  // Stack of states still to walk into; a state's children go on top, best on top.
  const stack = [0];
  let numExpanded = 0;
  while (stack.length > 0 && numExpanded < config.maxExpansions) {
    const id = stack.pop()!;
    walked.push(id);
    if (nodes[id]!.depth >= config.maxSteps) continue;
    // Thought generation for this one state: one policy call.
    const children = await proposeThoughts(search, [id]);
    if (children === null) break;
    numExpanded++;
    // State evaluation of its children: one call.
    if (!(await evaluateStates(search, children))) break;
    const ranked = [...children].sort((a, b) => nodes[b]!.value! - nodes[a]!.value! || a - b);
    let solved = false;
    const survivors: number[] = [];
    for (const c of ranked) {
      const child = nodes[c]!;
      // Pruning: V(s') <= v_th means backtrack from it.
      if (child.value! <= config.pruneThreshold) {
        child.status = 'pruned';
      } else if (child.terminal) {
        child.status = 'finished';
        solved = true;
        break;
      } else {
        survivors.push(c);
      }
    }
    if (solved) break;
    for (let i = survivors.length - 1; i >= 0; i--) {
      nodes[survivors[i]!]!.status = 'kept';
      stack.push(survivors[i]!);
    }
  }
  return { order: [walked], numExpanded, completion: null };
}

// Thought generation

/**
 * One policy call: `numThoughts` steps for each state in `ids`. Adds the distinct thoughts as
 * children (status `'open'`) and returns their ids, or null when the budget does not allow the call.
 */
export async function proposeThoughts<D>(
  search: TotSearch<D>,
  ids: readonly number[],
): Promise<number[] | null> {
  const { config, context } = search;
  const numSamples = ids.length * config.numThoughts;
  if (!budgetAllows(search.budget, search.spent(), numSamples, config.maxStepTokens)) return null;
  const samples = await context.policy.sampleSteps(
    ids.map((id) => search.states[id]!),
    {
      n: config.numThoughts,
      maxTokens: config.maxStepTokens,
      temperature: config.temperature,
      stepDelimiter: context.task.stepDelimiter,
      seed: search.rng.nextUint32(),
    },
  );
  const added: number[] = [];
  ids.forEach((id, i) => {
    for (const sample of samples[i] ?? []) {
      const existing = search.nodes[id]!.children.find((c) => search.nodes[c]!.step === sample.text);
      if (existing !== undefined) {
        search.nodes[existing]!.sampleCount++;
        continue;
      }
      added.push(addThought(search, id, sample));
    }
  });
  return added;
}

function addThought<D>(search: TotSearch<D>, parent: number, sample: Sample): number {
  const { task } = search.context;
  const logprob = sample.tokenLogprobs.reduce((a, b) => a + b, 0);
  const state = appendStep(search.states[parent]!, { text: sample.text, tokenIds: sample.tokenIds, logprob });
  const node = addNode(search, parent, state, sample.text, 'open');
  node.logprob = logprob;
  node.terminal = task.parseAnswer(sample.text) !== null || sample.finishReason !== 'stop';
  node.answer = task.parseAnswer(stepTexts(state).join(task.stepDelimiter));
  search.nodes[parent]!.children.push(node.id);
  return node.id;
}

// State evaluation

/**
 * Values the states `ids` in one call: a PRM's last-step score, an ORM's score, or the judge's value.
 * Returns false when the judge's policy calls do not fit in the budget.
 */
export async function evaluateStates<D>(search: TotSearch<D>, ids: readonly number[]): Promise<boolean> {
  if (ids.length === 0) return true;
  const { config, context, judge } = search;
  const states = ids.map((id) => search.states[id]!);
  let values: number[];
  if (config.evaluator === 'judge') {
    const j = judge!;
    if (
      j.samplesPerState > 0 &&
      !budgetAllows(search.budget, search.spent(), ids.length * j.samplesPerState, j.maxTokens)
    ) {
      return false;
    }
    values = await j.evaluate(states, { seed: search.rng.nextUint32() });
  } else if (config.evaluator === 'orm') {
    values = await context.reward!.scoreOutcome(states);
  } else {
    const scores = await context.reward!.scoreSteps(states);
    values = scores.map((s) => s?.[s.length - 1] ?? 0);
  }
  ids.forEach((id, i) => {
    search.nodes[id]!.value = values[i]!;
  });
  return true;
}

// Output

async function completeState<D>(search: TotSearch<D>, id: number): Promise<TotTree['completion']> {
  const { config, context } = search;
  if (!budgetAllows(search.budget, search.spent(), 1, config.maxCompletionTokens)) return null;
  const [samples] = await context.policy.sampleCompletions([search.states[id]!], {
    n: 1,
    maxTokens: config.maxCompletionTokens,
    temperature: config.temperature,
    seed: search.rng.nextUint32(),
  });
  const text = samples?.[0]?.text ?? '';
  const { task } = context;
  const steps = [...stepTexts(search.states[id]!), ...splitSteps(text, task.stepDelimiter)];
  return { from: id, text, answer: task.parseAnswer(steps.join(task.stepDelimiter)) };
}

// Helpers

function addNode<D>(
  search: TotSearch<D>,
  parent: number,
  state: State,
  step: string | null,
  status: TotNodeStatus,
): MutableTotNode {
  const node: MutableTotNode = {
    id: search.nodes.length,
    parent,
    depth: state.steps.length,
    step,
    logprob: 0,
    sampleCount: 1,
    value: null,
    terminal: false,
    answer: null,
    status,
    children: [],
  };
  search.nodes.push(node);
  search.states.push(state);
  return node;
}

function candidateOf<D>(search: TotSearch<D>, id: number, score: number): Candidate {
  return { steps: stepTexts(search.states[id]!), answer: search.nodes[id]!.answer, score };
}

function stepTexts(state: State): string[] {
  return state.steps.map((s) => s.text);
}

function splitSteps(text: string, delimiter: string): string[] {
  return text.split(delimiter).filter((s) => s.length > 0);
}

function checkContext<D>(
  config: TotConfig,
  context: SearchContext<D>,
  judge: ThoughtJudge | undefined,
): void {
  if (config.evaluator === 'judge' && judge === undefined) {
    throw new O1labError('INVALID_CONFIG', "`evaluator` 'judge' needs a `judge` in the options", {
      where: 'treeOfThoughts',
      hint: 'pass createPolicyJudge(policy, ...) or any ThoughtJudge',
    });
  }
  if (config.evaluator !== 'judge' && context.reward === undefined) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`evaluator\` '${config.evaluator}' needs a reward model in the search context`,
      { where: 'treeOfThoughts', hint: "pass `reward`, or use evaluator 'judge' with a judge" },
    );
  }
}
