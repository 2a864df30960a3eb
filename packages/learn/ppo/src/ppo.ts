import {
  createRng,
  initialState,
  type Json,
  O1labError,
  type Problem,
  type Rng,
  type Task,
} from '@o1lab/core';
import {
  buildRolloutBatch,
  collectRollouts,
  completionSteps,
  createPolicyOptimizer,
  maskedWhiten,
  type PolicyOptimizer,
  pickRows,
  policyForward,
  type Rollout,
  type RolloutBatch,
  RolloutQueue,
  readPolicyForward,
  type Sampler,
  type StalenessStats,
  type StepRewardFn,
  sliceRolloutBatch,
  syncWeights,
  verifierRewards,
} from '@o1lab/learn-rollout';
import { createTinyGptModel, type TinyGptModel, type Tokenizer } from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';
import { type PpoConfig, type PpoConfigInput, resolvePpoConfig } from './config.js';

/** What PPO trains and samples with. */
export interface PpoContext<D extends Json = Json> {
  /** Policy and critic in one network: TinyGPT built with `valueHead: true`, trained in place. */
  readonly model: TinyGptModel;
  /** ONNX Runtime sampler of `model`; synced after every update. */
  readonly sampler: Sampler;
  readonly tokenizer: Tokenizer;
  readonly task: Task<D>;
  readonly problems: readonly Problem<D>[];
  /** Outcome reward of one completion, put on its last token. @default the task's verifier */
  readonly reward?: (rollout: Rollout) => number;
  /**
   * Dense per-step rewards (a PRM, potential-based shaping): one number per step of each
   * completion, put on the last token of that step (see `prmStepRewards`, `shapedStepRewards`).
   */
  readonly stepRewards?: StepRewardFn;
  /** Frozen reference of the KL penalty. @default a copy of `model` before training */
  readonly refModel?: TinyGptModel;
}

/** Statistics of one PPO step (one rollout batch). */
export interface PpoStepStats {
  readonly step: number;
  /** Mean outcome reward of the batch. */
  readonly meanReward: number;
  /** Mean sum of step rewards per completion (0 without `stepRewards`). */
  readonly meanStepReward: number;
  readonly loss: number;
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly entropy: number;
  /** Mean sequence KL sum_t (log pi_old - log pi_ref). */
  readonly kl: number;
  /** KL coefficient used for this batch's rewards. */
  readonly klCoef: number;
  readonly clipFraction: number;
  readonly gradNorm: number;
  readonly numSamples: number;
  readonly staleness: number;
  readonly rolloutMs: number;
  readonly updateMs: number;
  readonly syncMs: number;
}

/** Result of {@link ppoTrain}. */
export interface PpoResult {
  readonly config: PpoConfig;
  readonly steps: readonly PpoStepStats[];
  readonly staleness: StalenessStats;
  /** The KL coefficient after the last step. */
  readonly klCoef: number;
}

/** Hooks of the training loop. */
export interface PpoHooks {
  /** Called after each step; return true to stop training there (a time budget, an early stop). */
  readonly onStep?: (stats: PpoStepStats) => unknown;
  /**
   * Each batch's rollouts and task rewards before the update (write them as TRL
   * prompt/completion/reward JSONL with `rolloutRecords` / `writeRolloutsJsonl` of learn-rollout).
   */
  readonly onRollouts?: (rollouts: readonly Rollout[], rewards: readonly number[], step: number) => void;
}

interface GeneratedBatch {
  readonly rollouts: Rollout[];
  readonly scores: number[];
  readonly stepRewards: readonly (readonly number[])[] | undefined;
  readonly rolloutMs: number;
}

/**
 * Token-level PPO (Schulman et al. 2017) in the RLHF setup of Ouyang et al. 2022 / Ziegler et al.
 * 2019: completions are sampled in ONNX Runtime; each token's reward is the KL penalty to a frozen
 * reference, plus step rewards on the last token of each step, plus the outcome on the last token;
 * GAE (Schulman et al. 2016) over the value head gives advantages and returns; `numPpoEpochs`
 * passes of the clipped surrogate and clipped value loss update the model in tfjs; the weights go
 * back to ONNX Runtime.
 */
