import { readFileSync } from 'node:fs';
import { wilsonInterval } from '@o1lab/core';
import type { CurvePoint, RunMetrics, TestTimeSweep, TrainRound } from '../metrics.js';

/** Problems x seeds behind every crafted accuracy. */
export const CRAFTED_N = 400;

/** The fixture run (two sweeps, two train rounds) under `__fixtures__/metrics.json`. */
export function fixtureMetrics(): RunMetrics {
  return JSON.parse(
    readFileSync(new URL('./__fixtures__/metrics.json', import.meta.url), 'utf8'),
  ) as RunMetrics;
}

/** A curve point with the given accuracy at `tokens` generated tokens (FLOPs = 1000 x tokens). */
export function point(method: string, level: number, accuracy: number, tokens: number): CurvePoint {
  return {
    method,
    level,
    accuracy: wilsonInterval(Math.round(accuracy * CRAFTED_N), CRAFTED_N),
    compute: {
      generatedTokens: tokens,
      prefillTokens: 0,
      cachedPrefillTokens: 0,
      rewardTokens: 0,
      flops: 1000 * tokens,
      wallTimeMs: 0,
    },
    problems: CRAFTED_N / 4,
    seeds: 4,
  };
}

/** A sweep of `round` over the given points. */
export function sweep(round: number, points: readonly CurvePoint[]): TestTimeSweep {
  return { round, task: 'toy', policy: `policy-${round}`, rewardModel: 'prm', points, fits: [] };
}

/** A train round whose held-out pass@1 is `pass1`. */
export function trainRound(round: number, pass1: number): TrainRound {
  return {
    round,
    searcher: 'beam-prm',
    learner: 'expert-iteration',
    pass1: wilsonInterval(Math.round(pass1 * CRAFTED_N), CRAFTED_N),
    data: { problems: 64, examples: 40 },
    trainCompute: {
      searchGeneratedTokens: 1e4,
      searchFlops: 1e7,
      updateSteps: 10,
      updateTokens: 1e4,
      updateFlops: 6e7,
    },
    timeMs: 1000,
  };
}

/** A run with nothing measured yet; tests fill in what they need. */
export function emptyMetrics(overrides: Partial<RunMetrics> = {}): RunMetrics {
  return {
    schema: 1,
    recipe: 'crafted',
    task: 'toy',
    seed: 0,
    initialPass1: null,
    testTime: [],
    trainTime: [],
    claims: [],
    environment: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
