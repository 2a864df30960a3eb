import { type Json, Registry, type Searcher, type State } from '@o1lab/core';
import { beamSearcher } from '@o1lab/search-beam';
import { bestFirstSearcher } from '@o1lab/search-best-first';
import { bestOfNSearcher } from '@o1lab/search-best-of-n';
import { dvtsSearcher } from '@o1lab/search-dvts';
import { majorityVoteSearcher } from '@o1lab/search-majority-vote';
import { mctsSearcher } from '@o1lab/search-mcts';
import { createRevisionSearcher } from '@o1lab/search-revision';
import { totSearcher } from '@o1lab/search-tot';

/** Which reward model a method puts in its search context. */
export type MethodReward = 'learned' | 'oracle' | 'none';

/** What every method's config gets from the run. */
export interface MethodBase {
  /** Seed of this search (one per problem and seed index). */
  readonly seed: number;
  /** Token limit of one whole completion. */
  readonly maxTokens: number;
}

/**
 * A test-time method: a searcher, the reward model it is guided by, and how a budget level maps to
 * its config. Levels are the knob people sweep (N samples, beam N, MCTS simulations); the x axis of
 * every curve is what the search actually spent, measured, so methods compare at equal compute.
 */
export interface MethodSpec {
  readonly description: string;
  // biome-ignore lint/suspicious/noExplicitAny: each entry holds its own searcher's config type
  readonly searcher: Searcher<any, any>;
  readonly reward: MethodReward;
  /** False for methods with one budget (greedy): only level 1 is run. */
  readonly scalable: boolean;
  config(level: number, base: MethodBase): Record<string, Json>;
  /**
   * The level that spends about `tokens` generated tokens, for token-budget sweeps.
   * @default 2 x tokens / maxTokens samples, as a power of two (`levelForTokens`)
   */
  tokensToLevel?(tokens: number, base: MethodBase): number;
}

/**
 * The revision prompt in the policy's own trace language: the previous attempt's steps as an
 * abandoned branch (`try:` lines, then `back:`), the backtracking behaviour policy initialization
 * trains, so a character-level policy reads only characters it was trained on. The answer line of
 * the attempt is left out (it was wrong or the search would have stopped).
 */
export function backtrackingRevisionPrompt(root: State, previousAttempts: readonly string[]): string {
  const last = previousAttempts[previousAttempts.length - 1];
  if (last === undefined) return root.prompt;
  const lines = last
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('answer'));
  if (lines.length === 0) return root.prompt;
  return `${root.prompt}${lines.map((l) => `try: ${l}\n`).join('')}back: start over\n`;
}

/** Largest power of two that divides `level`, capped: a beam width that divides N. */
function beamWidthFor(level: number, cap = 4): number {
  let w = 1;
  while (w < cap && level % (w * 2) === 0) w *= 2;
  return w;
}

const stepTokens = (base: MethodBase) => Math.min(64, base.maxTokens);

/** Beam search and DVTS at level N: N samples per round, width min(4, N) dividing N. */
function beamConfig(level: number, b: MethodBase): Record<string, Json> {
  return { n: level, beamWidth: beamWidthFor(level), maxStepTokens: stepTokens(b), seed: b.seed };
}

