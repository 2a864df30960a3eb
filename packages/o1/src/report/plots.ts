import { parse as parseVega, View } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';
import type { RunMetrics, TestTimeSweep, TrainRound } from '../metrics.js';
import type { CurveAxis } from './fits.js';

const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Axis titles of the scaling curves, per compute counter. */
export const CURVE_AXIS_TITLES: Readonly<Record<CurveAxis, string>> = Object.freeze({
  generatedTokens: 'generated tokens per problem (mean, log scale)',
  flops: 'FLOPs per problem (mean, log scale)',
});

/** Axis title of accuracy. */
export const ACCURACY_TITLE = 'accuracy (95% CI)';

/** One row of a scaling-curve plot: a method at one budget, in one round. */
interface CurveRow {
  readonly round: string;
  readonly method: string;
  readonly level: number;
  readonly x: number;
  readonly accuracy: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * The vega-lite spec of the test-time scaling curves: accuracy against `x` (log scale), one line per
 * method with its 95% interval as a band, one panel per evaluated round. Points with x <= 0 cannot be
 * drawn on a log axis and are left out.
 */
export function curvesSpec(sweeps: readonly TestTimeSweep[], x: CurveAxis = 'generatedTokens'): TopLevelSpec {
  const rows: CurveRow[] = [];
  for (const sweep of sweeps) {
    for (const p of sweep.points) {
      const value = p.compute[x];
      if (!(value > 0)) continue;
      rows.push({
        round: roundLabel(sweep.round),
        method: p.method,
        level: p.level,
        x: value,
        accuracy: p.accuracy.value,
        lo: p.accuracy.lo,
        hi: p.accuracy.hi,
      });
    }
  }
  const xEncoding = {
    field: 'x',
    type: 'quantitative',
    title: CURVE_AXIS_TITLES[x],
    scale: { type: 'log' },
    axis: { format: '~s' },
  } as const;
  const color = { field: 'method', type: 'nominal', title: 'method' } as const;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: `Test-time scaling: accuracy vs ${x === 'flops' ? 'FLOPs' : 'generated tokens'}`,
    data: { values: rows },
    facet: { field: 'round', type: 'ordinal', title: null, sort: sweeps.map((s) => roundLabel(s.round)) },
    spec: {
      width: 320,
      height: 220,
      layer: [
        {
          mark: { type: 'area', fillOpacity: 0.15 },
          encoding: {
            x: xEncoding,
            y: { field: 'lo', type: 'quantitative', title: ACCURACY_TITLE, scale: { domain: [0, 1] } },
            y2: { field: 'hi' },
            color,
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: xEncoding,
            y: { field: 'accuracy', type: 'quantitative', title: ACCURACY_TITLE },
            // One legend for both layers; drawn as the lines, not as the pale bands.
            color: { ...color, legend: { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2 } },
            tooltip: [{ field: 'method' }, { field: 'level' }, { field: 'x' }, { field: 'accuracy' }],
          },
        },
      ],
    },
  };
}

/** One panel of an `hconcat` spec (vega-lite exports no name for it). */
type ConcatPanel = Extract<TopLevelSpec, { hconcat: unknown }>['hconcat'][number];

/** One row of the train-time plot: the policy after a round (round 0: the initial policy). */
interface TrainRow {
  readonly round: number;
  readonly cumulativeFlops: number;
  readonly pass1: number;
  readonly lo: number;
  readonly hi: number;
}

/** Title of the train-compute axis. */
export const TRAIN_COMPUTE_TITLE = 'cumulative train compute (search + update FLOPs)';

/**
 * The vega-lite spec of train-time scaling: held-out greedy pass@1 with its 95% interval against the
 * round, and against the cumulative train compute (train-time search FLOPs plus update FLOPs).
 */
export function trainTimeSpec(metrics: Pick<RunMetrics, 'initialPass1' | 'trainTime'>): TopLevelSpec {
  const rows = trainRows(metrics.initialPass1, metrics.trainTime);
  const panel = (field: 'round' | 'cumulativeFlops', title: string): ConcatPanel => {
    const axis = field === 'round' ? { tickMinStep: 1, format: 'd' } : { format: '.2s' };
    const xEncoding = { field, type: 'quantitative', title, axis } as const;
    return {
      width: 280,
      height: 200,
      layer: [
        {
          mark: { type: 'rule' },
          encoding: {
            x: xEncoding,
            y: {
              field: 'lo',
              type: 'quantitative',
              title: 'held-out pass@1 (95% CI)',
              scale: { domain: [0, 1] },
            },
            y2: { field: 'hi' },
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: xEncoding,
            y: { field: 'pass1', type: 'quantitative' },
            tooltip: [{ field: 'round' }, { field: 'cumulativeFlops' }, { field: 'pass1' }],
          },
        },
      ],
    };
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: 'Train-time scaling: held-out pass@1 after each round of search + learning',
    data: { values: rows },
    hconcat: [panel('round', 'round'), panel('cumulativeFlops', TRAIN_COMPUTE_TITLE)],
  };
}

function trainRows(initial: RunMetrics['initialPass1'], rounds: readonly TrainRound[]): TrainRow[] {
  const rows: TrainRow[] = [];
  if (initial !== null)
    rows.push({ round: 0, cumulativeFlops: 0, pass1: initial.value, lo: initial.lo, hi: initial.hi });
  const cumulative = cumulativeTrainFlops(rounds);
  rounds.forEach((r, i) => {
    rows.push({
      round: r.round,
      cumulativeFlops: cumulative[i]!,
      pass1: r.pass1.value,
      lo: r.pass1.lo,
      hi: r.pass1.hi,
    });
  });
  return rows;
}

/** Train compute spent up to and including each round: train-time search FLOPs plus update FLOPs. */
export function cumulativeTrainFlops(rounds: readonly TrainRound[]): number[] {
  let total = 0;
  return rounds.map((r) => {
    total += r.trainCompute.searchFlops + r.trainCompute.updateFlops;
    return total;
  });
}

/** The panel title of a round's sweep. */
export function roundLabel(round: number): string {
  return round === 0 ? 'round 0 (initial policy)' : `round ${round}`;
}

/**
 * Compiles a vega-lite spec and renders it to SVG headless (vega's `none` renderer: no canvas, no
 * browser, no network).
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