export async function ppoTrain<D extends Json>(
  context: PpoContext<D>,
  options: PpoConfigInput = {},
  hooks: PpoHooks = {},
): Promise<PpoResult> {
  const config = resolvePpoConfig(options);
  const { model, sampler, tokenizer, task, problems } = context;
  const where = 'ppoTrain';
  if (problems.length === 0) throw new O1labError('INVALID_INPUT', 'no training problems', { where });
  if (!model.config.valueHead) {
    throw new O1labError('INVALID_INPUT', 'PPO needs a critic: the model has no value head', {
      where,
      hint: 'create the model with valueHead: true',
    });
  }
  const root = createRng(config.seed);
  const promptRng = root.split();
  const updateRng = root.split();
  const reward = context.reward ?? ((r: Rollout) => verifierRewards(task, [r])[0]!);
  const ownRef = context.refModel === undefined;
  const ref = context.refModel ?? createTinyGptModel(model.config, model.getWeights());
  const optimizer = createPolicyOptimizer(model, config.optimizer);
  let klCoef = config.klCoef;

  // Rollout
  const generate = async (policyVersion: number): Promise<GeneratedBatch> => {
    const t0 = performance.now();
    const states = Array.from({ length: config.numPrompts }, () =>
      initialState(task, problems[promptRng.int(problems.length)]!),
    );
    const rollouts = await collectRollouts(sampler.policy, tokenizer, states, config.rollout, {
      seed: promptRng.nextUint32(),
      policyVersion,
      stepDelimiter: sampler.policy.config.stepDelimiter,
    });
    const stepRewards = context.stepRewards === undefined ? undefined : await context.stepRewards(rollouts);
    return { rollouts, scores: rollouts.map(reward), stepRewards, rolloutMs: performance.now() - t0 };
  };

  const queue = new RolloutQueue(generate, { maxStaleness: config.maxStaleness });
  const steps: PpoStepStats[] = [];
  try {
    for (let step = 0; step < config.numSteps; step++) {
      const { rollouts: gen, staleness } = await queue.next();
      hooks.onRollouts?.(gen.rollouts, gen.scores, step + 1);
      const t1 = performance.now();
      const batch = buildRolloutBatch(gen.rollouts, {
        padId: tokenizer.padId,
        context: model.config.context,
      });
      const refLogprobs = readPolicyForward(ref, batch).logprobs;
      const oldValues = readPolicyForward(model, batch).values!;
      // Rewards: KL penalty per token, step rewards at step ends, outcome on the last token.
      const stepTokens =
        gen.stepRewards === undefined
          ? undefined
          : stepRewardTokens(batch, gen.rollouts, gen.stepRewards, tokenizer, task.stepDelimiter);
      let rewards = ppoTokenRewards(batch, gen.scores, refLogprobs, klCoef, stepTokens);
      if (config.whitenRewards) rewards = maskedWhiten(rewards, batch.completionMask, { shiftMean: false });
      // Advantages
      const { advantages: raw, returns } = gae(batch, rewards, oldValues, config.gamma, config.gaeLambda);
      const advantages = config.whitenAdvantages ? maskedWhiten(raw, batch.completionMask) : raw;
      // Policy and value loss
      const update = ppoUpdate(
        model,
        optimizer,
        batch,
        { advantages, returns, oldValues },
        config,
        updateRng,
      );
      const updateMs = performance.now() - t1;
      // KL controller (Ziegler et al. 2019)
      const kl = sequenceKl(batch, refLogprobs);
      const usedKlCoef = klCoef;
      if (config.adaptiveKl) klCoef = adaptiveKlCoef(klCoef, kl, config.klTarget, config.klHorizon, batch.B);
      // Weight sync
      const sync = await syncWeights(model, sampler.runtime);
      queue.markUpdated();
      const stats: PpoStepStats = {
        step: step + 1,
        meanReward: mean(gen.scores),
        meanStepReward:
          gen.stepRewards === undefined ? 0 : mean(gen.stepRewards.map((r) => r.reduce((a, b) => a + b, 0))),
        ...update,
        kl,
        klCoef: usedKlCoef,
        numSamples: batch.B,
        staleness,
        rolloutMs: gen.rolloutMs,
        updateMs,
        syncMs: sync.totalMs,
      };
      steps.push(stats);
      if (hooks.onStep?.(stats) === true) break;
    }
  } finally {
    await queue.drain();
    if (ownRef) ref.dispose();
  }
  return { config, steps, staleness: queue.stats(), klCoef };
}

/**
 * Per-token rewards `[B, T]` (Ziegler et al. 2019, eq. 2 at token level, as TRL):
 * r_t = -klCoef (log pi_old - log pi_ref) + stepReward_t, plus the outcome score on each
 * completion's last token.
 */
