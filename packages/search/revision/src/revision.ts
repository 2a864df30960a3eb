import type {
  Budget,
  Candidate,
  ComputeSnapshot,
  FinishReason,
  Problem,
  SearchContext,
  Searcher,
  SearchResult,
  State,
  Task,
} from '@o1lab/core';
import {
  type AnswerWeight,
  appendStep,
  budgetRemaining,
  computeTracker,
  createRng,
  initialState,
  O1labError,
  resolveBudget,
  voteKeyOf,
} from '@o1lab/core';
import { chainShape, type RevisionConfig, resolveRevisionConfig } from './config.js';

export type { AnswerWeight } from '@o1lab/core';

/**
 * Builds the prompt of a revision: the state the task prompts with, and the chain's previous attempts
 * (oldest first, at most `contextWindow` of them). The policy continues the returned text.
 */
export type RevisionPromptBuilder = (root: State, previousAttempts: readonly string[]) => string;

/** One attempt of a chain. */
export interface RevisionAttempt {
  /** The completion as sampled. */
  readonly text: string;
  readonly steps: readonly string[];
  readonly answer: string | null;
  /**
   * What the attempt votes for in the final selection: `task.voteKey` where the task has one (its
   * answer is given, so the canonical solution votes), else the answer. Absent: the answer.
   */
  readonly key?: string | null;
  readonly finishReason: FinishReason;
  readonly numTokens: number;
  /** The scorer's score (null when a budget stop left it unscored). */
  readonly score: number | null;
}

/** The revision chains with the config that made them. Plain JSON. */
export interface RevisionTree {
  readonly config: RevisionConfig;
  /** L: attempts planned per chain. */
  readonly chainLength: number;
  /** P: chains run side by side. */
  readonly numChains: number;
  readonly chains: readonly (readonly RevisionAttempt[])[];
  /** Answer weights across chains under the chosen selection (votes or summed scores). */
  readonly answerWeights: readonly AnswerWeight[];
  /** The chosen attempt, or null. */
  readonly chosen: { readonly chain: number; readonly attempt: number } | null;
}

/** Options of {@link sequentialRevision}. */
export interface RevisionOptions {
  readonly budget?: Budget;
  readonly config?: Partial<RevisionConfig>;
  /** @default {@link defaultRevisionPrompt} */
  readonly revisionPrompt?: RevisionPromptBuilder;
}

/**
 * Sequential revisions mixed with parallel sampling at a fixed budget (Snell et al. 2024, section 6):
 * P chains of L attempts each (N = L x P, shaped by `sequentialRatio`). The first attempt of every
 * chain answers the task prompt; each later one answers a revision prompt that shows the chain's
 * previous attempts, so a policy trained to correct itself (policy initialisation) improves along
 * the chain. One policy call per revision round serves all chains; one reward call scores every
 * attempt at the end. The answer is picked across all attempts by `finalSelection`.
 */
