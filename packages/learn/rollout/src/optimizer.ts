import { O1labError } from '@o1lab/core';
import { learningRateAt, resolveTrainConfig, type TinyGptModel, type TrainConfig } from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';

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
  readonly stepCount: number;
  /** One optimizer step on `lossFn()`, a scalar built from the model's variables. */
  step(lossFn: () => tf.Scalar): LossStepResult;
}

/**
 * An optimizer step over a custom loss with the model trainer's rules (`createTrainer` in
 * `@o1lab/model`): AdamW with decoupled decay on weight matrices only (Loshchilov & Hutter 2019,
 * Algorithm 2), the same warmup + cosine schedule (`learningRateAt`) and global-norm clipping
 * (Pascanu et al. 2013). Uses only `TrainConfig`'s optimizer fields (`lmLossCoef` and friends do
 * not apply to a custom loss).
 */
export function createPolicyOptimizer(
  model: TinyGptModel,
  options: Partial<TrainConfig> = {},
): PolicyOptimizer {
  const config = resolveTrainConfig(options);
  const byTfName = new Map([...model.variables].map(([name, v]) => [v.name, name]));
  const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  let stepCount = 0;
  return {
    model,
    config,
    get stepCount() {
      return stepCount;
    },
    step(lossFn) {
      const lr = learningRateAt(config, stepCount);
      const t = stepCount + 1;
      const { value, grads } = tf.variableGrads(lossFn);
      const loss = value.dataSync()[0]!;
      value.dispose();
      if (!Number.isFinite(loss)) {
        tf.dispose(Object.values(grads));
        throw new O1labError('INVALID_INPUT', `the loss is ${loss}; no step taken`, {
          where: 'PolicyOptimizer.step',
          hint: 'check the advantages and log-probabilities for NaN or Infinity',
        });
      }
      const arrays = new Map<string, Float32Array>();
      for (const [tfName, g] of Object.entries(grads)) {
        const name = byTfName.get(tfName);
        if (name !== undefined) arrays.set(name, g.dataSync() as Float32Array);
      }
      tf.dispose(Object.values(grads));
      let squares = 0;
      for (const g of arrays.values()) for (let i = 0; i < g.length; i++) squares += g[i]! * g[i]!;
      const gradNorm = Math.sqrt(squares);
      const clip =
        config.gradClipNorm > 0 && gradNorm > config.gradClipNorm ? config.gradClipNorm / gradNorm : 1;
      const { beta1: b1, beta2: b2, eps } = config;
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      for (const [name, g] of arrays) {
        const variable = model.variables.get(name)!;
        let mv = moments.get(name);
        if (mv === undefined) {
          mv = { m: new Float32Array(g.length), v: new Float32Array(g.length) };
          moments.set(name, mv);
        }
        const { m, v } = mv;
        const p = Float32Array.from(variable.dataSync() as Float32Array);
        const decayed =
          config.weightDecay > 0 && variable.rank >= 2 && (config.decayEmbeddings || !EMBEDDINGS.has(name));
        const decay = decayed ? 1 - lr * config.weightDecay : 1;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! * clip;
          const mi = b1 * m[i]! + (1 - b1) * gi;
          const vi = b2 * v[i]! + (1 - b2) * gi * gi;
          m[i] = mi;
          v[i] = vi;
          p[i] = p[i]! * decay - (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
        }
        tf.tidy(() => variable.assign(tf.tensor(p, variable.shape, 'float32')));
      }
      stepCount++;
      return { step: stepCount, loss, gradNorm, lr };
    },
  };
}

const EMBEDDINGS = new Set(['wte', 'wpe']);