export function ppoTokenRewards(
  batch: RolloutBatch,
  scores: readonly number[],
  refLogprobs: Float32Array,
  klCoef: number,
  stepTokens?: Float32Array,
): Float32Array {
  const out = new Float32Array(batch.B * batch.T);
  for (let b = 0; b < batch.B; b++) {
    const s = b * batch.T + batch.completionStart[b]!;
    const n = batch.completionLength[b]!;
    for (let j = 0; j < n; j++) {
      const i = s + j;
      out[i] = -klCoef * (batch.oldLogprobs[i]! - refLogprobs[i]!) + (stepTokens?.[i] ?? 0);
    }
    out[s + n - 1]! += scores[b]!;
  }
  return out;
}

/**
 * Generalised advantage estimation (Schulman et al. 2016, eq. 16) over each completion:
 * delta_t = r_t + gamma V_{t+1} - V_t with V = 0 after the last token,
 * A_t = delta_t + gamma lambda A_{t+1}, returns R_t = A_t + V_t. `[B, T]` in and out.
 */
export function gae(
  batch: RolloutBatch,
  rewards: Float32Array,
  values: Float32Array,
  gamma: number,
  lambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const advantages = new Float32Array(batch.B * batch.T);
  const returns = new Float32Array(batch.B * batch.T);
  for (let b = 0; b < batch.B; b++) {
    const s = b * batch.T + batch.completionStart[b]!;
    const n = batch.completionLength[b]!;
    let next = 0;
    for (let j = n - 1; j >= 0; j--) {
      const i = s + j;
      const nextValue = j + 1 < n ? values[i + 1]! : 0;
      const delta = rewards[i]! + gamma * nextValue - values[i]!;
      next = delta + gamma * lambda * next;
      advantages[i] = next;
      returns[i] = next + values[i]!;
    }
  }
  return { advantages, returns };
}

/** Tensors of the PPO loss, all `[B, T]`. */
export interface PpoLossInputs {
  readonly logprobs: tf.Tensor2D;
  readonly oldLogprobs: tf.Tensor2D;
  readonly advantages: tf.Tensor2D;
  readonly values: tf.Tensor2D;
  readonly oldValues: tf.Tensor2D;
  readonly returns: tf.Tensor2D;
  readonly mask: tf.Tensor2D;
  /** Needed when `entropyCoef` > 0. */
  readonly entropy?: tf.Tensor2D;
}

/** Scalars of {@link ppoLoss}. */
export interface PpoLossParts {
  readonly loss: tf.Scalar;
  readonly policyLoss: tf.Scalar;
  readonly valueLoss: tf.Scalar;
  readonly entropy: tf.Scalar;
  readonly clipFraction: tf.Scalar;
}

/**
 * PPO loss, token-mean over the mask: policy max(-A rho, -A clip(rho, 1 - eps, 1 + eps))
 * (Schulman et al. 2017, eq. 7); value 0.5 max((V - R)^2, (clip(V, V_old - epsV, V_old + epsV) -
 * R)^2) (clipped value loss of the PPO baselines, as TRL); loss = policy + vfCoef value -
 * entropyCoef entropy (eq. 9).
 */
export function ppoLoss(
  x: PpoLossInputs,
  config: Pick<PpoConfig, 'clipRange' | 'clipRangeValue' | 'vfCoef' | 'entropyCoef'>,
): PpoLossParts {
  return tf.tidy(() => {
    const mean = (t: tf.Tensor): tf.Scalar =>
      tf.div(tf.sum(tf.mul(t, x.mask)), tf.maximum(tf.sum(x.mask), 1));
    const ratio = tf.exp(tf.sub(x.logprobs, x.oldLogprobs));
    const negAdv = tf.neg(x.advantages);
    const unclipped = tf.mul(negAdv, ratio);
    const clipped = tf.mul(negAdv, tf.clipByValue(ratio, 1 - config.clipRange, 1 + config.clipRange));
    const policyLoss = mean(tf.maximum(unclipped, clipped));
    const clipFraction = mean(tf.cast(tf.greater(clipped, unclipped), 'float32'));
    const vClipped = tf.add(
      x.oldValues,
      tf.clipByValue(tf.sub(x.values, x.oldValues), -config.clipRangeValue, config.clipRangeValue),
    );
    const valueLoss: tf.Scalar = tf.mul(
      mean(tf.maximum(tf.square(tf.sub(x.values, x.returns)), tf.square(tf.sub(vClipped, x.returns)))),
      0.5,
    );
    const entropy = x.entropy === undefined ? tf.scalar(0) : mean(x.entropy);
    const loss: tf.Scalar = tf.sub(
      tf.add(policyLoss, tf.mul(valueLoss, config.vfCoef)),
      tf.mul(entropy, config.entropyCoef),
    );
    return { loss, policyLoss, valueLoss, entropy, clipFraction };
  });
}

