import { join } from 'node:path';
import { writeFileAtomic } from '@o1lab/core';
import type { Claim, RunMetrics, TestTimeSweep, TrainRound } from '../metrics.js';
import { evaluateClaims } from './claims.js';
import { blocksToHtml, blocksToMarkdown, type ReportBlock } from './document.js';
import { type CurveAxis, logLinearFits } from './fits.js';
import { formatCount, formatEstimate, formatFlops, formatSigned, formatValue } from './format.js';
import { htmlPage } from './html.js';
import { cumulativeTrainFlops, curvesSpec, renderVegaLiteSvg, roundLabel, trainTimeSpec } from './plots.js';

/** File names of a report, as written into the run directory. */
export const REPORT_FILES = Object.freeze({
  markdown: 'report.md',
  html: 'report.html',
  curves: 'curves.svg',
  curvesFlops: 'curves-flops.svg',
  trainTime: 'train-time.svg',
});

/** A rendered report: Markdown (figures linked), self-contained HTML (figures inline), SVGs by file name. */
export interface RenderedReport {
  readonly markdown: string;
  readonly html: string;
  readonly svgs: Readonly<Record<string, string>>;
}

/**
 * Renders a run's report from its `metrics.json` alone: run summary, the roadmap's claims with their
 * verdicts, per sweep a table and the log-linear fits, the train-time table, and the scaling plots
 * (vega-lite, rendered headless to SVG). The claims recorded in `metrics.claims` are shown; a run that
 * recorded none gets them evaluated here. Async because vega renders asynchronously.
 */
export async function renderReport(metrics: RunMetrics): Promise<RenderedReport> {
  const svgs: Record<string, string> = {};
  if (metrics.testTime.some((s) => s.points.length > 0)) {
    svgs[REPORT_FILES.curves] = await renderVegaLiteSvg(curvesSpec(metrics.testTime, 'generatedTokens'));
    svgs[REPORT_FILES.curvesFlops] = await renderVegaLiteSvg(curvesSpec(metrics.testTime, 'flops'));
  }
  if (metrics.trainTime.length > 0)
    svgs[REPORT_FILES.trainTime] = await renderVegaLiteSvg(trainTimeSpec(metrics));
  const blocks = reportBlocks(metrics, svgs);
  const title = `o1lab run report: ${metrics.recipe}`;
  return {
    markdown: blocksToMarkdown(blocks),
    html: htmlPage({ title, body: blocksToHtml(blocks, svgs) }),
    svgs,
  };
}

/**
 * Writes the report into `dir` (report.md, report.html and the SVGs), each file atomically.
 * Returns the paths written.
 */
export async function writeReport(dir: string, metrics: RunMetrics): Promise<string[]> {
  const report = await renderReport(metrics);
  const files: [string, string][] = [
    [REPORT_FILES.markdown, report.markdown],
    [REPORT_FILES.html, report.html],
    ...Object.entries(report.svgs),
  ];
  const paths: string[] = [];
  for (const [name, content] of files) {
    const path = join(dir, name);
    await writeFileAtomic(path, content);
    paths.push(path);
  }
  return paths;
}

/** The report's blocks; figures appear only where their SVG was rendered. */
function reportBlocks(metrics: RunMetrics, svgs: Readonly<Record<string, string>>): ReportBlock[] {
  const claims: readonly Claim[] = metrics.claims.length > 0 ? metrics.claims : evaluateClaims(metrics);
  const blocks: ReportBlock[] = [
    { kind: 'heading', level: 1, text: `o1lab run report: ${metrics.recipe}` },
    { kind: 'table', header: ['run', 'value'], rows: summaryRows(metrics) },
    { kind: 'heading', level: 2, text: 'Claims of the roadmap, tested on this run' },
    ...claims.map(
      (c): ReportBlock => ({
        kind: 'claim',
        title: c.id,
        holds: c.holds,
        text: `${c.statement} ${c.evidence}`,
      }),
    ),
    { kind: 'heading', level: 2, text: 'Test-time scaling' },
  ];
  if (metrics.testTime.length === 0)
    blocks.push({ kind: 'paragraph', text: 'This run has no test-time sweep.' });
  const figure = (file: string, caption: string): ReportBlock[] =>
    svgs[file] === undefined ? [] : [{ kind: 'figure', file, caption }];
  blocks.push(
    ...figure(
      REPORT_FILES.curves,
      'Accuracy against mean generated tokens per problem (log scale), 95% Wilson interval as a band; one panel per round.',
    ),
    ...figure(REPORT_FILES.curvesFlops, 'The same curves against mean FLOPs per problem (log scale).'),
  );
  for (const sweep of metrics.testTime) blocks.push(...sweepBlocks(sweep));

  blocks.push({ kind: 'heading', level: 2, text: 'Train-time scaling' });
  if (metrics.trainTime.length === 0) {
    blocks.push({ kind: 'paragraph', text: 'This run has no train round.' });
  } else {
    blocks.push(
      ...figure(
        REPORT_FILES.trainTime,
        'Held-out greedy pass@1 (95% Wilson interval) after each round, against the round and against cumulative train compute.',
      ),
      { kind: 'table', header: TRAIN_HEADER, rows: trainRows(metrics) },
    );
  }
  return blocks;
}

