import { stat } from 'node:fs/promises';
import { O1labError, type Task } from '@o1lab/core';
import {
  buildSftBatch,
  CharTokenizer,
  createTinyGptModel,
  createTrainer,
  initTfBackend,
  loadCheckpoint,
  type PromptCompletion,
  resolveTinyGptConfig,
  saveCheckpoint,
  type TfBackendInfo,
  type TinyGptConfig,
  type TinyGptModel,
  type Trainer,
} from '@o1lab/model';
import { getTask, TRACE_ALPHABET } from '@o1lab/tasks';
import { createProgress } from './progress.js';
import { type RecipeConfig, type RecipeOptions, resolveRecipeConfig } from './recipe-config.js';
import { type CorpusRecord, synthesizeCorpus } from './synthesize.js';

/** Training phases, in order. */
export type RecipePhase = 'pretrain' | 'sft';

/** Options of {@link trainPolicy} that are not part of the recipe (they do not change the result). */
export interface TrainPolicyOptions {
  /** Directory of the resumable checkpoint (weights, AdamW moments, batch Rng, phase and step). */
  readonly checkpointDir?: string;
  /** Continue from `checkpointDir` when a checkpoint is there. @default false */
  readonly resume?: boolean;
  /** Receives one line per checkpoint and per phase. @default none */
  readonly log?: (line: string) => void;
}

/** One phase's summary. */
export interface PhaseSummary {
  readonly phase: RecipePhase;
  readonly steps: number;
  /** Mean loss of the phase's last 20 steps (NaN when no step ran in this process). */
  readonly finalLoss: number;
  /** Real (unpadded) tokens per second over the steps run in this process. */
  readonly tokensPerSecond: number;
}

/** What {@link trainPolicy} returns. The caller owns `model` (dispose it). */
export interface TrainedPolicy {
  readonly recipe: RecipeConfig;
  readonly model: TinyGptModel;
  readonly modelConfig: TinyGptConfig;
  readonly tokenizer: CharTokenizer;
  readonly backend: TfBackendInfo;
  readonly phases: readonly PhaseSummary[];
  /** Wall time of this call (a resumed run counts only its own part). */
  readonly timeMs: number;
  /** Optimizer step the run resumed from (0 for a fresh run), counted over both phases. */
  readonly resumedFromStep: number;
}

const META_PHASE = 'policyInitPhase';
const META_STEP = 'policyInitStep';
const META_RECIPE = 'policyInitRecipe';

/**
 * Runs a policy-initialisation recipe: corpus synthesis, pre-training, then SFT, with a resumable
 * checkpoint every `checkpointEvery` steps. Batches are drawn by the trainer's Rng, which the
 * checkpoint stores with the AdamW moments, so a run killed at any point and resumed ends with the
 * same weights, bit for bit, as one that was never interrupted.
 */
