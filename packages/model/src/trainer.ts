import { createRng, O1labError, Rng, type RngState } from '@o1lab/core';
import * as tf from '@tensorflow/tfjs';
import type { TrainBatch } from './batch.js';
import { attentionBias, positionIdsFromMask, type TinyGptModel } from './tf-model.js';
import { learningRateAt, resolveTrainConfig, type TrainConfig } from './train-config.js';

/** What one optimizer step did. Losses are the batch means over masked positions, before the step. */
export interface TrainStepResult {
  /** Optimizer steps taken so far, this one included. */
  readonly step: number;
  /** `lmLossCoef * lmLoss + valueLossCoef * valueLoss`. */
  readonly loss: number;
  /** Mean next-token cross-entropy in nats over the loss mask. */
  readonly lmLoss?: number;
  /** Mean value-head loss over the value mask. */
  readonly valueLoss?: number;
  /** Learning rate used by this step. */
  readonly lr: number;
  /** Global L2 norm of the gradient before clipping. */
  readonly gradNorm: number;
  /** Positions the next-token loss was taken over. */
  readonly numTokens: number;
}

/**
 * A custom loss for {@link Trainer.stepWithLoss}: the scalar to minimise, and optional named scalar
 * tensors to read back (e.g. `{ kl, clipFraction }`). Runs inside the gradient tape; tensors it
 * makes are disposed after the step.
 */
export type CustomLoss = (model: TinyGptModel) => {
  readonly loss: tf.Scalar;
  readonly metrics?: Readonly<Record<string, tf.Scalar>>;
};

