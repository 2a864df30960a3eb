import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry, RewardModel, Task } from '@o1lab/core';
import { heldOutProblems } from '@o1lab/policy-init';
import { createVerifierRewardModel, loadRewardModel } from '@o1lab/reward-model';
import { getTask } from '@o1lab/tasks';
import type { MethodSpec } from './methods.js';
import type { CurvePoint } from './metrics.js';
import { loadPolicy, resolveCheckpointDir } from './policy.js';
import type { Progress } from './progress.js';
import { writeTreeViewer } from './report/index.js';
import { runSweep } from './sweep.js';

/** Options of {@link evalOnce} (the `o1lab eval` flags). */
export interface EvalOptions {
  readonly task: string;
  /** `reference:<task>` or a checkpoint directory. @default 'reference:<task>' */
  readonly policy?: string;
  readonly method: string;
  readonly level: number;
  readonly problems: number;
  readonly seeds: number;
  /** `verifier` or a saved reward-model directory. */
  readonly reward: string;
  /** Directory for each search's tree (JSON + HTML viewer). */
  readonly trees?: string;
  readonly seed: number;
  readonly registry: Registry<MethodSpec>;
  readonly progress: Progress;
  readonly signal?: AbortSignal;
}

/** What {@link evalOnce} measured. */
export interface EvalResult {
  readonly task: string;
  readonly policy: string;
  readonly method: string;
  readonly level: number;
  readonly problems: number;
  readonly point: CurvePoint;
  readonly executionProvider: string;
  readonly treesDir?: string;
}

/** One policy + one searcher on held-out problems of a task. */
export async function evalOnce(options: EvalOptions): Promise<EvalResult> {
  const task = getTask(options.task) as Task;
  const spec = options.registry.get(options.method);
  const policySpec = options.policy ?? `reference:${options.task}`;
  const dir = resolveCheckpointDir(policySpec, options.task);
  const reward: RewardModel & { dispose?: () => Promise<void> } =
    options.reward === 'verifier' ? createVerifierRewardModel(task) : await loadRewardModel(options.reward);
  const loaded = await loadPolicy(dir, task, options.seed);
  try {
    const problems = heldOutProblems(task, options.problems, {
      seed: 2024 + options.seed,
      generateOptions: loaded.generateOptions,
    });
    if (options.trees !== undefined) await mkdir(options.trees, { recursive: true });
    const [point] = await runSweep({
      task,
      policy: loaded.policy,
      runtime: loaded.runtime,
      ...(spec.reward === 'none' ? {} : { reward }),
      methods: [options.method],
      levels: [options.level],
      problems,
      seeds: options.seeds,
      seed: options.seed,
      maxTokens: loaded.maxTokens,
      registry: options.registry,
      progress: options.progress,
      label: `${options.method} N=${options.level}`,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.trees === undefined
        ? {}
        : {
            onResult: async (cell, result) => {
              if (result.tree === undefined) return;
              const base = join(
                options.trees!,
                `${cell.problemId.replace(/[^a-zA-Z0-9_-]/g, '_')}-s${cell.seedIndex}`,
              );
              const tree = {
                problem: cell.problemId,
                correct: cell.correct,
                answer: cell.answer,
                config: result.config,
                tree: result.tree,
              };
              await writeFile(`${base}.json`, `${JSON.stringify(tree)}\n`);
              await writeTreeViewer(`${base}.html`, result.tree, {
                title: `${options.method} on ${cell.problemId}`,
              });
            },
          }),
    });
    return {
      task: options.task,
      policy: policySpec,
      method: options.method,
      level: options.level,
      problems: problems.length,
      point: point!,
      executionProvider: loaded.runtime.executionProvider,
      ...(options.trees === undefined ? {} : { treesDir: options.trees }),
    };
  } finally {
    await loaded.runtime.dispose();
    await reward.dispose?.();
  }
}
