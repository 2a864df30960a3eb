import { createRng, initialState, type Json, type Problem, type State, type Task } from '@o1lab/core';
import {
  buildRolloutBatch,
  collectRollouts,
  createSampler,
  type Rollout,
  type RolloutBatch,
  type RolloutConfig,
  resolveRolloutConfig,
  type Sampler,
  syncWeights,
} from '@o1lab/learn-rollout';
import { CharTokenizer, createTinyGptModel, initTfBackend, type TinyGptModel } from '@o1lab/model';
import { countdownTask } from '@o1lab/tasks';
import type { BenchContext, BenchRecord, MeasureTask } from './harness.js';
import { measure, rescaleRecord } from './harness.js';

/** The learn suites' model: random-init TinyGPT (measures compute, not accuracy). */
export const LEARN_MODEL = { dModel: 128, nHead: 4, nLayer: 2, context: 128 } as const;
export const LEARN_SEED = 11;

/** A seeded rollout workload on countdown prompts, shared by the learn-* suites. */
export interface LearnWorkload {
  readonly tokenizer: CharTokenizer;
  readonly model: TinyGptModel;
  readonly sampler: Sampler;
  readonly task: Task<Json>;
  readonly states: State[];
  readonly rollout: RolloutConfig;
  /** Rollouts sampled once (untimed) for the update benchmarks. */
  readonly rollouts: Rollout[];
  readonly batch: RolloutBatch;
  readonly backend: { readonly tfjs: string; readonly ort: string };
  readonly config: Json;
}

/** Builds the model (tfjs) and its ONNX Runtime sampler, and samples one batch of rollouts. */
export async function learnWorkload(options: {
  readonly numPrompts: number;
  readonly numGenerations: number;
  readonly maxCompletionTokens: number;
  readonly valueHead?: boolean;
}): Promise<LearnWorkload> {
  const tf = await initTfBackend({ log: () => {} });
  const task = countdownTask as unknown as Task<Json>;
  const rng = createRng(LEARN_SEED);
  const problems = Array.from({ length: 64 }, () => task.generate(rng) as Problem<Json>);
  const tokenizer = new CharTokenizer(alphabetOf(task, problems));
  const model = createTinyGptModel({
    ...LEARN_MODEL,
    vocabSize: tokenizer.vocabSize,
    valueHead: options.valueHead ?? false,
    seed: LEARN_SEED,
  });
  const sampler = await createSampler(model, tokenizer);
  const states = problems.slice(0, options.numPrompts).map((p) => initialState(task, p));
  const rollout = resolveRolloutConfig({
    numGenerations: options.numGenerations,
    maxCompletionTokens: options.maxCompletionTokens,
  });
  const rollouts = await collectRollouts(sampler.policy, tokenizer, states, rollout, { seed: LEARN_SEED });
  const batch = buildRolloutBatch(rollouts, { padId: tokenizer.padId, context: LEARN_MODEL.context });
  return {
    tokenizer,
    model,
    sampler,
    task,
    states,
    rollout,
    rollouts,
    batch,
    backend: { tfjs: tf.name, ort: sampler.runtime.executionProvider },
    config: {
      workload: 'countdown',
      model: {
        ...LEARN_MODEL,
        vocabSize: tokenizer.vocabSize,
        valueHead: options.valueHead ?? false,
        weights: 'init',
      },
      numPrompts: options.numPrompts,
      numGenerations: options.numGenerations,
      maxCompletionTokens: options.maxCompletionTokens,
    },
  };
}

/**
 * Rollout throughput through ONNX Runtime (`collectRollouts` over `OrtPolicy`): samples/s, and
 * generated tokens/s from the same measurement.
 */
export async function rolloutRecords(
  prefix: string,
  w: LearnWorkload,
  ctx: BenchContext,
): Promise<BenchRecord[]> {
  let seed = LEARN_SEED;
  let samples = 0;
  let tokens = 0;
  const record = await measure(
    {
      name: `${prefix}/rollout`,
      unit: 'samples/s',
      itemsPerIteration: w.states.length * w.rollout.numGenerations,
      config: w.config,
      seed: LEARN_SEED,
      backend: w.backend,
      ...slow(ctx),
      fn: async () => {
        const out = await collectRollouts(w.sampler.policy, w.tokenizer, w.states, w.rollout, {
          seed: seed++,
        });
        samples += out.length;
        for (const r of out) tokens += r.completionIds.length;
        return out.length;
      },
    },
    ctx,
  );
  return [
    record,
    rescaleRecord(record, `${prefix}/rollout-tokens`, 'tokens/s', samples === 0 ? 0 : tokens / samples),
  ];
}

/** Weight sync tfjs -> ONNX Runtime (export + session rebuild): syncs/s. */
export async function syncRecord(prefix: string, w: LearnWorkload, ctx: BenchContext): Promise<BenchRecord> {
  return measure(
    {
      name: `${prefix}/weight-sync`,
      unit: 'syncs/s',
      itemsPerIteration: 1,
      config: w.config,
      seed: LEARN_SEED,
      backend: w.backend,
      ...slow(ctx),
      fn: () => syncWeights(w.model, w.sampler.runtime),
    },
    ctx,
  );
}

/** Update throughput: samples of the rollout batch per second through `fn` (one update of the batch). */
export async function updateRecord(
  prefix: string,
  w: LearnWorkload,
  ctx: BenchContext,
  config: Json,
  fn: () => unknown,
): Promise<BenchRecord> {
  return measure(
    {
      name: `${prefix}/update`,
      unit: 'samples/s',
      itemsPerIteration: w.batch.B,
      config: { ...(w.config as Record<string, Json>), algorithm: config },
      seed: LEARN_SEED,
      backend: w.backend,
      ...slow(ctx),
      fn,
    },
    ctx,
  );
}

/** Disposes the workload's model and runtime. */
export async function disposeWorkload(w: LearnWorkload): Promise<void> {
  await w.sampler.runtime.dispose();
  w.model.dispose();
}

/** Model-sized calls (tens to hundreds of ms): fewer, longer timed phases. */
function slow(ctx: BenchContext): Pick<MeasureTask, 'timeMs' | 'minIterations'> {
  return ctx.quick ? { timeMs: 200, minIterations: 2 } : { timeMs: 2000, minIterations: 5 };
}

function alphabetOf(task: Task<Json>, problems: readonly Problem<Json>[]): string {
  const chars = new Set<string>(task.stepDelimiter);
  for (const problem of problems) {
    for (const c of task.prompt(problem)) chars.add(c);
    for (const step of task.solve?.(problem) ?? []) for (const c of step) chars.add(c);
  }
  return [...chars].sort().join('');
}
