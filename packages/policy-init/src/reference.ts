import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { O1labError } from '@o1lab/core';
import {
  CharTokenizer,
  type CharTokenizerJson,
  loadCheckpoint,
  type OrtPolicy,
  type OrtRuntime,
} from '@o1lab/model';
import { createOrtPolicy } from './evaluate.js';
import type { RecipeOptions } from './recipe-config.js';
import type { SynthesisTaskName } from './synthesize.js';

/**
 * The recipes of the reference checkpoints in `reference/models/<task>/`. Every task's corpus carries
 * the behaviours: the countdown and game24 verifiers read behaviour lines (`given:` ... `back:`)
 * since `@o1lab/tasks` learned the trace grammar, so their traces verify as written. Countdown and
 * game24 use the synthesis default switches with a 128-position context, so that behaviour lines
 * fit (at 80 positions most are dropped to fit `maxLength`). The checkpoints in `reference/models`
 * were trained on plain traces with {@link REFERENCE_CHECKPOINT_RECIPES}, which differ from these
 * only in the traces and the context.
 *
 * Countdown uses 3 numbers: with 4 numbers the 109k-parameter TinyGPT reached 1% greedy pass@1 after
 * 1700 steps and 4% after 1000 steps of a 4000-step run, while 3 numbers gave 17% after 3500 steps
 * of a 4000-step run; 8000 steps (500 + 7500) of 16 sequences, about 6.3M tokens, train in 29
 * minutes on one wasm thread (the 35-minute budget) to 46% greedy pass@1, pass@16 81% (the card).
 */
export const REFERENCE_RECIPES: Readonly<Record<SynthesisTaskName, RecipeOptions>> = Object.freeze({
  countdown: Object.freeze({
    task: 'countdown',
    generateOptions: { numNumbers: 3 },
    numTraces: 100000,
    model: { dModel: 64, nLayer: 2, nHead: 4, context: 128 },
    pretrainSteps: 500,
    sftSteps: 7500,
    batchSize: 16,
    learningRate: 0.005,
    sftLearningRate: 0.003,
    checkpointEvery: 250,
    seed: 1,
  }),
  game24: Object.freeze({
    task: 'game24',
    generateOptions: {},
    numTraces: 40000,
    model: { dModel: 64, nLayer: 2, nHead: 4, context: 128 },
    pretrainSteps: 300,
    sftSteps: 1400,
    batchSize: 16,
    learningRate: 0.005,
    sftLearningRate: 0.003,
    checkpointEvery: 100,
    seed: 1,
  }),
  arithmetic: Object.freeze({
    task: 'arithmetic',
    generateOptions: { digitsA: 3, digitsB: 3 },
    synthesis: {
      rates: {
        analysis: 0.3,
        decomposition: 0.3,
        stepByStep: 1,
        selfEvaluation: 0.3,
        selfCorrection: 0.2,
        backtracking: 0.1,
      },
      checkProbability: 0.3,
    },
    numTraces: 40000,
    model: { dModel: 64, nLayer: 2, nHead: 4, context: 192 },
    pretrainSteps: 80,
    sftSteps: 320,
    batchSize: 16,
    learningRate: 0.005,
    sftLearningRate: 0.003,
    checkpointEvery: 50,
    seed: 1,
  }),
});

/** Switches of plain step-by-step traces (no behaviour lines). */
const PLAIN_RATES = Object.freeze({
  analysis: 0,
  decomposition: 0,
  stepByStep: 1,
  selfEvaluation: 0,
  selfCorrection: 0,
  backtracking: 0,
});

/**
 * The recipes the checkpoints in `reference/models/<task>/` were actually trained with (their
 * `training.json`; `scripts/policy-init-train.ts --committed` reproduces them). Countdown and game24
 * are trained on plain step-by-step traces with an 80-position context: behaviour traces are about
 * twice as long, so the same training budget would see half the problems. Arithmetic equals its
 * {@link REFERENCE_RECIPES} entry. `generateOptions` is the problem distribution a checkpoint was
 * trained on, which search and learning experiments on it draw from.
 */
export const REFERENCE_CHECKPOINT_RECIPES: Readonly<Record<SynthesisTaskName, RecipeOptions>> = Object.freeze(
  {
    countdown: Object.freeze({
      ...REFERENCE_RECIPES.countdown,
      synthesis: { rates: PLAIN_RATES },
      model: { dModel: 64, nLayer: 2, nHead: 4, context: 80 },
    }),
    game24: Object.freeze({
      ...REFERENCE_RECIPES.game24,
      synthesis: { rates: PLAIN_RATES },
      model: { dModel: 64, nLayer: 2, nHead: 4, context: 80 },
    }),
    arithmetic: REFERENCE_RECIPES.arithmetic,
  },
);

/** `reference/models` of this repository (the package's source and build both sit three levels below the root). */
export const REFERENCE_MODELS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'reference',
  'models',
);

/** Where the reference checkpoint of `task` lives. */
export function referenceModelDir(task: SynthesisTaskName, root: string = REFERENCE_MODELS_DIR): string {
  return join(root, task);
}

/**
 * The reference policy of `task` as an ONNX Runtime {@link OrtPolicy} (the checkpoint's weights are
 * exported to ONNX in memory). Dispose `runtime` when done.
 */
export async function loadReferencePolicy(
  task: SynthesisTaskName,
  options: { readonly dir?: string; readonly seed?: number } = {},
): Promise<{ policy: OrtPolicy; runtime: OrtRuntime; tokenizer: CharTokenizer }> {
  const dir = options.dir ?? referenceModelDir(task);
  const ckpt = await loadCheckpoint(dir);
  if (ckpt.tokenizer === undefined) {
    throw new O1labError('CORRUPT_FILE', 'the checkpoint has no tokenizer.json', { where: dir });
  }
  const tokenizer = CharTokenizer.fromJSON(ckpt.tokenizer as CharTokenizerJson);
  const { policy, runtime } = await createOrtPolicy(ckpt.config, ckpt.weights, tokenizer, {
    seed: options.seed ?? 0,
    name: `policy-init-${task}`,
  });
  return { policy, runtime, tokenizer };
}

/** How the reference checkpoints are evaluated (the model cards and `scripts/policy-init-eval.ts`). */
export const REFERENCE_EVALUATION = Object.freeze({
  /** Held-out problems (game24 has about 130 held-out puzzles). */
  numProblems: 100,
  /** Seed of the held-out problem draw. */
  seed: 2024,
  config: Object.freeze({ numSamples: 16, ks: Object.freeze([1, 16]), temperature: 1, seed: 0 }),
});
