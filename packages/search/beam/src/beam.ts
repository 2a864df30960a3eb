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
import { type BeamConfig, resolveBeamConfig } from './config.js';

/** What became of a node. */
export type BeamNodeStatus = 'root' | 'kept' | 'pruned' | 'completed';

/** One node of the beam-search tree: a step proposed in some round. */
export interface BeamNode {
  readonly id: number;
  /** Parent node id; -1 for the root. */
  readonly parent: number;
  /** Round that proposed it (the root is round -1). */
  readonly round: number;
  /** The step's text ('' for the root). */
  readonly step: string;
  /** Log-probability of the step under the policy. */
  readonly logprob: number;
  readonly finishReason: FinishReason | null;
  /** The step ends the solution (end of sequence, length, or a stated answer). */
  readonly terminal: boolean;
  /** Greedy lookahead steps rolled out from this node before scoring (empty without lookahead). */
  readonly lookahead: readonly string[];
  /** PRM step scores of the scored prefix (the rollout's end with lookahead). */
  readonly stepScores: readonly number[];
  /** `aggregation` of `stepScores`. */
  readonly score: number;
  readonly status: BeamNodeStatus;
}

/** The serialisable beam-search tree: every proposed node, and the chosen one. */
export interface BeamTree {
  readonly nodes: readonly BeamNode[];
  /** Rounds run. */
  readonly rounds: number;
  /** Id of the node whose solution was returned, or -1. */
  readonly chosen: number;
}

/** Options of {@link beamSearch}. */
export interface BeamSearchOptions {
  readonly budget?: Budget;
  readonly config?: Partial<BeamConfig>;
}

type MutableNode = { -readonly [K in keyof BeamNode]: BeamNode[K] };

interface Beam {
  readonly node: MutableNode;
  readonly state: State;
}

/**
 * Step-level beam search guided by a process reward model (Snell et al. 2024, *Scaling LLM
 * Test-Time Compute Optimally*, §3 and Fig. 2; HF search-and-learn `beam_search`):
 *
 * 1. sample N first steps from the root;
 * 2. score every new prefix with the PRM (optionally after a k-step greedy lookahead rollout);
 * 3. set completed solutions aside, keep the N/M best unfinished prefixes;
 * 4. sample M next steps from each kept prefix (N again) and repeat from 2, until N solutions are
 *    complete, `numIterations` rounds have run, or the budget is spent;
 * 5. return the completed solution with the best aggregated PRM score.
 *
 * Every round makes ONE batched policy call for the whole frontier (plus one per lookahead step) and
 * ONE reward-model call. Each call is sized to fit the budget first: fewer expansions per beam, then
 * fewer beams; the search stops when not even one sample fits. A step ends a solution when the policy
 * ends the sequence (`eos`, `length`) or the step states an answer (`task.parseAnswer(step) !== null`).
 */