/** What {@link Trainer.stepWithLoss} did. */
export interface CustomStepResult {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  /** Global L2 norm of the gradient before clipping. */
  readonly gradNorm: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** Losses of {@link Trainer.evaluate}. */
export interface EvalResult {
  readonly loss: number;
  readonly lmLoss?: number;
  readonly valueLoss?: number;
}

/** AdamW first and second moments of one weight. */
export interface AdamMoments {
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/** Everything besides the weights that a resumed run needs (saved in checkpoints). */
export interface TrainerState {
  /** Optimizer steps taken. */
  readonly step: number;
  readonly rng: RngState;
  /** By weight name; a weight without moments has not received a gradient yet. */
  readonly moments: ReadonlyMap<string, AdamMoments>;
}

/** Trains a {@link TinyGptModel} in place with AdamW. */
export interface Trainer {
  readonly model: TinyGptModel;
  readonly config: TrainConfig;
  /** Randomness for drawing batches, seeded by `config.seed` and checkpointed. */
  readonly rng: Rng;
  /** Optimizer steps taken. */
  readonly stepCount: number;
  /** One optimizer step on `batch` (split into `gradAccumulation` micro-batches). */
  step(batch: TrainBatch): TrainStepResult;
  /**
   * One optimizer step on a custom differentiable loss (policy-gradient, DPO, distillation losses):
   * `loss` builds a scalar from the model (typically through `model.apply`) and may return named
   * scalar readings to report. Same AdamW, clipping and schedule as {@link Trainer.step}.
   */
  stepWithLoss(loss: CustomLoss): CustomStepResult;
  /** The losses of `batch` without a gradient step. */
  evaluate(batch: TrainBatch): EvalResult;
  getState(): TrainerState;
  /** Restores step count, Rng and moments from {@link Trainer.getState} or a checkpoint. */
  setState(state: TrainerState): void;
  /** Drops the optimizer's moments (not the model). */
  dispose(): void;
}

const EMBEDDINGS = new Set(['wte', 'wpe']);

/**
 * A trainer for `model`: next-token cross-entropy under a loss mask plus an optional value-head
 * loss, AdamW with decoupled weight decay (Loshchilov & Hutter 2019, Algorithm 2, with PyTorch's
 * `p *= 1 - lr * λ` so the decay follows the schedule), linear warmup + cosine learning rate,
 * global-norm clipping (Pascanu et al. 2013) and gradient accumulation.
 *
 * Accumulated micro-batches divide their summed losses by the whole batch's mask counts, so a step
 * with `gradAccumulation` k equals the step on the whole batch up to float rounding.
 */
export function createTrainer(model: TinyGptModel, options: Partial<TrainConfig> = {}): Trainer {
  const config = resolveTrainConfig(options);
  let rng = createRng(config.seed);
  let stepCount = 0;
  const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  const names = [...model.variables.keys()];
  const byTfName = new Map([...model.variables].map(([name, v]) => [v.name, name]));

  const momentsOf = (name: string) => {
    let mv = moments.get(name);
    if (mv === undefined) {
      const size = model.variables.get(name)!.size;
      mv = { m: new Float32Array(size), v: new Float32Array(size) };
      moments.set(name, mv);
    }
    return mv;
  };

  // Global-norm clipping and the AdamW update, in JavaScript: a TinyGPT step has ~30 weights, and
  // ~16 tfjs ops per weight cost more in dispatch than the arithmetic itself. Disposes `grads`.
  const applyGradients = (grads: tf.NamedTensorMap, lr: number, t: number): number => {
    const gradArrays = new Map<string, Float32Array>();
    for (const [name, g] of Object.entries(grads)) gradArrays.set(name, g.dataSync() as Float32Array);
    tf.dispose(Object.values(grads));
    let squares = 0;
    for (const g of gradArrays.values()) for (let i = 0; i < g.length; i++) squares += g[i]! * g[i]!;
    const gradNorm = Math.sqrt(squares);
    if (!Number.isFinite(gradNorm)) {
      throw new O1labError(
        'INVALID_INPUT',
        `gradient norm is ${gradNorm} at step ${t}; weights left unchanged`,
        {
          where: 'Trainer.step',
          hint: 'lower learningRate, or check the batch for extreme value targets and the loss for log(0)',
        },
      );
    }
    const clip =
      config.gradClipNorm > 0 && gradNorm > config.gradClipNorm ? config.gradClipNorm / gradNorm : 1;
    const { beta1: b1, beta2: b2, eps } = config;
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    for (const name of names) {
      const g = gradArrays.get(name);
      if (g === undefined) continue;
      const variable = model.variables.get(name)!;
      const p = Float32Array.from(variable.dataSync() as Float32Array);
      const { m, v } = momentsOf(name);
      const decay = isDecayed(name, variable.rank, config) ? 1 - lr * config.weightDecay : 1;
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
    return gradNorm;
  };

  const trainer: Trainer = {
    model,
    config,
    get rng() {
      return rng;
    },
    get stepCount() {
      return stepCount;
    },

    step(batch) {
      const prepared = prepareBatch(batch, model, config, 'Trainer.step');
      const { B } = batch;
      if (B % config.gradAccumulation !== 0) {
        throw new O1labError(
          'INVALID_INPUT',
          `batch of ${B} rows cannot be split into \`gradAccumulation\` ${config.gradAccumulation} micro-batches`,
          { where: 'Trainer.step' },
        );
      }
      if (prepared.lmCount === 0 && prepared.valueCount === 0) {
        throw new O1labError('INVALID_INPUT', 'the batch has no masked position to train on', {
          where: 'Trainer.step',
        });
      }
      const lr = learningRateAt(config, stepCount);
      const t = stepCount + 1;
      const rowsPer = B / config.gradAccumulation;
      // Gradients, summed over micro-batches
      const { grads, readings } = tf.tidy((): { grads: tf.NamedTensorMap; readings: tf.Tensor } => {
        const sums = new Map<string, tf.Tensor>();
        let lmSum: tf.Scalar = tf.scalar(0);
        let valueSum: tf.Scalar = tf.scalar(0);
        for (let k = 0; k < config.gradAccumulation; k++) {
          let parts: LossParts | undefined;
          const { grads: g } = tf.variableGrads(() => {
            parts = lossParts(model, prepared, k * rowsPer, (k + 1) * rowsPer, config);
            // variableGrads disposes everything f made but its result; keep the parts to report.
            tf.keep(parts.lm);
            tf.keep(parts.value);
            return parts.total;
          });
          lmSum = tf.add(lmSum, parts!.lm);
          valueSum = tf.add(valueSum, parts!.value);
          tf.dispose([parts!.lm, parts!.value]);
          for (const [tfName, grad] of Object.entries(g)) {
            const name = byTfName.get(tfName)!;
            const prev = sums.get(name);
            sums.set(name, prev === undefined ? grad : tf.add(prev, grad));
          }
        }
        return { grads: Object.fromEntries(sums), readings: tf.stack([lmSum, valueSum]) };
      });
      const [lmLoss, valueLoss] = readings.dataSync();
      readings.dispose();
      const gradNorm = applyGradients(grads, lr, t);
      stepCount++;
      return {
        step: stepCount,
        ...combine(config, prepared, lmLoss!, valueLoss!),
        lr,
        gradNorm,
        numTokens: prepared.lmCount,
      };
    },

    stepWithLoss(loss) {
      const lr = learningRateAt(config, stepCount);
      const t = stepCount + 1;
      let readings: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = loss(model);
        readings = { ...(out.metrics ?? {}) };
        for (const r of Object.values(readings)) tf.keep(r);
        return out.loss;
      });
      const byName: tf.NamedTensorMap = {};
      for (const [tfName, grad] of Object.entries(grads)) {
        const name = byTfName.get(tfName);
        if (name === undefined) grad.dispose();
        else byName[name] = grad;
      }
      const lossValue = value.dataSync()[0]!;
      value.dispose();
      const metrics: Record<string, number> = {};
      for (const [name, r] of Object.entries(readings)) metrics[name] = r.dataSync()[0]!;
      tf.dispose(Object.values(readings));
      if (!Number.isFinite(lossValue)) {
        tf.dispose(Object.values(byName));
        throw new O1labError(
          'INVALID_INPUT',
          `the custom loss is not finite (${lossValue}); weights left unchanged`,
          {
            where: 'Trainer.stepWithLoss',
          },
        );
      }
      const gradNorm = applyGradients(byName, lr, t);
      stepCount++;
      return { step: stepCount, loss: lossValue, lr, gradNorm, metrics };
    },

    evaluate(batch) {
      const prepared = prepareBatch(batch, model, config, 'Trainer.evaluate');
      const readings = tf.tidy(() => {
        const parts = lossParts(model, prepared, 0, batch.B, config);
        return tf.stack([parts.lm, parts.value]);
      });
      const [lmLoss, valueLoss] = readings.dataSync();
      readings.dispose();
      return combine(config, prepared, lmLoss!, valueLoss!);
    },

    getState() {
      const out = new Map<string, AdamMoments>();
      for (const [name, { m, v }] of moments) out.set(name, { m: m.slice(), v: v.slice() });
      return { step: stepCount, rng: rng.getState(), moments: out };
    },

    setState(state) {
      const where = 'Trainer.setState';
      for (const [name, mv] of state.moments) {
        const p = model.variables.get(name);
        if (p === undefined)
          throw new O1labError('INVALID_INPUT', `moments for unknown weight '${name}'`, { where });
        if (mv.m.length !== p.size || mv.v.length !== p.size) {
          throw new O1labError(
            'INVALID_INPUT',
            `moments of '${name}' have ${mv.m.length}/${mv.v.length} values, the weight has ${p.size}`,
            { where },
          );
        }
      }
      if (!Number.isInteger(state.step) || state.step < 0) {
        throw new O1labError('INVALID_INPUT', `step must be a non-negative integer, got ${state.step}`, {
          where,
        });
      }
      moments.clear();
      for (const [name, mv] of state.moments) moments.set(name, { m: mv.m.slice(), v: mv.v.slice() });
      stepCount = state.step;
      rng = Rng.fromState(state.rng);
    },

    dispose() {
      moments.clear();
    },
  };
  return trainer;
}

function isDecayed(name: string, rank: number, config: TrainConfig): boolean {
  if (config.weightDecay === 0 || rank < 2) return false;
  return config.decayEmbeddings || !EMBEDDINGS.has(name);
}

interface PreparedBatch {
  readonly B: number;
  readonly T: number;
  readonly inputIds: Int32Array;
  readonly positionIds: Int32Array;
  readonly attentionMask: Int32Array;
  readonly targets?: Int32Array;
  readonly lossMask: Float32Array;
  readonly valueTargets?: Float32Array;
  readonly valueMask: Float32Array;
  readonly lmCount: number;
  readonly valueCount: number;
}

function prepareBatch(
  batch: TrainBatch,
  model: TinyGptModel,
  config: TrainConfig,
  where: string,
): PreparedBatch {
  const { B, T } = batch;
  const c = model.config;
  if (!Number.isInteger(B) || !Number.isInteger(T) || B < 1 || T < 1) {
    throw new O1labError('INVALID_INPUT', `batch B and T must be positive integers, got B=${B} T=${T}`, {
      where,
    });
  }
  if (T > c.context) {
    throw new O1labError('INVALID_INPUT', `batch length T=${T} exceeds the model context ${c.context}`, {
      where,
    });
  }
  const n = B * T;
  const check = (name: string, a: ArrayLike<number> | undefined) => {
    if (a !== undefined && a.length !== n) {
      throw new O1labError('INVALID_INPUT', `\`${name}\` has ${a.length} entries, expected B x T = ${n}`, {
        where,
      });
    }
  };
  check('inputIds', batch.inputIds);
  check('targets', batch.targets);
  check('lossMask', batch.lossMask);
  check('attentionMask', batch.attentionMask);
  check('positionIds', batch.positionIds);
  check('valueTargets', batch.valueTargets);
  check('valueMask', batch.valueMask);
  checkRange('inputIds', batch.inputIds, c.vocabSize, where);
  if (batch.targets !== undefined) checkRange('targets', batch.targets, c.vocabSize, where);
  const attentionMask = batch.attentionMask ?? new Int32Array(n).fill(1);
  const positionIds = batch.positionIds ?? positionIdsFromMask(attentionMask, B, T);
  checkRange('positionIds', positionIds, c.context, where);
  const lossMask = batch.lossMask ?? Float32Array.from(attentionMask);
  const valueMask = batch.valueMask ?? Float32Array.from(attentionMask);
  if (config.lmLossCoef > 0 && batch.targets === undefined) {
    throw new O1labError('INVALID_INPUT', 'batch has no `targets` but `lmLossCoef` > 0', {
      where,
      hint: 'set lmLossCoef: 0 to train the value head alone',
    });
  }
  if (batch.valueTargets !== undefined && !c.valueHead) {
    throw new O1labError('INVALID_INPUT', 'batch has `valueTargets` but the model has no value head', {
      where,
      hint: 'create the model with valueHead: true',
    });
  }
  return {
    B,
    T,
    inputIds: batch.inputIds,
    positionIds,
    attentionMask,
    ...(batch.targets === undefined ? {} : { targets: batch.targets }),
    lossMask,
    ...(batch.valueTargets === undefined ? {} : { valueTargets: batch.valueTargets }),
    valueMask,
    lmCount: batch.targets === undefined ? 0 : sum(lossMask),
    valueCount: batch.valueTargets === undefined ? 0 : sum(valueMask),
  };
}

interface LossParts {
  readonly total: tf.Scalar;
  /** Masked next-token NLL summed over the rows, divided by the whole batch's mask count. */
  readonly lm: tf.Scalar;
  readonly value: tf.Scalar;
}

/** Losses of rows [r0, r1) of `batch`, normalised by the whole batch's mask counts. */
function lossParts(
  model: TinyGptModel,
  batch: PreparedBatch,
  r0: number,
  r1: number,
  config: TrainConfig,
): LossParts {
  const { T } = batch;
  const rows = r1 - r0;
  const a = r0 * T;
  const b = r1 * T;
  const out = model.apply({
    inputIds: tf.tensor2d(batch.inputIds.subarray(a, b), [rows, T], 'int32'),
    positionIds: tf.tensor2d(batch.positionIds.subarray(a, b), [rows, T], 'int32'),
    maskBias: tf.tensor4d(attentionBias(batch.attentionMask.subarray(a, b), rows, T, 0), [rows, 1, T, T]),
  });
  const V = model.config.vocabSize;
  let lm: tf.Scalar = tf.scalar(0);
  let total: tf.Scalar = tf.scalar(0);
  if (batch.targets !== undefined && batch.lmCount > 0) {
    // Cross-entropy as -sum(onehot * log_softmax): a gather's gradient needs UnsortedSegmentSum,
    // which tfjs-backend-wasm lacks.
    const logp = tf.logSoftmax(out.logits.reshape([rows * T, V]));
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(batch.targets.subarray(a, b), 'int32'), V), 'float32');
    const nll = tf.neg(tf.sum(tf.mul(logp, onehot), -1)); // [rows*T]
    lm = tf.div(tf.sum(tf.mul(nll, tf.tensor1d(batch.lossMask.subarray(a, b)))), batch.lmCount);
    total = tf.add(total, tf.mul(lm, config.lmLossCoef));
  }
  let value: tf.Scalar = tf.scalar(0);
  if (batch.valueTargets !== undefined && out.values !== undefined && batch.valueCount > 0) {
    const x = out.values.reshape([rows * T]);
    const y = tf.tensor1d(batch.valueTargets.subarray(a, b));
    // BCE with logits in the overflow-safe form max(x, 0) - x y + log(1 + exp(-|x|)).
    const perPosition =
      config.valueLoss === 'mse'
        ? tf.square(tf.sub(x, y))
        : tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    value = tf.div(
      tf.sum(tf.mul(perPosition, tf.tensor1d(batch.valueMask.subarray(a, b)))),
      batch.valueCount,
    );
    total = tf.add(total, tf.mul(value, config.valueLossCoef));
  }
  return { total, lm, value };
}

function combine(config: TrainConfig, batch: PreparedBatch, lmLoss: number, valueLoss: number): EvalResult {
  const hasLm = batch.targets !== undefined && batch.lmCount > 0;
  const hasValue = batch.valueTargets !== undefined && batch.valueCount > 0;
  return {
    loss: (hasLm ? config.lmLossCoef * lmLoss : 0) + (hasValue ? config.valueLossCoef * valueLoss : 0),
    ...(hasLm ? { lmLoss } : {}),
    ...(hasValue ? { valueLoss } : {}),
  };
}

function checkRange(name: string, a: ArrayLike<number>, limit: number, where: string): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (!Number.isInteger(x) || x < 0 || x >= limit) {
      throw new O1labError('INVALID_INPUT', `\`${name}\`[${i}] = ${x} is outside 0..${limit - 1}`, { where });
    }
  }
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