function summaryRows(metrics: RunMetrics): string[][] {
  const rows = [
    ['recipe', metrics.recipe],
    ['task', metrics.task],
    ['seed', String(metrics.seed)],
    ['created', metrics.createdAt],
    ['initial pass@1', metrics.initialPass1 === null ? 'n/a' : formatEstimate(metrics.initialPass1)],
    ['test-time sweeps', metrics.testTime.map((s) => s.round).join(', ') || 'none'],
    ['train rounds', String(metrics.trainTime.length)],
  ];
  for (const [key, value] of Object.entries(metrics.environment)) {
    rows.push([`environment: ${key}`, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
  return rows;
}

const SWEEP_HEADER = [
  'method',
  'level',
  'accuracy [95% CI]',
  'generated tokens',
  'FLOPs',
  'problems x seeds',
];
const FIT_HEADER = ['method', 'x', 'slope per doubling', 'intercept', 'R^2', 'points'];

function sweepBlocks(sweep: TestTimeSweep): ReportBlock[] {
  const rows = sweep.points.map((p) => [
    p.method,
    String(p.level),
    formatEstimate(p.accuracy),
    formatCount(p.compute.generatedTokens),
    formatFlops(p.compute.flops),
    `${p.problems} x ${p.seeds}`,
  ]);
  const axes: CurveAxis[] = ['generatedTokens', 'flops'];
  const fits = axes.flatMap((x) => logLinearFits(sweep.points, x));
  const fitRows = fits.map((f) => [
    f.method,
    f.x === 'flops' ? 'FLOPs' : 'tokens',
    formatSigned(f.slope),
    formatValue(f.intercept),
    formatValue(f.r2, 2),
    String(f.points),
  ]);
  return [
    { kind: 'heading', level: 3, text: `${capitalise(roundLabel(sweep.round))}: ${sweep.task}` },
    { kind: 'paragraph', text: `Policy: ${sweep.policy}. Reward model: ${sweep.rewardModel}.` },
    { kind: 'table', header: SWEEP_HEADER, rows },
    fitRows.length === 0
      ? { kind: 'paragraph', text: 'No method has two or more budgets: no log-linear fit.' }
      : { kind: 'paragraph', text: 'Log-linear fits, accuracy = intercept + slope x log2(compute):' },
    ...(fitRows.length === 0 ? [] : [{ kind: 'table', header: FIT_HEADER, rows: fitRows } as const]),
  ];
}

const TRAIN_HEADER = [
  'round',
  'searcher',
  'learner',
  'held-out pass@1 [95% CI]',
  'data',
  'search tokens',
  'search FLOPs',
  'update steps',
  'update FLOPs',
  'cumulative train FLOPs',
  'time (s)',
];

function trainRows(metrics: RunMetrics): string[][] {
  const rows: string[][] = [];
  if (metrics.initialPass1 !== null) {
    rows.push([
      '0',
      '-',
      '-',
      formatEstimate(metrics.initialPass1),
      '-',
      '-',
      '-',
      '-',
      '-',
      formatFlops(0),
      '-',
    ]);
  }
  const cumulative = cumulativeTrainFlops(metrics.trainTime);
  metrics.trainTime.forEach((r, i) => {
    rows.push(trainRow(r, cumulative[i]!));
  });
  return rows;
}

function trainRow(r: TrainRound, cumulativeFlops: number): string[] {
  const data = Object.entries(r.data)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? formatCount(v) : formatValue(v)}`)
    .join(', ');
  return [
    String(r.round),
    r.searcher,
    r.learner,
    formatEstimate(r.pass1),
    data,
    formatCount(r.trainCompute.searchGeneratedTokens),
    formatFlops(r.trainCompute.searchFlops),
    formatCount(r.trainCompute.updateSteps),
    formatFlops(r.trainCompute.updateFlops),
    formatFlops(cumulativeFlops),
    formatValue(r.timeMs / 1000, 1),
  ];
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
