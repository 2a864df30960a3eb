import { O1labError } from '@o1lab/core';
import {
  buildSftBatch,
  createTrainer,
  type PromptCompletion,
  saveCheckpoint,
  type TinyGptModel,
  type Tokenizer,
  type TrainBatch,
  type Trainer,
  type TrainStepResult,
} from '@o1lab/model';
import { resolveSftConfig, type SftConfig } from './config.js';

/** Inputs of {@link sftTrain} besides the model and the data. */
export interface SftOptions {
  readonly config?: Partial<SftConfig>;
  /** Held-out pairs; their mean completion cross-entropy is reported as `evalLoss`. */
  readonly evalData?: readonly PromptCompletion[];
  /** Checkpoint directory (model package format: weights, tokenizer, optimizer state). */
  readonly checkpointDir?: string;
  /** Called after every optimizer step. */
  readonly onStep?: (step: SftStepLog) => void;
}

/** One optimizer step as logged. */
export interface SftStepLog {
  readonly step: number;
  readonly epoch: number;
  /** Mean next-token cross-entropy of the batch (nats per masked token), before the step. */
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
  readonly numTokens: number;
}

/** An evaluation on the held-out pairs. */
export interface SftEvalLog {
  readonly step: number;
  /** Token-weighted mean cross-entropy over the eval set's masked tokens. */
  readonly loss: number;
}

/** What {@link sftTrain} did. */
export interface SftResult {
  readonly config: SftConfig;
  readonly numSteps: number;
  /** Masked tokens trained on, summed over steps. */
  readonly numTokens: number;
  /** Token-weighted mean training loss of each epoch. */
  readonly epochLosses: readonly number[];
  readonly evals: readonly SftEvalLog[];
  /** Wall time of the optimizer steps. */
  readonly timeMs: number;
}

/**
 * Behaviour cloning: `epochs` passes of masked next-token cross-entropy steps over the
 * prompt/completion pairs, trained in place on `model` with the model package's AdamW trainer
 * (one fresh trainer per call: warmup + cosine over this call's steps).
 *
 *   L(θ) = - Σ_{i,t} m_{i,t} log π_θ(y_{i,t} | x_i, y_{i,<t}) / Σ_{i,t} m_{i,t}
 *
 * with m the loss mask (completion tokens and EOS, or every target with `lossOn: 'all'`).
 */
export async function sftTrain(
  model: TinyGptModel,
  tokenizer: Tokenizer,
  data: readonly PromptCompletion[],
  options: SftOptions = {},
): Promise<SftResult> {
  const config = resolveSftConfig(options.config);
  if (data.length === 0) {
    throw new O1labError('INVALID_INPUT', 'no prompt/completion pairs to train on', { where: 'sftTrain' });
  }
  const stepsPerEpoch = Math.ceil(data.length / config.batchSize);
  const trainer = createTrainer(model, {
    learningRate: config.learningRate,
    minLearningRate: config.minLearningRate,
    warmupSteps: config.warmupSteps,
    totalSteps: Math.max(1, config.epochs * stepsPerEpoch),
    weightDecay: config.weightDecay,
    gradClipNorm: config.gradClipNorm,
    batchSize: config.batchSize,
    seed: config.seed,
  });
  const evals: SftEvalLog[] = [];
  const epochLosses: number[] = [];
  let numTokens = 0;
  let timeMs = 0;
  const evaluate = () => {
    if (options.evalData !== undefined && options.evalData.length > 0) {
      evals.push({
        step: trainer.stepCount,
        loss: evaluateWith(trainer, tokenizer, options.evalData, config),
      });
    }
  };
  const save = async () => {
    if (options.checkpointDir !== undefined) {
      await saveCheckpoint(options.checkpointDir, { model, trainer, ...tokenizerInput(tokenizer) });
    }
  };
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    // Batch order
    const order = data.map((_, i) => i);
    if (config.shuffle) trainer.rng.shuffle(order);
    let lossSum = 0;
    let tokenSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const rows = order.slice(s * config.batchSize, (s + 1) * config.batchSize).map((i) => data[i]!);
      // Masked cross-entropy step
      const batch = sftBatch(tokenizer, rows, model.config.context, config);
      const t0 = performance.now();
      const r: TrainStepResult = trainer.step(batch);
      timeMs += performance.now() - t0;
      const lm = r.lmLoss ?? 0;
      lossSum += lm * r.numTokens;
      tokenSum += r.numTokens;
      numTokens += r.numTokens;
      options.onStep?.({
        step: r.step,
        epoch,
        loss: lm,
        lr: r.lr,
        gradNorm: r.gradNorm,
        numTokens: r.numTokens,
      });
      if (config.evalEvery > 0 && r.step % config.evalEvery === 0) evaluate();
      if (config.saveEvery > 0 && r.step % config.saveEvery === 0) await save();
    }
    epochLosses.push(tokenSum > 0 ? lossSum / tokenSum : 0);
    if (config.evalEvery === 0) evaluate();
  }
  await save();
  trainer.dispose();
  return { config, numSteps: trainer.stepCount, numTokens, epochLosses, evals, timeMs };
}

/**
 * Token-weighted mean masked cross-entropy (nats per token) of `model` on `data`, without a
 * gradient step; `config` picks the loss mask and the batch size.
 */
export function sftEvaluate(
  model: TinyGptModel,
  tokenizer: Tokenizer,
  data: readonly PromptCompletion[],
  config: Partial<SftConfig> = {},
): number {
  const c = resolveSftConfig(config);
  const trainer = createTrainer(model, { batchSize: c.batchSize });
  return evaluateWith(trainer, tokenizer, data, c);
}

/**
 * The training batch of `rows`: BOS + prompt + completion + EOS, right-padded, with the loss mask
 * of `config.lossOn`.
 */
export function sftBatch(
  tokenizer: Tokenizer,
  rows: readonly PromptCompletion[],
  context: number,
  config: Pick<SftConfig, 'lossOn'> = { lossOn: 'completion' },
): TrainBatch {
  const batch = buildSftBatch(tokenizer, rows, { context });
  return config.lossOn === 'all' ? { ...batch, lossMask: Float32Array.from(batch.attentionMask!) } : batch;
}

function evaluateWith(
  trainer: Trainer,
  tokenizer: Tokenizer,
  data: readonly PromptCompletion[],
  config: SftConfig,
): number {
  let lossSum = 0;
  let tokenSum = 0;
  for (let i = 0; i < data.length; i += config.batchSize) {
    const batch = sftBatch(
      tokenizer,
      data.slice(i, i + config.batchSize),
      trainer.model.config.context,
      config,
    );
    let n = 0;
    for (const m of batch.lossMask!) n += m;
    if (n === 0) continue;
    lossSum += (trainer.evaluate(batch).lmLoss ?? 0) * n;
    tokenSum += n;
  }
  return tokenSum > 0 ? lossSum / tokenSum : 0;
}

function tokenizerInput(tokenizer: Tokenizer): { tokenizer?: { toJSON(): unknown } } {
  const t = tokenizer as Tokenizer & { toJSON?: () => unknown };
  return typeof t.toJSON === 'function' ? { tokenizer: t as { toJSON(): unknown } } : {};
}
