import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Task } from '@o1lab/core';
import {
  createMethodRegistry,
  loadPolicy,
  RunDir,
  type RunMetrics,
  renderReport,
  resolveCheckpointDir,
  runSweep,
} from '@o1lab/o1';
import { heldOutProblems } from '@o1lab/policy-init';
import { countdownTask } from '@o1lab/tasks';
import type { BenchRecord, BenchSuite } from '../harness.js';
import { measure } from '../harness.js';

const SEED = 7;
const NUM_PROBLEMS = 8;
const METHODS = ['majority-vote', 'beam-prm', 'mcts-prm'];
const LEVEL = 4;
const JOURNAL_LINES = 200;
const FIXTURE = fileURLToPath(
  new URL('../../../packages/o1/src/report/__fixtures__/metrics.json', import.meta.url),
);

/**
 * `@o1lab/o1`, the loop's own costs around the searchers: a test-time sweep's searches/s (majority
 * vote, beam search and MCTS at N = 4 on 8 held-out countdown problems, the countdown reference
 * checkpoint in ONNX Runtime, verifier-guided; the prefix cache cleared per search as the loop does),
 * journal appends/s (every finished search is appended before it counts: the price of resume), and
 * reports/s (Markdown, HTML and three vega-lite SVG plots from a two-round metrics.json).
 */
export const suite: BenchSuite = {
  name: 'o1',
  description: '@o1lab/o1: sweep searches/s (ONNX Runtime), journal appends/s, report renders/s (vega-lite)',
  async run(ctx) {
    const records: BenchRecord[] = [];
    const budget = { timeMs: ctx.quick ? 300 : 2000, minIterations: ctx.quick ? 2 : 5 };
    const task = countdownTask as unknown as Task;
    const loaded = await loadPolicy(resolveCheckpointDir('reference:countdown', 'countdown'), task, SEED);
    const problems = heldOutProblems(task, NUM_PROBLEMS, {
      seed: 2024,
      generateOptions: loaded.generateOptions,
    });
    const registry = createMethodRegistry();
    try {
      records.push(
        await measure(
          {
            name: 'sweep/countdown-reference',
            unit: 'searches/s',
            itemsPerIteration: METHODS.length * NUM_PROBLEMS,
            config: { methods: METHODS, level: LEVEL, problems: NUM_PROBLEMS, reward: 'verifier' },
            seed: SEED,
            backend: { onnxruntime: loaded.runtime.executionProvider },
            fn: () =>
              runSweep({
                task,
                policy: loaded.policy,
                runtime: loaded.runtime,
                methods: METHODS,
                levels: [LEVEL],
                problems,
                seeds: 1,
                seed: SEED,
                maxTokens: loaded.maxTokens,
                registry,
              }),
            ...budget,
          },
          ctx,
        ),
      );
    } finally {
      await loaded.runtime.dispose();
    }

    const dir = await mkdtemp(join(tmpdir(), 'o1-bench-'));
    try {
      const run = await RunDir.open(dir, { command: 'bench', config: {}, seed: SEED, resume: false });
      let round = 0;
      const compute = { generatedTokens: 120, prefillTokens: 40, flops: 1e7, wallTimeMs: 12 };
      records.push(
        await measure(
          {
            name: 'journal/append',
            unit: 'appends/s',
            itemsPerIteration: JOURNAL_LINES,
            config: { lines: JOURNAL_LINES },
            seed: SEED,
            fn: async () => {
              const journal = await run.journal<{ key: string }>(`j-${round++}.jsonl`);
              for (let i = 0; i < JOURNAL_LINES; i++) {
                await journal.append({
                  key: `beam-prm|4|0|countdown-${i}`,
                  correct: i % 3 === 0,
                  compute,
                } as {
                  key: string;
                });
              }
              return journal.size;
            },
            ...budget,
          },
          ctx,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const metrics = JSON.parse(await readFile(FIXTURE, 'utf8')) as RunMetrics;
    records.push(
      await measure(
        {
          name: 'report/render',
          unit: 'reports/s',
          itemsPerIteration: 1,
          config: { sweeps: metrics.testTime.length, rounds: metrics.trainTime.length },
          seed: SEED,
          backend: 'vega-lite (svg, headless)',
          fn: async () => (await renderReport(metrics)).html.length,
          ...budget,
        },
        ctx,
      ),
    );
    return records;
  },
};