export async function sequentialRevision<D>(
  problem: Problem<D>,
  context: SearchContext<D>,
  options: RevisionOptions = {},
): Promise<SearchResult<RevisionConfig, RevisionTree>> {
  const startMs = performance.now();
  const config = resolveRevisionConfig(options.config);
  const budget = resolveBudget(options.budget ?? {}, 'sequentialRevision budget');
  const { policy, task, reward } = context;
  if (config.scorer !== 'verifier' && reward === undefined) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`scorer\` '${config.scorer}' needs a reward model in the search context`,
      {
        where: 'sequentialRevision',
        hint: "pass `reward`, or use scorer 'verifier'",
      },
    );
  }
  const buildPrompt = options.revisionPrompt ?? defaultRevisionPrompt;
  // Budgets limit the policy alone; the result reports the policy and the reward model.
  const spent = computeTracker(policy);
  const spentTotal = computeTracker(policy, reward);
  const rng = createRng(config.seed);
  const root = initialState(task, problem) as State;
  const { chainLength, numChains } = chainShape(config.numSamples, config.sequentialRatio);
  const chains: Omit<RevisionAttempt, 'score'>[][] = Array.from({ length: numChains }, () => []);

  for (let round = 0; round < chainLength; round++) {
    // Chains that continue this round: all of them, or as many as the budget still allows.
    const left = budgetRemaining(budget, spent());
    if (left.policyCalls < 1) break;
    const affordable = Math.min(left.samples, Math.floor(left.generatedTokens / config.maxTokens));
    const active = Math.min(numChains, affordable);
    if (active < 1) break;
    const seed = rng.nextUint32();
    let samples: { text: string; tokenIds: readonly number[]; finishReason: FinishReason }[];
    if (round === 0) {
      // Parallel: P first attempts from the task prompt, one state with n = P.
      const [drawn] = await policy.sampleCompletions([root], {
        n: active,
        maxTokens: config.maxTokens,
        temperature: config.temperature,
        seed,
      });
      samples = drawn ?? [];
    } else {
      // Sequential: every chain revises its previous attempts, one call for all chains.
      const prompts = chains.slice(0, active).map((chain) => ({
        problem: root.problem,
        prompt: buildPrompt(
          root,
          chain.slice(-config.contextWindow).map((a) => a.text),
        ),
        steps: [],
      }));
      const drawn = await policy.sampleCompletions(prompts, {
        n: 1,
        maxTokens: config.maxTokens,
        temperature: config.temperature,
        seed,
      });
      samples = drawn.map((s) => s[0]!);
    }
    samples.forEach((sample, c) => {
      const steps = splitSteps(sample.text, task.stepDelimiter);
      const text = steps.join(task.stepDelimiter);
      chains[c]!.push({
        text: sample.text,
        steps,
        answer: task.parseAnswer(text),
        key: voteKeyOf(task, text),
        finishReason: sample.finishReason,
        numTokens: sample.tokenIds.length,
      });
    });
    if (active < numChains) break;
  }

  // Scoring: one reward call for every attempt, as the task prompt plus the attempt's steps.
  const flat = chains.flat();
  const scores = await scoreAttempts(
    flat.map((a) => attemptState(root, a.steps)),
    config,
    context,
  );
  let at = 0;
  const scored: RevisionAttempt[][] = chains.map((chain) =>
    chain.map((a) => ({ ...a, score: scores[at++]! })),
  );

  // Selection across all attempts.
  const { chosen, answerWeights } = selectAttempt(scored, config);
  const pick = chosen === null ? null : scored[chosen.chain]![chosen.attempt]!;
  const candidates: Candidate[] = scored
    .flat()
    .map((a) => ({ steps: a.steps, answer: a.answer, score: a.score ?? 0 }))
    .sort((a, b) => b.score - a.score);
  const compute: ComputeSnapshot = Object.freeze({
    ...spentTotal(),
    wallTimeMs: performance.now() - startMs,
  });
  return {
    answer: pick?.answer ?? null,
    steps: pick?.steps ?? [],
    candidates,
    tree: { config, chainLength, numChains, chains: scored, answerWeights, chosen },
    compute,
    config,
  };
}

/** {@link sequentialRevision} as a core {@link Searcher}, with an optional prompt builder. */
export function createRevisionSearcher(
  revisionPrompt?: RevisionPromptBuilder,
): Searcher<RevisionConfig, RevisionTree> {
  return Object.freeze({
    name: 'revision',
    search: <D>(
      problem: Problem<D>,
      context: SearchContext<D>,
      options: { readonly budget?: Budget; readonly config?: Partial<RevisionConfig> } = {},
    ) =>
      sequentialRevision(
        problem,
        context,
        revisionPrompt === undefined ? options : { ...options, revisionPrompt },
      ),
  });
}

/** Sequential revisions as a core {@link Searcher} with the default revision prompt. */
export const revisionSearcher: Searcher<RevisionConfig, RevisionTree> = createRevisionSearcher();

