import type {
  Budget,
  Candidate,
  FinishReason,
  Problem,
  Sample,
  SearchContext,
  Searcher,
  SearchResult,
  State,
  Task,
} from '@o1lab/core';
import {
  aggregateStepScores,
  appendStep,
  budgetAllows,
  computeTracker,
  createRng,
  initialState,
  O1labError,
  planBatchedCall,
  resolveBudget,
} from '@o1lab/core';
import { type DvtsConfig, resolveDvtsConfig } from './config.js';

/** What became of a node: the root, the step its subtree took, or a proposal it passed over. */
export type DvtsNodeStatus = 'root' | 'chosen' | 'pruned';

/** One node of the DVTS forest: a step proposed for one subtree in some round. */
export interface DvtsNode {
  readonly id: number;
  /** Parent node id; -1 for the root (shared by all subtrees). */
  readonly parent: number;
  /** Index of the subtree that proposed it; -1 for the root. */
  readonly subtree: number;
  /** Round that proposed it (the root is round -1). */
  readonly round: number;
  readonly step: string;
  readonly logprob: number;
  readonly finishReason: FinishReason | null;
  /** The step ends the solution (end of sequence, length, or a stated answer). */
  readonly terminal: boolean;
  /** Greedy lookahead steps rolled out before scoring (empty without lookahead). */
  readonly lookahead: readonly string[];
  /** PRM step scores of the scored prefix (the rollout's end with lookahead). */
  readonly stepScores: readonly number[];
  readonly score: number;
  readonly status: DvtsNodeStatus;
}

/** The serialisable DVTS forest: every proposal, each subtree's path, and the chosen subtree. */
export interface DvtsTree {
  readonly nodes: readonly DvtsNode[];
  /** Per subtree, the ids of the steps it took, root excluded. */
  readonly paths: readonly (readonly number[])[];
  readonly rounds: number;
  /** Index of the subtree whose solution was returned, or -1. */
  readonly chosen: number;
}

/** Options of {@link dvts}. */
export interface DvtsOptions {
  readonly budget?: Budget;
  readonly config?: Partial<DvtsConfig>;
}

type MutableNode = { -readonly [K in keyof DvtsNode]: DvtsNode[K] };

interface Subtree {
  state: State;
  node: MutableNode;
  done: boolean;
}

/**
 * Diverse verifier tree search (Beeching, Tunstall & Rush 2024, *Scaling test-time compute with open
 * models*, HF blog and search-and-learn `dvts`): split N into N/M independent subtrees; each round,
 * every unfinished subtree proposes M next steps, the PRM scores them, and the subtree greedily keeps
 * its best proposal. Subtrees never compete with each other, which keeps the final candidates diverse
 * where beam search collapses onto one prefix. The answer is the finished subtree with the best
 * aggregated PRM score.
 *
 * Every round makes ONE batched policy call for all subtrees (`n = M` per subtree state, plus one call
 * per lookahead step) and ONE reward-model call. Calls are sized to fit the budget first (fewer
 * proposals, then fewer subtrees this round). A step ends a solution when the policy ends the
 * sequence (`eos`, `length`) or the step states an answer (`task.parseAnswer(step) !== null`).
 */