/** `numPpoEpochs` passes of minibatch steps on one rollout batch. */
export function ppoUpdate(
  model: TinyGptModel,
  optimizer: PolicyOptimizer,
  batch: RolloutBatch,
  targets: {
    readonly advantages: Float32Array;
    readonly returns: Float32Array;
    readonly oldValues: Float32Array;
  },
  config: PpoConfig,
  rng: Rng,
): {
  loss: number;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  clipFraction: number;
  gradNorm: number;
} {
  const size = batch.B / config.numMiniBatches;
  const sums = { loss: 0, policyLoss: 0, valueLoss: 0, entropy: 0, clipFraction: 0, gradNorm: 0 };
  let n = 0;
  for (let epoch = 0; epoch < config.numPpoEpochs; epoch++) {
    const order = shuffled(batch.B, rng);
    for (let k = 0; k < config.numMiniBatches; k++) {
      const rows = order.slice(k * size, (k + 1) * size);
      const mb = sliceRolloutBatch(batch, rows);
      const shape: [number, number] = [mb.B, mb.T];
      const pick = (a: Float32Array) => tf.tensor2d(pickRows(a, batch.T, rows), shape);
      let readings: tf.Tensor | undefined;
      const result = optimizer.step(() => {
        const out = policyForward(model, mb, { entropy: true });
        const parts = ppoLoss(
          {
            logprobs: out.logprobs,
            oldLogprobs: tf.tensor2d(mb.oldLogprobs, shape),
            advantages: pick(targets.advantages),
            values: out.values!,
            oldValues: pick(targets.oldValues),
            returns: pick(targets.returns),
            mask: tf.tensor2d(mb.completionMask, shape),
            entropy: out.entropy!,
          },
          config,
        );
        readings = tf.keep(tf.stack([parts.policyLoss, parts.valueLoss, parts.entropy, parts.clipFraction]));
        return parts.loss;
      });
      const [policyLoss, valueLoss, entropy, clipFraction] = readings!.dataSync();
      readings!.dispose();
      sums.loss += result.loss;
      sums.policyLoss += policyLoss!;
      sums.valueLoss += valueLoss!;
      sums.entropy += entropy!;
      sums.clipFraction += clipFraction!;
      sums.gradNorm += result.gradNorm;
      n++;
    }
  }
  return {
    loss: sums.loss / n,
    policyLoss: sums.policyLoss / n,
    valueLoss: sums.valueLoss / n,
    entropy: sums.entropy / n,
    clipFraction: sums.clipFraction / n,
    gradNorm: sums.gradNorm / n,
  };
}

/**
 * Adaptive KL controller (Ziegler et al. 2019, sec. 2.2): e = clip(KL / target - 1, -0.2, 0.2),
 * beta <- beta (1 + e nSteps / horizon).
 */
export function adaptiveKlCoef(
  klCoef: number,
  kl: number,
  target: number,
  horizon: number,
  nSteps: number,
): number {
  const error = Math.min(Math.max(kl / target - 1, -0.2), 0.2);
  return klCoef * (1 + (error * nSteps) / horizon);
}

/** Step rewards placed on the last token of each step, `[B, T]`; extra rewards go on the last token. */
export function stepRewardTokens(
  batch: RolloutBatch,
  rollouts: readonly Rollout[],
  stepRewards: readonly (readonly number[])[],
  tokenizer: Tokenizer,
  delimiter: string,
): Float32Array {
  const out = new Float32Array(batch.B * batch.T);
  rollouts.forEach((r, b) => {
    const rewards = stepRewards[b] ?? [];
    const { endTokens } = completionSteps(r.completionIds, tokenizer, delimiter);
    const s = b * batch.T + batch.completionStart[b]!;
    const last = r.completionIds.length - 1;
    rewards.forEach((x, k) => {
      out[s + (endTokens[k] ?? last)]! += x;
    });
  });
  return out;
}

function sequenceKl(batch: RolloutBatch, refLogprobs: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < refLogprobs.length; i++) {
    if (batch.completionMask[i] !== 0) sum += batch.oldLogprobs[i]! - refLogprobs[i]!;
  }
  return sum / batch.B;
}

function shuffled(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}
