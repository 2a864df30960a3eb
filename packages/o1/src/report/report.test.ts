import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunMetrics } from '../metrics.js';
import { ACCURACY_TITLE, CURVE_AXIS_TITLES, TRAIN_COMPUTE_TITLE } from './plots.js';
import { REPORT_FILES, renderReport, writeReport } from './report.js';
import { emptyMetrics, fixtureMetrics, point, sweep } from './test-metrics.js';

/** The method named in each drawn line (vega labels every line path with its fields). */
function lineMethods(svg: string): string[] {
  const lines = svg.match(/<path aria-label="[^"]*"[^>]*aria-roledescription="line mark"/g) ?? [];
  return lines.map((l) => /method: ([^;"]+)/.exec(l)?.[1] ?? '?');
}

const METHODS = ['majority-vote', 'best-of-n-prm', 'beam-prm', 'mcts-prm'];

describe('renderReport', () => {
  it('draws one line per method and panel, with titled axes', async () => {
    const { svgs } = await renderReport(fixtureMetrics());
    expect(Object.keys(svgs).sort()).toEqual(['curves-flops.svg', 'curves.svg', 'train-time.svg']);
    // Two sweeps (rounds 0 and 2), four methods each.
    expect(lineMethods(svgs['curves.svg']!).sort()).toEqual([...METHODS, ...METHODS].sort());
    expect(lineMethods(svgs['curves-flops.svg']!)).toHaveLength(8);
    expect(svgs['curves.svg']).toContain(CURVE_AXIS_TITLES.generatedTokens);
    expect(svgs['curves.svg']).toContain(ACCURACY_TITLE);
    expect(svgs['curves-flops.svg']).toContain(CURVE_AXIS_TITLES.flops);
    expect(svgs['train-time.svg']).toContain(TRAIN_COMPUTE_TITLE);
    // One line per train-time panel: pass@1 against the round and against train compute.
    expect(svgs['train-time.svg']!.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
  });

  it('draws a single sweep as one panel with exactly one line per method', async () => {
    const points = ['majority-vote', 'beam-prm', 'best-of-n-prm'].flatMap((m, k) =>
      [1, 2, 4].map((level) => point(m, level, 0.2 + 0.05 * k + 0.03 * level, 10 * level)),
    );
    const { svgs } = await renderReport(emptyMetrics({ testTime: [sweep(0, points)] }));
    expect(lineMethods(svgs['curves.svg']!)).toEqual(['majority-vote', 'beam-prm', 'best-of-n-prm']);
    expect(svgs['train-time.svg']).toBeUndefined();
  });

  it('writes the summary, a table per sweep, the fits, the claims and the train-time table in Markdown', async () => {
    const { markdown } = await renderReport(fixtureMetrics());
    expect(markdown).toMatch(/^# o1lab run report: countdown-small\n/);
    expect(markdown).toContain('| environment: ortExecutionProvider | cpu |');
    expect(markdown).toContain('### Round 0 (initial policy): countdown');
    expect(markdown).toContain('### Round 2: countdown');
    expect(markdown).toContain('| majority-vote | 1 | 0.220 [0.168, 0.282] | 40 | 96.0 MFLOP | 50 x 4 |');
    expect(markdown).toMatch(/\| majority-vote \| tokens \| \+0\.045 \| [0-9.-]+ \| 1\.00 \| 5 \|/);
    expect(markdown).toContain('- **log-linear-test-time: holds.**');
    expect(markdown).toContain('- **learning-raises-pass1: holds.**');
    expect(markdown).toContain('![Accuracy against mean generated tokens');
    expect(markdown).toContain('(curves.svg)');
    expect(markdown).toContain('(train-time.svg)');
    expect(markdown).toMatch(/\| 2 \| beam-prm \| expert-iteration \| 0\.350 \[/);
  });

  it('shows the claims recorded in the metrics rather than re-deciding them', async () => {
    const recorded: RunMetrics = {
      ...fixtureMetrics(),
      claims: [
        { id: 'prm-beats-majority', statement: 'recorded statement', holds: false, evidence: 'recorded.' },
      ],
    };
    const { markdown } = await renderReport(recorded);
    expect(markdown).toContain('- **prm-beats-majority: does not hold.** recorded statement recorded.');
    expect(markdown).not.toContain('log-linear-test-time');
  });

  it('makes a self-contained HTML page: inline SVG and CSS, nothing fetched', async () => {
    const { html } = await renderReport(fixtureMetrics());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
  });

  it('escapes text from the run in HTML and Markdown', async () => {
    const hostile = '<script>alert(1)</script>';
    const metrics = emptyMetrics({
      recipe: hostile,
      testTime: [
        sweep(0, [point(`<img src=x onerror=alert(1)>`, 1, 0.5, 10), point('majority-vote', 1, 0.3, 10)]),
      ],
    });
    const { html, markdown } = await renderReport(metrics);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markdown).not.toContain('<script>');
    expect(markdown).toContain('&lt;script>alert(1)&lt;/script>');
  });

  it('says what a run without sweeps or train rounds lacks', async () => {
    const { markdown, svgs } = await renderReport(emptyMetrics());
    expect(svgs).toEqual({});
    expect(markdown).toContain('This run has no test-time sweep.');
    expect(markdown).toContain('This run has no train round.');
    expect(markdown).toContain('- **search-plus-learning: not shown.**');
  });
});

describe('writeReport', () => {
  it('writes the Markdown, HTML and every SVG into the directory and returns the paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'o1-report-'));
    try {
      const metrics = fixtureMetrics();
      const paths = await writeReport(join(dir, 'run'), metrics);
      expect(paths.map((p) => p.slice(join(dir, 'run').length + 1)).sort()).toEqual(
        [
          REPORT_FILES.markdown,
          REPORT_FILES.html,
          REPORT_FILES.curves,
          REPORT_FILES.curvesFlops,
          REPORT_FILES.trainTime,
        ].sort(),
      );
      const { markdown } = await renderReport(metrics);
      expect(await readFile(join(dir, 'run', 'report.md'), 'utf8')).toBe(markdown);
      expect(await readFile(join(dir, 'run', 'curves.svg'), 'utf8')).toMatch(/^<svg /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