/** The built-in methods. Names end in `-prm`/`-orm` when guided by the run's learned reward model. */
export const BUILT_IN_METHODS: readonly (readonly [string, MethodSpec])[] = Object.freeze([
  [
    'greedy',
    {
      description: 'one greedy (temperature 0) completion: the no-search baseline',
      searcher: majorityVoteSearcher,
      reward: 'none',
      scalable: false,
      config: (_level, b) => ({ n: 1, temperature: 0, topK: 0, maxTokens: b.maxTokens, seed: b.seed }),
    },
  ],
  [
    'majority-vote',
    {
      description: 'self-consistency: N samples, most frequent answer (Wang et al. 2022)',
      searcher: majorityVoteSearcher,
      reward: 'none',
      scalable: true,
      config: (level, b) => ({ n: level, maxTokens: b.maxTokens, seed: b.seed }),
    },
  ],
  [
    'best-of-n-prm',
    {
      description: 'N samples, the one the PRM scores highest (last-step aggregation; Snell et al. 2024)',
      searcher: bestOfNSearcher,
      reward: 'learned',
      scalable: true,
      config: (level, b) => ({ n: level, scoring: 'prm', maxTokens: b.maxTokens, seed: b.seed }),
    },
  ],
  [
    'weighted-best-of-n-prm',
    {
      description: 'N samples, the answer whose PRM scores sum highest (Li et al. 2023)',
      searcher: bestOfNSearcher,
      reward: 'learned',
      scalable: true,
      config: (level, b) => ({
        n: level,
        scoring: 'prm',
        selection: 'weighted',
        maxTokens: b.maxTokens,
        seed: b.seed,
      }),
    },
  ],
  [
    'best-of-n-orm',
    {
      description: 'N samples, the one the ORM scores highest (Cobbe et al. 2021)',
      searcher: bestOfNSearcher,
      reward: 'learned',
      scalable: true,
      config: (level, b) => ({ n: level, scoring: 'orm', maxTokens: b.maxTokens, seed: b.seed }),
    },
  ],
  [
    'best-of-n-oracle',
    {
      description:
        'N samples checked by the verifier (pass@N: the ceiling of any reranker; train-time search)',
      searcher: bestOfNSearcher,
      reward: 'oracle',
      scalable: true,
      config: (level, b) => ({ n: level, scoring: 'orm', maxTokens: b.maxTokens, seed: b.seed }),
    },
  ],
  [
    'beam-prm',
    {
      description:
        'step-level beam search scored by the PRM: N samples, width M = min(4, N) (Snell et al. 2024)',
      searcher: beamSearcher,
      reward: 'learned',
      scalable: true,
      config: beamConfig,
    },
  ],
  [
    'dvts-prm',
    {
      description:
        'diverse verifier tree search: N/M independent greedy-by-PRM subtrees (Beeching et al. 2024)',
      searcher: dvtsSearcher,
      reward: 'learned',
      scalable: true,
      config: beamConfig,
    },
  ],
  [
    'mcts-prm',
    {
      description: 'PUCT MCTS over steps, leaves valued by the PRM: 4N simulations (Silver et al. 2017)',
      searcher: mctsSearcher,
      reward: 'learned',
      scalable: true,
      config: (level, b) => ({
        numSimulations: 4 * level,
        batchSize: Math.min(8, 4 * level),
        evaluator: 'prm',
        maxStepTokens: stepTokens(b),
        seed: b.seed,
      }),
    },
  ],
  [
    'tot-prm',
    {
      description:
        'tree-of-thoughts BFS: propose N thoughts per state, keep the PRM best ceil(N/2) (Yao et al. 2023)',
      searcher: totSearcher,
      reward: 'learned',
      scalable: true,
      // BFS proposes N thoughts for each of ceil(N/2) kept states per step: about maxSteps x N^2/2
      // step samples, so N grows with the square root of the token budget.
      tokensToLevel: (tokens, b) =>
        2 ** Math.floor(Math.log2(Math.max(1, Math.sqrt((2 * tokens) / (4 * stepTokens(b)))))),
      config: (level, b) => ({
        numThoughts: level,
        breadth: Math.max(1, Math.ceil(level / 2)),
        maxSteps: 4,
        evaluator: 'prm',
        maxStepTokens: stepTokens(b),
        maxCompletionTokens: b.maxTokens,
        seed: b.seed,
      }),
    },
  ],
  [
    'best-first-prm',
    {
      description: 'REBASE best-first expansion with reward-balanced widths: 4N expansions (Wu et al. 2024)',
      searcher: bestFirstSearcher,
      reward: 'learned',
      scalable: true,
      config: (level, b) => ({
        width: Math.max(1, level),
        maxExpansions: 4 * level,
        evaluator: 'prm',
        maxStepTokens: stepTokens(b),
        seed: b.seed,
      }),
    },
  ],
  [
    'revision-prm',
    {
      description:
        'sequential revisions scored by the PRM: N attempts, each after the last shown as an abandoned branch (Snell et al. 2024)',
      searcher: createRevisionSearcher(backtrackingRevisionPrompt),
      reward: 'learned',
      scalable: true,
      config: (level, b) => ({ numSamples: level, scorer: 'prm', maxTokens: b.maxTokens, seed: b.seed }),
    },
  ],
]);

/** A registry of the built-in methods; pass more entries to extend it (`createMethodRegistry([[name, spec]])`). */
export function createMethodRegistry(
  extra: Iterable<readonly [string, MethodSpec]> = [],
): Registry<MethodSpec> {
  return new Registry<MethodSpec>('method', [...BUILT_IN_METHODS, ...extra]);
}
