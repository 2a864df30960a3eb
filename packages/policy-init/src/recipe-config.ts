import {
  assertBoolean,
  assertInteger,
  assertNumber,
  assertOneOf,
  type GenerateOptions,
  mergeConfig,
} from '@o1lab/core';
import type { BehaviourSwitches, SynthesisConfig } from './synthesis-config.js';
import type { SynthesisTaskName } from './synthesize.js';

/** The network of a recipe (the vocabulary comes from the task alphabet's tokenizer). */
export interface RecipeModelConfig {
  /** Residual width. @default 64 */
  readonly dModel: number;
  /** Transformer blocks. @default 2 */
  readonly nLayer: number;
  /** Attention heads. @default 4 */
  readonly nHead: number;
  /** Positions: BOS + prompt + completion + EOS must fit. @default 128 */
  readonly context: number;
}

/** Synthesis knobs of a recipe (JSON, written into the model card). */
export interface RecipeSynthesisConfig extends Omit<SynthesisConfig, 'rates' | 'seed' | 'maxLength'> {
  readonly rates: BehaviourSwitches;
}

/**
 * Policy initialisation as one recipe: synthesize a behaviour-trace corpus, pre-train on it
 * (next-token over prompt + completion), then supervised fine-tuning on prompt -> completion with
 * the prompt masked out of the loss.
 */
export interface RecipeConfig {
  /** @default 'countdown' */
  readonly task: SynthesisTaskName;
  /** `task.generate` options, e.g. `{ numNumbers: 4 }` or `{ digitsA: 3, digitsB: 3 }`. @default {} */
  readonly generateOptions: GenerateOptions;
  /** Behaviour switches of the corpus. @default the synthesis defaults */
  readonly synthesis: RecipeSynthesisConfig;
  /** Traces in the corpus (problems repeat with different behaviours when the task has few). @default 20000 */
  readonly numTraces: number;
  /** Fraction of problem ids kept out of training for evaluation. @default 0.1 */
  readonly heldOutFraction: number;
  /** @default { dModel: 64, nLayer: 2, nHead: 4, context: 128 } */
  readonly model: RecipeModelConfig;
  /** Optimizer steps of pre-training. @default 300 */
  readonly pretrainSteps: number;
  /** Optimizer steps of supervised fine-tuning. @default 700 */
  readonly sftSteps: number;
  /** Sequences per optimizer step. @default 32 */
  readonly batchSize: number;
  /** Peak learning rate of pre-training. @default 0.003 */
  readonly learningRate: number;
  /** Peak learning rate of fine-tuning. @default 0.001 */
  readonly sftLearningRate: number;
  /** Linear warmup steps of each phase. @default 30 */
  readonly warmupSteps: number;
  /** Save a resumable checkpoint every this many optimizer steps (0: only at the end of each phase). @default 100 */
  readonly checkpointEvery: number;
  /** Seeds the corpus, the initialisation and the batch order. @default 0 */
  readonly seed: number;
  /** Progress bar on stderr (shown only when stderr is a TTY). @default true */
  readonly progress: boolean;
}

export const defaultRecipeModelConfig: RecipeModelConfig = Object.freeze({
  dModel: 64,
  nLayer: 2,
  nHead: 4,
  context: 128,
});

export const defaultRecipeConfig: RecipeConfig = Object.freeze({
  task: 'countdown',
  generateOptions: Object.freeze({}),
  synthesis: Object.freeze({
    rates: Object.freeze({
      analysis: 0.5,
      decomposition: 0.5,
      stepByStep: 1,
      selfEvaluation: 0.3,
      selfCorrection: 0.2,
      backtracking: 0.2,
    }),
    checkProbability: 0.5,
  }),
  numTraces: 20000,
  heldOutFraction: 0.1,
  model: defaultRecipeModelConfig,
  pretrainSteps: 300,
  sftSteps: 700,
  batchSize: 32,
  learningRate: 0.003,
  sftLearningRate: 0.001,
  warmupSteps: 30,
  checkpointEvery: 100,
  seed: 0,
  progress: true,
});

/** Recipe options: every field optional, nested objects merged field by field. */
export type RecipeOptions = Partial<Omit<RecipeConfig, 'model' | 'synthesis'>> & {
  readonly model?: Partial<RecipeModelConfig>;
  readonly synthesis?: Partial<Omit<RecipeSynthesisConfig, 'rates'>> & {
    readonly rates?: Partial<BehaviourSwitches>;
  };
};

/** Merges over {@link defaultRecipeConfig} and validates, naming the option at fault. */
export function resolveRecipeConfig(options: RecipeOptions = {}): RecipeConfig {
  const where = 'RecipeConfig';
  const model = mergeConfig(defaultRecipeModelConfig, options.model, `${where}.model`);
  const rates = mergeConfig(
    defaultRecipeConfig.synthesis.rates,
    options.synthesis?.rates,
    `${where}.synthesis.rates`,
  );
  const synthesis = mergeConfig(
    defaultRecipeConfig.synthesis,
    { ...options.synthesis, rates },
    `${where}.synthesis`,
  );
  const c = mergeConfig(defaultRecipeConfig, { ...options, model, synthesis }, where);
  assertOneOf('task', c.task, ['countdown', 'arithmetic', 'game24'], where);
  for (const [k, v] of Object.entries(rates))
    assertNumber(`synthesis.rates.${k}`, v, { min: 0, max: 1 }, where);
  assertNumber('synthesis.checkProbability', synthesis.checkProbability, { min: 0, max: 1 }, where);
  assertInteger('numTraces', c.numTraces, { min: 1 }, where);
  assertNumber('heldOutFraction', c.heldOutFraction, { min: 0, lt: 1 }, where);
  assertInteger('model.dModel', model.dModel, { min: 1 }, where);
  assertInteger('model.nLayer', model.nLayer, { min: 1 }, where);
  assertInteger('model.nHead', model.nHead, { min: 1 }, where);
  assertInteger('model.context', model.context, { min: 16 }, where);
  assertInteger('pretrainSteps', c.pretrainSteps, { min: 0 }, where);
  assertInteger('sftSteps', c.sftSteps, { min: 0 }, where);
  assertInteger('batchSize', c.batchSize, { min: 1 }, where);
  assertNumber('learningRate', c.learningRate, { gt: 0 }, where);
  assertNumber('sftLearningRate', c.sftLearningRate, { gt: 0 }, where);
  assertInteger('warmupSteps', c.warmupSteps, { min: 0 }, where);
  assertInteger('checkpointEvery', c.checkpointEvery, { min: 0 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  assertBoolean('progress', c.progress, where);
  return c;
}
