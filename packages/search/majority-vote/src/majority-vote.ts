import type { Budget, Candidate, Problem, SearchContext, Searcher, SearchResult, Task } from '@o1lab/core';
import {
  budgetAllows,
  budgetRemaining,
  computeTracker,
  createRng,
  initialState,
  resolveBudget,
  type State,
  voteKeyOf,
} from '@o1lab/core';
import { type MajorityVoteConfig, resolveMajorityVoteConfig } from './config.js';

/** One sampled reasoning path as recorded in the result's `tree`. */
export interface VoteSample {
  readonly steps: readonly string[];
  /** The path's answer after `task.parseAnswer`, or null. */
  readonly answer: string | null;
  /** What the path votes for: `task.voteKey` where the task has one, else the answer; null: no vote. */
  readonly key: string | null;
  readonly finishReason: string;
  /** Sum of the path's token log-probabilities. */
  readonly logprob: number;
}

/** Votes of one distinct key (the answer, or the task's {@link Task.voteKey}). */
export interface VoteCount {
  readonly key: string;
  /** The answer of the first path with this key. */
  readonly answer: string | null;
  readonly count: number;
  /** Index of the first sample that gave this answer (the tie-break). */
  readonly firstIndex: number;
}

/** The serialisable record of a vote: every path and the tally, in first-seen order. */
export interface VoteTree {
  readonly samples: readonly VoteSample[];
  readonly votes: readonly VoteCount[];
  /** Index of the returned path (the first that gave the winning key), or -1. */
  readonly chosen: number;
}

/** Options of {@link majorityVote}. */
export interface MajorityVoteOptions {
  readonly budget?: Budget;
  readonly config?: Partial<MajorityVoteConfig>;
}

/**
 * Self-consistency (Wang et al. 2022, *Self-Consistency Improves Chain of Thought Reasoning in
 * Language Models*): sample n reasoning paths in one batched policy call, normalise each final answer
 * with `task.parseAnswer`, and return the most frequent answer — `argmax_a Σ_i 1[a_i = a]` (their
 * eq. 1, unweighted). Ties go to the answer seen first in sample order, which is fixed by the seed.
 * Paths without an answer do not vote. No reward model is used. A task whose answer is given in the
 * question (countdown, game24: the target) defines `task.voteKey`, and paths vote with that instead
 * (the canonical derivation), since every path states the same answer.
 *
 * The budget caps n: `min(n, samples left, generatedTokens left / maxTokens)` paths are drawn, none
 * when no policy call is left.
 */
export async function majorityVote<D>(
  problem: Problem<D>,
  context: SearchContext<D>,
  options: MajorityVoteOptions = {},
): Promise<SearchResult<MajorityVoteConfig, VoteTree>> {
  const config = resolveMajorityVoteConfig(options.config);
  const budget = resolveBudget(options.budget ?? {}, 'majorityVote budget');
  const { policy } = context;
  const task = context.task as unknown as Task;
  const startMs = performance.now();
  const spent = computeTracker(policy);
  const root = initialState(context.task, problem) as unknown as State;

  // Sampling: as many of the n paths as the budget allows, in one batched call.
  const left = budgetRemaining(budget, spent());
  const n = Math.min(config.n, left.samples, Math.floor(left.generatedTokens / config.maxTokens));
  let samples: VoteSample[] = [];
  if (n >= 1 && budgetAllows(budget, spent(), n, config.maxTokens)) {
    const [drawn = []] = await policy.sampleCompletions([root], {
      n,
      maxTokens: config.maxTokens,
      temperature: config.temperature,
      topK: config.topK,
      topP: config.topP,
      seed: createRng(config.seed).nextUint32(),
    });
    samples = drawn.map((s) => ({
      steps: splitSteps(s.text, task.stepDelimiter),
      answer: task.parseAnswer(s.text),
      key: voteKeyOf(task, s.text),
      finishReason: s.finishReason,
      logprob: s.tokenLogprobs.reduce((a, b) => a + b, 0),
    }));
  }

  // Voting: count each key; the first-seen key wins ties.
  const votes: { key: string; answer: string | null; count: number; firstIndex: number }[] = [];
  const byKey = new Map<string, (typeof votes)[number]>();
  for (const [i, s] of samples.entries()) {
    if (s.key === null) continue;
    const v = byKey.get(s.key);
    if (v) v.count += 1;
    else {
      const entry = { key: s.key, answer: s.answer, count: 1, firstIndex: i };
      byKey.set(s.key, entry);
      votes.push(entry);
    }
  }
  let winner: VoteCount | undefined;
  for (const v of votes) if (winner === undefined || v.count > winner.count) winner = v;
  const numVotes = votes.reduce((a, v) => a + v.count, 0);
  const share = (key: string | null) => (key === null ? 0 : (byKey.get(key)?.count ?? 0) / numVotes);
  const candidates: Candidate[] = samples.map((s) => ({
    steps: s.steps,
    answer: s.answer,
    score: share(s.key),
  }));
  const chosen = winner?.firstIndex ?? -1;
  return {
    answer: winner?.answer ?? null,
    steps: samples[chosen]?.steps ?? [],
    candidates,
    tree: { samples, votes, chosen },
    compute: { ...spent(), wallTimeMs: performance.now() - startMs },
    config,
  };
}

/** {@link majorityVote} as a core {@link Searcher}. */
export const majorityVoteSearcher: Searcher<MajorityVoteConfig, VoteTree> = Object.freeze({
  name: 'majority-vote',
  search: majorityVote,
});

// A completion's steps: its text split at the step delimiter, without a trailing empty step.
function splitSteps(text: string, stepDelimiter: string): string[] {
  if (text.length === 0) return [];
  const steps = text.split(stepDelimiter);
  if (steps[steps.length - 1] === '') steps.pop();
  return steps;
}