export async function trainPolicy(
  options: RecipeOptions = {},
  run: TrainPolicyOptions = {},
): Promise<TrainedPolicy> {
  const recipe = resolveRecipeConfig(options);
  const start = performance.now();
  const log = run.log ?? (() => {});
  const backend = await initTfBackend({ log });
  const task = getTask(recipe.task) as Task;
  const tokenizer = new CharTokenizer(TRACE_ALPHABET);
  const modelConfig = resolveTinyGptConfig({
    vocabSize: tokenizer.vocabSize,
    dModel: recipe.model.dModel,
    nLayer: recipe.model.nLayer,
    nHead: recipe.model.nHead,
    context: recipe.model.context,
    seed: recipe.seed,
  });

  // Corpus
  const corpus = synthesizeCorpus(task, recipe.numTraces, {
    generateOptions: recipe.generateOptions,
    heldOutFraction: recipe.heldOutFraction,
    synthesis: { ...recipe.synthesis, seed: recipe.seed, maxLength: recipe.model.context - 2 },
  });
  const pretrainRows: PromptCompletion[] = corpus.map((r) => ({
    prompt: '',
    completion: r.prompt + r.completion,
  }));
  const sftRows: PromptCompletion[] = corpus.map((r: CorpusRecord) => ({
    prompt: r.prompt,
    completion: r.completion,
  }));

  // Resume
  let phaseIndex = 0;
  let phaseStep = 0;
  let model: TinyGptModel;
  let trainerState: Parameters<Trainer['setState']>[0] | undefined;
  const checkpointDir = run.checkpointDir;
  if (run.resume === true && checkpointDir !== undefined && (await exists(checkpointDir))) {
    const ckpt = await loadCheckpoint(checkpointDir);
    if (ckpt.metadata[META_RECIPE] !== JSON.stringify(recipe)) {
      throw new O1labError('INVALID_INPUT', 'the checkpoint was written by a different recipe', {
        where: checkpointDir,
        hint: 'resume with the same recipe, or start in a fresh checkpoint directory',
      });
    }
    model = createTinyGptModel(modelConfig, ckpt.weights);
    phaseIndex = PHASES.indexOf(ckpt.metadata[META_PHASE] as RecipePhase);
    phaseStep = Number(ckpt.metadata[META_STEP]);
    trainerState = ckpt.trainerState;
    log(`resumed ${checkpointDir} at ${PHASES[phaseIndex]} step ${phaseStep}`);
  } else {
    model = createTinyGptModel(modelConfig);
  }
  const resumedFromStep = (phaseIndex === 1 ? recipe.pretrainSteps : 0) + phaseStep;

  const phases: PhaseSummary[] = [];
  for (; phaseIndex < PHASES.length; phaseIndex++) {
    const phase = PHASES[phaseIndex]!;
    const total = phase === 'pretrain' ? recipe.pretrainSteps : recipe.sftSteps;
    const rows = phase === 'pretrain' ? pretrainRows : sftRows;
    const trainer = createTrainer(model, {
      learningRate: phase === 'pretrain' ? recipe.learningRate : recipe.sftLearningRate,
      minLearningRate: (phase === 'pretrain' ? recipe.learningRate : recipe.sftLearningRate) / 10,
      warmupSteps: Math.min(recipe.warmupSteps, total),
      totalSteps: Math.max(1, total),
      batchSize: recipe.batchSize,
      seed: recipe.seed * 2 + phaseIndex,
    });
    if (trainerState !== undefined) {
      trainer.setState(trainerState);
      trainerState = undefined;
    }
    const save = async (step: number) => {
      if (checkpointDir === undefined) return;
      await saveCheckpoint(checkpointDir, {
        model,
        tokenizer,
        trainer,
        metadata: { [META_PHASE]: phase, [META_STEP]: String(step), [META_RECIPE]: JSON.stringify(recipe) },
      });
      log(`checkpoint ${phase} step ${step}/${total}`);
    };
    const bar = createProgress(recipe.progress, phase, total, phaseStep);
    const losses: number[] = [];
    let tokens = 0;
    const t0 = performance.now();
    for (let step = phaseStep; step < total; step++) {
      // Batch
      const pick: PromptCompletion[] = [];
      for (let b = 0; b < recipe.batchSize; b++) pick.push(rows[trainer.rng.int(rows.length)]!);
      const batch = buildSftBatch(tokenizer, pick, { context: modelConfig.context });
      // Step
      const result = trainer.step(batch);
      losses.push(result.loss);
      const mask = batch.attentionMask!;
      for (let i = 0; i < mask.length; i++) tokens += mask[i]!;
      const seconds = (performance.now() - t0) / 1000;
      bar.update(step + 1, { loss: result.loss, tokensPerSecond: tokens / Math.max(seconds, 1e-9) });
      if (recipe.checkpointEvery > 0 && (step + 1) % recipe.checkpointEvery === 0 && step + 1 < total)
        await save(step + 1);
    }
    bar.stop();
    await save(total);
    const seconds = (performance.now() - t0) / 1000;
    const tail = losses.slice(-20);
    phases.push({
      phase,
      steps: total,
      finalLoss: tail.length > 0 ? tail.reduce((a, b) => a + b, 0) / tail.length : Number.NaN,
      tokensPerSecond: tokens / Math.max(seconds, 1e-9),
    });
    log(
      `${phase}: ${total} steps, loss ${phases.at(-1)!.finalLoss.toFixed(4)}, ${phases.at(-1)!.tokensPerSecond.toFixed(0)} tokens/s`,
    );
    trainer.dispose();
    phaseStep = 0;
  }
  return {
    recipe,
    model,
    modelConfig,
    tokenizer,
    backend,
    phases,
    timeMs: performance.now() - start,
    resumedFromStep,
  };
}

const PHASES: readonly RecipePhase[] = ['pretrain', 'sft'];

async function exists(dir: string): Promise<boolean> {
  try {
    await stat(dir);
    return true;
  } catch {
    return false;
  }
}