export async function dvts<D>(
  problem: Problem<D>,
  context: SearchContext<D>,
  options: DvtsOptions = {},
): Promise<SearchResult<DvtsConfig, DvtsTree>> {
  const config = resolveDvtsConfig(options.config);
  const budget = resolveBudget(options.budget ?? {}, 'dvts budget');
  const { policy, reward } = context;
  const task = context.task as unknown as Task;
  if (reward === undefined) {
    throw new O1labError('INVALID_INPUT', 'DVTS needs a process reward model in `context.reward`', {
      where: 'dvts',
    });
  }
  const startMs = performance.now();
  const spent = computeTracker(context.policy, context.reward);
  const rng = createRng(config.seed);
  const sampling = {
    maxTokens: config.maxStepTokens,
    temperature: config.temperature,
    topP: config.topP,
    stepDelimiter: task.stepDelimiter,
  };
  const root = initialState(context.task, problem) as unknown as State;
  const nodes: MutableNode[] = [newNode(0, -1, -1, -1, '', null, 0, false, 'root')];
  const numSubtrees = config.n / config.beamWidth;
  const subtrees: Subtree[] = Array.from({ length: numSubtrees }, () => ({
    state: root,
    node: nodes[0]!,
    done: false,
  }));
  const paths: number[][] = subtrees.map(() => []);
  let rounds = 0;

  for (let round = 0; round < config.numIterations; round++) {
    // Expansion: M proposals for every unfinished subtree, one call for all of them.
    const open = subtrees.flatMap((t, i) => (t.done ? [] : [i]));
    const plan = planBatchedCall(budget, spent(), open.length, config.beamWidth, config.maxStepTokens);
    if (plan === null) break;
    const frontier = open.slice(0, plan.numStates);
    const samples = await policy.sampleSteps(
      frontier.map((i) => subtrees[i]!.state),
      { ...sampling, n: plan.perState, seed: rng.nextUint32() },
    );
    const proposals: { subtree: number; node: MutableNode; state: State }[] = [];
    for (const [j, i] of frontier.entries()) {
      const tree = subtrees[i]!;
      for (const sample of samples[j] ?? []) {
        const terminal = isTerminal(sample, task);
        const node = newNode(
          nodes.length,
          tree.node.id,
          i,
          round,
          sample.text,
          sample.finishReason,
          sumOf(sample.tokenLogprobs),
          terminal,
          'pruned',
        );
        nodes.push(node);
        proposals.push({ subtree: i, node, state: extend(tree.state, sample, terminal) });
      }
    }
    rounds = round + 1;

    // Lookahead: roll each unfinished proposal k steps ahead greedily, one call per step.
    const scored = proposals.map((p) => p.state);
    const rollouts = proposals.flatMap((p, k) => (p.node.terminal ? [] : [{ index: k, done: false }]));
    for (let k = 0; k < config.lookahead; k++) {
      const live = rollouts.filter((r) => !r.done);
      if (live.length === 0 || !budgetAllows(budget, spent(), live.length, config.maxStepTokens)) break;
      const out = await policy.sampleSteps(
        live.map((r) => scored[r.index]!),
        { ...sampling, n: 1, temperature: 0, seed: rng.nextUint32() },
      );
      for (const [j, r] of live.entries()) {
        const sample = out[j]![0]!;
        r.done = isTerminal(sample, task);
        scored[r.index] = extend(scored[r.index]!, sample, r.done);
        proposals[r.index]!.node.lookahead = [...proposals[r.index]!.node.lookahead, sample.text];
      }
    }

    // Scoring: one PRM call for all proposals of all subtrees.
    const stepScores = await reward.scoreSteps(scored);
    for (const [k, p] of proposals.entries()) {
      p.node.stepScores = stepScores[k] ?? [];
      p.node.score = aggregateStepScores(p.node.stepScores, config.aggregation, 0);
    }

    // Greedy step: each subtree keeps its best proposal (the first on ties).
    for (const i of frontier) {
      let best: (typeof proposals)[number] | undefined;
      for (const p of proposals)
        if (p.subtree === i && (best === undefined || p.node.score > best.node.score)) best = p;
      if (best === undefined) continue;
      const tree = subtrees[i]!;
      best.node.status = 'chosen';
      tree.state = best.state;
      tree.node = best.node;
      tree.done = best.node.terminal;
      paths[i]!.push(best.node.id);
    }
    if (subtrees.every((t) => t.done)) break;
  }

  // Final choice: the best finished subtree; without one, the best unfinished subtree.
  const started = subtrees.flatMap((t, i) => (t.node.id === 0 ? [] : [i]));
  const finished = started.filter((i) => subtrees[i]!.done);
  const pool = finished.length > 0 ? finished : started;
  const candidates: Candidate[] = pool.map((i) => candidateOf(subtrees[i]!, task));
  let chosen = -1;
  for (const [k, c] of candidates.entries())
    if (chosen < 0 || c.score > candidates[chosen]!.score) chosen = k;
  const best = candidates[chosen];
  return {
    answer: best?.answer ?? null,
    steps: best?.steps ?? [],
    candidates,
    tree: { nodes, paths, rounds, chosen: chosen < 0 ? -1 : pool[chosen]! },
    compute: { ...spent(), wallTimeMs: performance.now() - startMs },
    config,
  };
}

/** {@link dvts} as a core {@link Searcher}. */
export const dvtsSearcher: Searcher<DvtsConfig, DvtsTree> = Object.freeze({
  name: 'dvts',
  search: dvts,
});

// A step ends the solution when the sequence ended (eos, length) or the step states an answer.
function isTerminal(sample: Sample, task: Pick<Task, 'parseAnswer'>): boolean {
  return sample.finishReason !== 'stop' || task.parseAnswer(sample.text) !== null;
}

function extend(state: State, sample: Sample, terminal: boolean): State {
  if (terminal && sample.text === '') return state;
  return appendStep(state, {
    text: sample.text,
    tokenIds: sample.tokenIds,
    logprob: sumOf(sample.tokenLogprobs),
  });
}

function candidateOf(tree: Subtree, task: Task): Candidate {
  const steps = tree.state.steps.map((s) => s.text);
  return { steps, answer: task.parseAnswer(steps.join(task.stepDelimiter)), score: tree.node.score };
}

function newNode(
  id: number,
  parent: number,
  subtree: number,
  round: number,
  step: string,
  finishReason: FinishReason | null,
  logprob: number,
  terminal: boolean,
  status: DvtsNodeStatus,
): MutableNode {
  return {
    id,
    parent,
    subtree,
    round,
    step,
    logprob,
    finishReason,
    terminal,
    lookahead: [],
    stepScores: [],
    score: 0,
    status,
  };
}

function sumOf(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
