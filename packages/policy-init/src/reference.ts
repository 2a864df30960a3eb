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

/** Behaviour switches the task's own verifier accepts today (see the README: countdown and game24). */
const PLAIN = Object.freeze({
  analysis: 0,
  decomposition: 0,
  stepByStep: 1,
  selfEvaluation: 0,
  selfCorrection: 0,
  backtracking: 0,
});

/**
 * The recipes of the reference checkpoints in `reference/models/<task>/`, each sized to train in
 * at most 15 minutes on 2 cores with tfjs-backend-wasm. Countdown and game24 traces are plain
 * step-by-step derivations because those tasks' verifiers reject behaviour lines (see the README);
 * arithmetic, whose verifier reads only the answer line, carries every behaviour.
 */
export const REFERENCE_RECIPES: Readonly<Record<SynthesisTaskName, RecipeOptions>> = Object.freeze({
  countdown: Object.freeze({
    task: 'countdown',
    generateOptions: { numNumbers: 4 },
    synthesis: { rates: PLAIN },
    numTraces: 40000,
    model: { dModel: 64, nLayer: 2, nHead: 4, context: 80 },
    pretrainSteps: 300,
    sftSteps: 1400,
    batchSize: 16,
    learningRate: 0.005,
    sftLearningRate: 0.003,
    checkpointEvery: 100,
    seed: 1,
  }),
  game24: Object.freeze({
    task: 'game24',
    generateOptions: {},
    synthesis: { rates: PLAIN },
    numTraces: 40000,
    model: { dModel: 64, nLayer: 2, nHead: 4, context: 80 },
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
