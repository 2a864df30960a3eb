import { createTrainer, type TinyGptModel, type TrainConfig, type Trainer } from '@o1lab/model';
import type * as tf from '@tensorflow/tfjs';

/** What one {@link PolicyOptimizer.step} did. */
export interface LossStepResult {
  /** Optimizer steps taken so far, this one included. */
  readonly step: number;
  /** The loss before the step. */
  readonly loss: number;
  /** Global L2 norm of the gradient before clipping. */
  readonly gradNorm: number;
  readonly lr: number;
}

/** AdamW over a TinyGPT model for any differentiable loss. */
export interface PolicyOptimizer {
  readonly model: TinyGptModel;
  readonly config: TrainConfig;
  /** The model trainer that takes the steps (its state is what a checkpoint saves). */
  readonly trainer: Trainer;
  readonly stepCount: number;
  /** One optimizer step on `lossFn()`, a scalar built from the model's variables. */
  step(lossFn: () => tf.Scalar): LossStepResult;
}

/**
 * An optimizer step over a custom loss with the model trainer's rules: `Trainer.stepWithLoss` of
 * `@o1lab/model` (AdamW with decoupled decay on weight matrices, Loshchilov & Hutter 2019; warmup +
 * cosine schedule; global-norm clipping, Pascanu et al. 2013). Only `TrainConfig`'s optimizer fields
 * apply. Pass `trainer` to resume (its step count and moments continue).
 */
export function createPolicyOptimizer(
  model: TinyGptModel,
  options: Partial<TrainConfig> = {},
  trainer: Trainer = createTrainer(model, options),
): PolicyOptimizer {
  return {
    model,
    config: trainer.config,
    trainer,
    get stepCount() {
      return trainer.stepCount;
    },
    step(lossFn) {
      const r = trainer.stepWithLoss(() => ({ loss: lossFn() }));
      return { step: r.step, loss: r.loss, gradNorm: r.gradNorm, lr: r.lr };
    },
  };
}
