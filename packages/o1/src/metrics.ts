import type { Estimate, Json } from '@o1lab/core';

/**
 * The numbers a run produces, as written to `metrics.json` in the run directory. Reports (Markdown,
 * HTML, SVG) are rendered from this alone, so `o1lab report <run-dir>` can rebuild them at any time.
 */
export const METRICS_SCHEMA_VERSION = 1;

/** Mean compute spent per problem at one point of a scaling curve. */
export interface PointCompute {
  readonly generatedTokens: number;
  readonly prefillTokens: number;
  readonly cachedPrefillTokens: number;
  readonly rewardTokens: number;
  readonly flops: number;
  readonly wallTimeMs: number;
}

/** One method at one budget level: accuracy over problems x seeds with its 95% interval. */
export interface CurvePoint {
  /** Method name as in the recipe (`majority-vote`, `best-of-n-prm`, `beam-prm`, ...). */
  readonly method: string;
  /** Budget level: N samples for best-of-N and majority vote, beam width x N, MCTS simulations, ... */
  readonly level: number;
  /** Accuracy: fraction of (problem, seed) pairs answered correctly, Wilson 95% interval. */
  readonly accuracy: Estimate;
  /** Mean compute per (problem, seed). */
  readonly compute: PointCompute;
  readonly problems: number;
  readonly seeds: number;
}

/** A log-linear fit accuracy = intercept + slope * log2(x) over one method's points. */
export interface LogLinearFit {
  readonly method: string;
  /** The compute counter on the x axis. */
  readonly x: 'generatedTokens' | 'flops';
  readonly intercept: number;
  /** Accuracy gained per doubling of compute. */
  readonly slope: number;
  readonly r2: number;
  readonly points: number;
}

/** A test-time scaling sweep: every method at every budget level, with one policy. */
export interface TestTimeSweep {
  /** Loop round whose policy was swept (0: the initial policy). */
  readonly round: number;
  readonly task: string;
  /** Checkpoint or policy description. */
  readonly policy: string;
  /** Reward model used by the reward-guided methods. */
  readonly rewardModel: string;
  readonly points: readonly CurvePoint[];
  readonly fits: readonly LogLinearFit[];
}

/** One round of train-time search + learning. */
export interface TrainRound {
  /** 1-based round number (round 0 is the initial policy and has no entry). */
  readonly round: number;
  /** Searcher that produced the training data. */
  readonly searcher: string;
  /** Learner that consumed it. */
  readonly learner: string;
  /** Held-out greedy pass@1 after the round's update (Wilson 95%). */
  readonly pass1: Estimate;
  /** Training problems searched, examples / pairs produced, and the solve rate of the search. */
  readonly data: Readonly<Record<string, number>>;
  /** Compute of the train-time search (generated tokens, FLOPs) and the update (optimizer steps, tokens). */
  readonly trainCompute: {
    readonly searchGeneratedTokens: number;
    readonly searchFlops: number;
    readonly updateSteps: number;
    readonly updateTokens: number;
    /** Estimated training FLOPs (6 x parameters x tokens). */
    readonly updateFlops: number;
  };
  readonly timeMs: number;
}

/** One of the roadmap's claims, checked on this run's numbers. */
export interface Claim {
  readonly id:
    | 'log-linear-test-time'
    | 'prm-beats-majority'
    | 'learning-raises-pass1'
    | 'search-plus-learning';
  readonly statement: string;
  /** true: holds beyond the 95% intervals; false: the run shows the opposite or no gain; null: not shown (missing data, or a gain within the intervals). */
  readonly holds: boolean | null;
  /** The numbers behind the verdict, in one or two sentences. */
  readonly evidence: string;
}

/** Everything a run measured; `metrics.json`. */
export interface RunMetrics {
  readonly schema: typeof METRICS_SCHEMA_VERSION;
  readonly recipe: string;
  readonly task: string;
  readonly seed: number;
  /** Held-out greedy pass@1 of the initial policy (round 0). */
  readonly initialPass1: Estimate | null;
  /** One sweep per evaluated round, in round order. */
  readonly testTime: readonly TestTimeSweep[];
  readonly trainTime: readonly TrainRound[];
  readonly claims: readonly Claim[];
  /** Backends and versions the numbers were measured with (tfjs backend, ORT execution provider, ...). */
  readonly environment: Readonly<Record<string, Json>>;
  readonly createdAt: string;
}