/**
 * The default revision prompt: the task prompt, the previous attempts numbered oldest first, and a
 * request for a corrected solution (the format of Snell et al. 2024's revision model: previous answers
 * in context, then the revision).
 */
export function defaultRevisionPrompt(root: State, previousAttempts: readonly string[]): string {
  let text = root.prompt;
  previousAttempts.forEach((attempt, i) => {
    text += `\nPrevious attempt ${i + 1}:\n${attempt}\n`;
  });
  return `${text}\nThe attempts above may contain mistakes. Write a corrected solution:\n`;
}

// Scoring

async function scoreAttempts<D>(
  states: readonly State[],
  config: RevisionConfig,
  context: SearchContext<D>,
): Promise<number[]> {
  if (states.length === 0) return [];
  const { task, reward } = context;
  if (config.scorer === 'verifier') {
    const t = task as unknown as Task;
    return states.map((s) =>
      t.verify(s.problem, s.steps.map((x) => x.text).join(t.stepDelimiter)).correct ? 1 : 0,
    );
  }
  if (config.scorer === 'orm') return reward!.scoreOutcome(states);
  const steps = await reward!.scoreSteps(states);
  return steps.map((s) => s?.[s.length - 1] ?? 0);
}

// Selection

/**
 * The chosen attempt and the answer weights. `'hierarchical'`: each chain's best-scored attempt, then
 * the answer whose chain winners' scores sum highest; `'weighted'`: summed scores over all attempts;
 * `'majority'`: attempt counts; `'best'`: the single highest score. The chosen attempt is the
 * best-scored one with the winning answer (earliest on ties).
 */
export function selectAttempt(
  chains: readonly (readonly RevisionAttempt[])[],
  config: Pick<RevisionConfig, 'finalSelection'>,
): {
  chosen: { chain: number; attempt: number } | null;
  answerWeights: AnswerWeight[];
} {
  const all = chains.flatMap((chain, c) => chain.map((a, i) => ({ a, chain: c, attempt: i })));
  if (all.length === 0) return { chosen: null, answerWeights: [] };
  let voters = all;
  if (config.finalSelection === 'hierarchical') {
    voters = chains.flatMap((chain, c) => {
      let best = -1;
      chain.forEach((a, i) => {
        if (best < 0 || (a.score ?? 0) > (chain[best]!.score ?? 0)) best = i;
      });
      return best < 0 ? [] : [{ a: chain[best]!, chain: c, attempt: best }];
    });
  }
  const keyOf = (a: RevisionAttempt) => (a.key === undefined ? a.answer : a.key);
  const weights = new Map<string, { key: string; answer: string | null; weight: number }>();
  for (const v of voters) {
    const key = keyOf(v.a);
    if (key === null) continue;
    const w = config.finalSelection === 'majority' ? 1 : (v.a.score ?? 0);
    const entry = weights.get(key);
    if (entry) entry.weight += w;
    else weights.set(key, { key, answer: v.a.answer, weight: w });
  }
  const answerWeights = [...weights.values()];
  let pool = voters;
  if (config.finalSelection !== 'best' && answerWeights.length > 0) {
    const top = answerWeights.reduce((x, y) => (y.weight > x.weight ? y : x));
    pool = voters.filter((v) => keyOf(v.a) === top.key);
  }
  let best = pool[0]!;
  for (const v of pool) if ((v.a.score ?? 0) > (best.a.score ?? 0)) best = v;
  return { chosen: { chain: best.chain, attempt: best.attempt }, answerWeights };
}

// Helpers

function attemptState(root: State, steps: readonly string[]): State {
  let state = root;
  for (const text of steps) state = appendStep(state, { text });
  return state;
}

function splitSteps(text: string, delimiter: string): string[] {
  return text.split(delimiter).filter((s) => s.length > 0);
}
