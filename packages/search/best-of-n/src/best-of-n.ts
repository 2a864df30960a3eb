import type {
  Budget,
  Candidate,
  ComputeSnapshot,
  Problem,
  SearchContext,
  Searcher,
  SearchResult,
  State,
  Task,
} from '@o1lab/core';
import {
  type AnswerWeight,
  aggregateStepScores,
  appendStep,
  budgetAllows,
  budgetRemaining,
  computeTracker,
  createRng,
  initialState,
  O1labError,
  resolveBudget,
  voteKeyOf,
} from '@o1lab/core';
import { type BestOfNConfig, resolveBestOfNConfig } from './config.js';

export type { AnswerWeight } from '@o1lab/core';

/** One sampled solution as recorded in the result's `tree`. */
export interface BestOfNSample {
  readonly steps: readonly string[];
  readonly answer: string | null;
  /** What the sample votes for under `selection: 'weighted'`: `task.voteKey` where the task has one, else the answer. */
  readonly key: string | null;
  readonly finishReason: string;
  /** Sum of the sample's token log-probabilities. */
  readonly logprob: number;
  /** The reward model's score of the sample (aggregated step scores under `'prm'`). */
  readonly score: number;
  /** Per-step PRM scores (`'prm'` only). */
  readonly stepScores?: readonly number[];
}

/** The serialisable record of a best-of-N run: every sample, and the weight of each answer. */
export interface BestOfNTree {
  readonly samples: readonly BestOfNSample[];
  /**
   * Sum of scores per distinct key (the weighted vote), in first-seen order; the key is the answer,
   * or the task's canonical solution where its answer is given (`task.voteKey`).
   */
  readonly answerWeights: readonly AnswerWeight[];
  /** Index of the chosen sample, or -1 when none was drawn. */
  readonly chosen: number;
}

/** Options of {@link bestOfN}. */
export interface BestOfNOptions {
  readonly budget?: Budget;
  readonly config?: Partial<BestOfNConfig>;
}

/**
 * Best-of-N (Cobbe et al. 2021; Lightman et al. 2023; Snell et al. 2024 §5): sample N complete
 * solutions in one batched policy call, score them with the reward model in one call (ORM, or PRM
 * step scores reduced by `aggregation`), and return the best one — or, with `selection: 'weighted'`,
 * the answer whose samples' scores sum highest (Li et al. 2023, "weighted best-of-N" in Snell et al.).
 *
 * The budget caps N: `min(n, samples left, generatedTokens left / maxTokens)` solutions are drawn,
 * none when no policy call is left. Requires `context.reward`.
 */
export async function bestOfN<D>(
  problem: Problem<D>,
  context: SearchContext<D>,
  options: BestOfNOptions = {},
): Promise<SearchResult<BestOfNConfig, BestOfNTree>> {
  const config = resolveBestOfNConfig(options.config);
  const budget = resolveBudget(options.budget ?? {}, 'bestOfN budget');
  const { policy, reward } = context;
  const task = context.task as unknown as Task;
  if (reward === undefined) {
    throw new O1labError('INVALID_INPUT', 'best-of-N needs a reward model in `context.reward`', {
      where: 'bestOfN',
      hint: 'pass an ORM/PRM, or a verifier-backed reward, or use majority voting',
    });
  }
  const startMs = performance.now();
  const spent = computeTracker(context.policy, context.reward);
  const root = initialState(context.task, problem) as unknown as State;
  const rng = createRng(config.seed);

  // Sampling: as many of the N solutions as the budget allows, in one batched call.
  const left = budgetRemaining(budget, spent());
  const n = Math.min(config.n, left.samples, Math.floor(left.generatedTokens / config.maxTokens));
  if (n < 1 || !budgetAllows(budget, spent(), n, config.maxTokens)) {
    return finish([], [], -1, config, spent, startMs);
  }
  const [samples = []] = await policy.sampleCompletions([root], {
    n,
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    topP: config.topP,
    seed: rng.nextUint32(),
  });
  const solutions = samples.map((s) => {
    const steps = splitSteps(s.text, task.stepDelimiter);
    let state = root;
    for (const text of steps) state = appendStep(state, { text });
    return { sample: s, steps, state, answer: task.parseAnswer(s.text), key: voteKeyOf(task, s.text) };
  });

  // Scoring: one reward-model call for all N.
  let scores: number[];
  let stepScores: number[][] | undefined;
  if (config.scoring === 'orm') {
    scores = await reward.scoreOutcome(solutions.map((s) => s.state));
  } else {
    stepScores = await reward.scoreSteps(solutions.map((s) => s.state));
    scores = stepScores.map((s) => aggregateStepScores(s, config.aggregation, 0));
  }
  const recorded: BestOfNSample[] = solutions.map((s, i) => ({
    steps: s.steps,
    answer: s.answer,
    key: s.key,
    finishReason: s.sample.finishReason,
    logprob: s.sample.tokenLogprobs.reduce((a, b) => a + b, 0),
    score: scores[i]!,
    ...(stepScores === undefined ? {} : { stepScores: stepScores[i]! }),
  }));

  // Selection: the best sample, or the representative of the heaviest answer.
  const weights = answerWeights(recorded);
  let chosen = argmax(recorded.map((s) => s.score));
  if (config.selection === 'weighted' && weights.length > 0) {
    let top = weights[0]!;
    for (const w of weights) if (w.weight > top.weight) top = w;
    chosen = argmax(recorded.map((s) => (s.key === top.key ? s.score : -Infinity)));
  }
  return finish(recorded, weights, chosen, config, spent, startMs);
}

/** {@link bestOfN} as a core {@link Searcher}. */
export const bestOfNSearcher: Searcher<BestOfNConfig, BestOfNTree> = Object.freeze({
  name: 'best-of-n',
  search: bestOfN,
});

function finish(
  samples: readonly BestOfNSample[],
  weights: BestOfNTree['answerWeights'],
  chosen: number,
  config: BestOfNConfig,
  spent: () => ComputeSnapshot,
  startMs: number,
): SearchResult<BestOfNConfig, BestOfNTree> {
  const best = samples[chosen];
  const candidates: Candidate[] = samples.map((s) => ({ steps: s.steps, answer: s.answer, score: s.score }));
  return {
    answer: best?.answer ?? null,
    steps: best?.steps ?? [],
    candidates,
    tree: { samples, answerWeights: weights, chosen },
    compute: { ...spent(), wallTimeMs: performance.now() - startMs },
    config,
  };
}

// Sum of scores per distinct non-null key, in first-seen order.
function answerWeights(samples: readonly BestOfNSample[]): AnswerWeight[] {
  const out: { key: string; answer: string | null; weight: number }[] = [];
  const byKey = new Map<string, (typeof out)[number]>();
  for (const s of samples) {
    if (s.key === null) continue;
    const entry = byKey.get(s.key);
    if (entry) entry.weight += s.score;
    else {
      const created = { key: s.key, answer: s.answer, weight: s.score };
      byKey.set(s.key, created);
      out.push(created);
    }
  }
  return out;
}

// Index of the largest value; the first on ties.
function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/** A completion's steps: its text split at the step delimiter, without a trailing empty step. */
export function splitSteps(text: string, stepDelimiter: string): string[] {
  if (text.length === 0) return [];
  const steps = text.split(stepDelimiter);
  if (steps[steps.length - 1] === '') steps.pop();
  return steps;
}
