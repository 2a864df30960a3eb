import { createRng, O1labError } from '@o1lab/core';
import {
  createTinyGptModel,
  createTrainer,
  type TinyGptModel,
  type Tokenizer,
  type Trainer,
} from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';
import { type DpoConfig, resolveDpoConfig } from './config.js';
import { completionLogprobs, dpoLoss, meanTokenNll, perTokenLogprobs, sequenceLogprobs } from './loss.js';
import { type PreferencePair, preferenceBatch } from './pairs.js';

/** Inputs of {@link dpoTrain} besides the models and the pairs. */
export interface DpoOptions {
  readonly config?: Partial<DpoConfig>;
  /**
   * The model's trainer (its `stepWithLoss`: AdamW, clipping, schedule), e.g. to resume or to
   * checkpoint; by default one is made from the config's learning-rate fields.
   */
  readonly trainer?: Trainer;
  readonly onStep?: (log: DpoStepLog) => void;
}

/** One optimizer step as logged (TRL's `rewards/*` metrics). */
export interface DpoStepLog {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  /** Mean implicit reward of the chosen completions, β log π/π_ref. */
  readonly chosenReward: number;
  readonly rejectedReward: number;
  /** Share of pairs whose chosen reward exceeds the rejected one. */
  readonly rewardAccuracy: number;
  /**
   * Negative log-likelihood of the chosen completions per completion token (TRL's `nll_loss`);
   * `loss` includes `rpoAlpha` times it.
   */
  readonly nll: number;
  readonly gradNorm: number;
  readonly lr: number;
}

/** What {@link dpoTrain} did. */
export interface DpoResult {
  readonly config: DpoConfig;
  readonly numSteps: number;
  readonly numPairs: number;
  readonly history: readonly DpoStepLog[];
  /** Wall time of the policy updates (forward, backward, AdamW). */
  readonly updateTimeMs: number;
  /** Wall time of the frozen reference's forward passes. */
  readonly referenceTimeMs: number;
}

/**
 * A frozen copy of `model` to serve as π_ref (its own tfjs variables, never stepped).
 */
export function createReferenceModel(model: TinyGptModel): TinyGptModel {
  return createTinyGptModel(model.config, model.getWeights());
}

/**
 * Direct preference optimisation (Rafailov et al. 2023) or IPO (Azar et al. 2023) on `pairs`:
 * `epochs` passes of minibatches; each computes π_ref's sequence log-probabilities of chosen and
 * rejected completions (no gradient), then one optimizer step on {@link dpoLoss} of the policy's,
 * with the RPO term `rpoAlpha` · NLL(y_w) when `rpoAlpha` > 0 (from the same forward pass).
 */
export async function dpoTrain(
  model: TinyGptModel,
  reference: TinyGptModel,
  tokenizer: Tokenizer,
  pairs: readonly PreferencePair[],
  options: DpoOptions = {},
): Promise<DpoResult> {
  const config = resolveDpoConfig(options.config);
  if (pairs.length === 0) {
    throw new O1labError('INVALID_INPUT', 'no preference pairs to train on', { where: 'dpoTrain' });
  }
  const stepsPerEpoch = Math.ceil(pairs.length / config.batchSize);
  const trainer = options.trainer ?? defaultTrainer(model, config, config.epochs * stepsPerEpoch);
  const rng = createRng(config.seed);
  const normalise = config.lossType === 'ipo' && config.ipoLengthNormalise;
  const history: DpoStepLog[] = [];
  let updateTimeMs = 0;
  let referenceTimeMs = 0;
  let step = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = rng.shuffle(pairs.map((_, i) => i));
    for (let s = 0; s < stepsPerEpoch; s++) {
      const rows = order.slice(s * config.batchSize, (s + 1) * config.batchSize).map((i) => pairs[i]!);
      const N = rows.length;
      const batch = preferenceBatch(tokenizer, rows, {
        context: model.config.context,
        appendEos: config.appendEos,
      });
      // Reference log-probabilities (frozen π_ref)
      const t0 = performance.now();
      const refLogps = tf.tidy(() => sequenceLogprobs(reference, batch, normalise));
      const [referenceChosen, referenceRejected] = tf.split(refLogps, [N, N]) as [tf.Tensor1D, tf.Tensor1D];
      refLogps.dispose();
      referenceTimeMs += performance.now() - t0;
      // Policy loss and step
      const t1 = performance.now();
      const r = trainer.stepWithLoss(() => {
        const { sums, numTokens } = completionLogprobs(model, batch); // [2N]: chosen rows, then rejected
        const logps = normalise ? perTokenLogprobs(sums, numTokens) : sums;
        const [policyChosen, policyRejected] = tf.split(logps, [N, N]) as [tf.Tensor1D, tf.Tensor1D];
        const chosenNll = meanTokenNll(sums.slice(0, N), numTokens.slice(0, N));
        const out = dpoLoss(
          { policyChosen, policyRejected, referenceChosen, referenceRejected, chosenNll },
          config.beta,
          config.lossType,
          config.labelSmoothing,
          config.rpoAlpha,
          config.dpopLambda,
        );
        return {
          loss: out.loss,
          metrics: {
            nll: chosenNll,
            chosenReward: tf.mean(out.chosenRewards) as tf.Scalar,
            rejectedReward: tf.mean(out.rejectedRewards) as tf.Scalar,
            rewardAccuracy: tf.mean(
              tf.cast(tf.greater(out.chosenRewards, out.rejectedRewards), 'float32'),
            ) as tf.Scalar,
          },
        };
      });
      updateTimeMs += performance.now() - t1;
      tf.dispose([referenceChosen, referenceRejected]);
      step++;
      const log: DpoStepLog = {
        step,
        epoch,
        loss: r.loss,
        chosenReward: r.metrics.chosenReward!,
        rejectedReward: r.metrics.rejectedReward!,
        rewardAccuracy: r.metrics.rewardAccuracy!,
        nll: r.metrics.nll!,
        gradNorm: r.gradNorm,
        lr: r.lr,
      };
      history.push(log);
      options.onStep?.(log);
    }
  }
  return { config, numSteps: step, numPairs: pairs.length, history, updateTimeMs, referenceTimeMs };
}

function defaultTrainer(model: TinyGptModel, config: DpoConfig, totalSteps: number): Trainer {
  return createTrainer(model, {
    learningRate: config.learningRate,
    minLearningRate: config.minLearningRate,
    warmupSteps: config.warmupSteps,
    totalSteps: Math.max(1, totalSteps),
    weightDecay: config.weightDecay,
    gradClipNorm: config.gradClipNorm,
  });
}