export async function beamSearch<D>(
  problem: Problem<D>,
  context: SearchContext<D>,
  options: BeamSearchOptions = {},
): Promise<SearchResult<BeamConfig, BeamTree>> {
  const config = resolveBeamConfig(options.config);
  const budget = resolveBudget(options.budget ?? {}, 'beamSearch budget');
  const { policy, reward } = context;
  const task = context.task as unknown as Task;
  if (reward === undefined) {
    throw new O1labError('INVALID_INPUT', 'beam search needs a process reward model in `context.reward`', {
      where: 'beamSearch',
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
  const numKept = config.n / config.beamWidth;

  const nodes: MutableNode[] = [newNode(0, -1, -1, '', null, 0, false, 'root')];
  let active: Beam[] = [{ node: nodes[0]!, state: initialState(context.task, problem) as unknown as State }];
  const completed: Beam[] = [];
  let rounds = 0;

  for (let round = 0; round < config.numIterations && active.length > 0; round++) {
    // Expansion: N samples over the frontier (N from the root, M from each of N/M beams), one call.
    const plan = planBatchedCall(
      budget,
      spent(),
      active.length,
      Math.floor(config.n / active.length),
      config.maxStepTokens,
    );
    if (plan === null) break;
    const frontier = active.slice(0, plan.numStates);
    const samples = await policy.sampleSteps(
      frontier.map((b) => b.state),
      { ...sampling, n: plan.perState, seed: rng.nextUint32() },
    );
    const children: Beam[] = [];
    for (const [i, beam] of frontier.entries()) {
      for (const sample of samples[i] ?? []) {
        const terminal = isTerminal(sample, task);
        const node = newNode(
          nodes.length,
          beam.node.id,
          round,
          sample.text,
          sample.finishReason,
          sumOf(sample.tokenLogprobs),
          terminal,
          'pruned',
        );
        nodes.push(node);
        children.push({ node, state: extend(beam.state, sample, terminal) });
      }
    }
    rounds = round + 1;

    // Lookahead: roll each unfinished child k steps ahead greedily, one batched call per step.
    const scored = children.map((c) => c.state);
    const rollouts = children.flatMap((c, i) => (c.node.terminal ? [] : [{ index: i, done: false }]));
    for (let k = 0; k < config.lookahead; k++) {
      const open = rollouts.filter((r) => !r.done);
      if (open.length === 0 || !budgetAllows(budget, spent(), open.length, config.maxStepTokens)) break;
      const out = await policy.sampleSteps(
        open.map((r) => scored[r.index]!),
        { ...sampling, n: 1, temperature: 0, seed: rng.nextUint32() },
      );
      for (const [j, r] of open.entries()) {
        const sample = out[j]![0]!;
        r.done = isTerminal(sample, task);
        scored[r.index] = extend(scored[r.index]!, sample, r.done);
        children[r.index]!.node.lookahead = [...children[r.index]!.node.lookahead, sample.text];
      }
    }

    // Scoring: one PRM call for every new prefix (or its rollout).
    const stepScores = children.length > 0 ? await reward.scoreSteps(scored) : [];
    for (const [i, c] of children.entries()) {
      c.node.stepScores = stepScores[i] ?? [];
      c.node.score = aggregateStepScores(c.node.stepScores, config.aggregation, 0);
    }

    // Selection: completed solutions leave the beam; the N/M best unfinished prefixes stay.
    for (const c of children) {
      if (c.node.terminal) {
        c.node.status = 'completed';
        completed.push(c);
      }
    }
    const open = children.filter((c) => !c.node.terminal);
    open.sort((a, b) => b.node.score - a.node.score || a.node.id - b.node.id);
    active = open.slice(0, numKept);
    for (const b of active) b.node.status = 'kept';
    if (completed.length >= config.n) break;
  }

  // Final choice: the best completed solution; without one, the best unfinished beam.
  const pool = completed.length > 0 ? completed : active.filter((b) => b.node.id !== 0);
  const candidates: Candidate[] = pool.map((b) => candidateOf(b, task));
  let chosen = -1;
  for (const [i, b] of pool.entries()) if (chosen < 0 || b.node.score > pool[chosen]!.node.score) chosen = i;
  const best = candidates[chosen];
  return {
    answer: best?.answer ?? null,
    steps: best?.steps ?? [],
    candidates,
    tree: { nodes, rounds, chosen: chosen < 0 ? -1 : pool[chosen]!.node.id },
    compute: { ...spent(), wallTimeMs: performance.now() - startMs },
    config,
  };
}

/** {@link beamSearch} as a core {@link Searcher}. */
export const beamSearcher: Searcher<BeamConfig, BeamTree> = Object.freeze({
  name: 'beam',
  search: beamSearch,
});

/** Core `planBatchedCall`, kept under its earlier name. */
export const planCall = planBatchedCall;

/** A step ends the solution when the sequence ended (eos, length) or the step states an answer. */
export function isTerminal(sample: Sample, task: Pick<Task, 'parseAnswer'>): boolean {
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

function candidateOf(beam: Beam, task: Task): Candidate {
  const steps = beam.state.steps.map((s) => s.text);
  return { steps, answer: task.parseAnswer(steps.join(task.stepDelimiter)), score: beam.node.score };
}

function newNode(
  id: number,
  parent: number,
  round: number,
  step: string,
  finishReason: FinishReason | null,
  logprob: number,
  terminal: boolean,
  status: BeamNodeStatus,
): MutableNode {
  return {
    id,
    parent,
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
