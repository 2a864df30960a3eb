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
  sequenceToTokens,
  sliceRolloutBatch,
  syncWeights,
  verifierRewards,
} from '@o1lab/learn-rollout';
import { createTinyGptModel, type TinyGptModel, type Tokenizer } from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';
import { type ReinforceConfig, type ReinforceConfigInput, resolveReinforceConfig } from './config.js';

/** What a REINFORCE-family learner trains and samples with. */
export interface ReinforceContext<D extends Json = Json> {
  /** The policy, trained in place (tfjs). */
  readonly model: TinyGptModel;
  /** ONNX Runtime sampler of `model`; synced after every update. */
  readonly sampler: Sampler;
  readonly tokenizer: Tokenizer;
  readonly task: Task<D>;
  readonly problems: readonly Problem<D>[];
  /** Reward of one completion. @default the task's verifier (1 correct, 0 not) */
  readonly reward?: (rollout: Rollout) => number;
  /** Frozen reference of the KL term. @default a copy of `model` before training */
  readonly refModel?: TinyGptModel;
}

/** Statistics of one step. */
export interface ReinforceStepStats {
  readonly step: number;
  /** Mean task reward of the batch. */
  readonly meanReward: number;
  readonly loss: number;
  /** Mean per-token log pi_old - log pi_ref of the batch (0 without a reference). */
  readonly kl: number;
  /** The moving-average baseline after this step (`reinforce`), else NaN. */
  readonly baseline: number;
  readonly gradNorm: number;
  readonly numSamples: number;
  readonly staleness: number;
  readonly rolloutMs: number;
  readonly updateMs: number;
  readonly syncMs: number;
}

/** Result of {@link reinforceTrain}. */
export interface ReinforceResult {
  readonly config: ReinforceConfig;
  readonly steps: readonly ReinforceStepStats[];
  readonly staleness: StalenessStats;
}

/** Hooks of the training loop. */
export interface ReinforceHooks {
  /** Called after each step; return true to stop training there (a time budget, an early stop). */
  readonly onStep?: (stats: ReinforceStepStats) => unknown;
  /**
   * Each batch's rollouts and task rewards before the update (write them as TRL
   * prompt/completion/reward JSONL with `rolloutRecords` / `writeRolloutsJsonl` of learn-rollout).
   */
  readonly onRollouts?: (rollouts: readonly Rollout[], rewards: readonly number[], step: number) => void;
}

interface GeneratedBatch {
  readonly rollouts: Rollout[];
  readonly scores: number[];
  readonly rolloutMs: number;
}

/**
 * REINFORCE (Williams 1992) with a moving-average baseline, RLOO (Ahmadian et al. 2024) or
 * REINFORCE++ (Hu 2025) on TinyGPT: sample in ONNX Runtime, score, compute advantages, update in
 * tfjs, sync the weights back.
 */
export async function reinforceTrain<D extends Json>(
  context: ReinforceContext<D>,
  options: ReinforceConfigInput = {},
  hooks: ReinforceHooks = {},
): Promise<ReinforceResult> {
  const config = resolveReinforceConfig(options);
  const { model, sampler, tokenizer, task, problems } = context;
  if (problems.length === 0)
    throw new O1labError('INVALID_INPUT', 'no training problems', { where: 'reinforceTrain' });
  const G = config.rollout.numGenerations;
  const root = createRng(config.seed);
  const promptRng = root.split();
  const updateRng = root.split();
  const reward = context.reward ?? ((r: Rollout) => verifierRewards(task, [r])[0]!);
  const ownRef = config.klCoef > 0 && context.refModel === undefined;
  const ref =
    config.klCoef > 0
      ? (context.refModel ?? createTinyGptModel(model.config, model.getWeights()))
      : undefined;
  const optimizer = createPolicyOptimizer(model, config.optimizer);
  let baseline: number | undefined;

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
    return { rollouts, scores: rollouts.map(reward), rolloutMs: performance.now() - t0 };
  };

  const queue = new RolloutQueue(generate, { maxStaleness: config.maxStaleness });
  const steps: ReinforceStepStats[] = [];
  try {
    for (let step = 0; step < config.numSteps; step++) {
      const { rollouts: gen, staleness } = await queue.next();
      hooks.onRollouts?.(gen.rollouts, gen.scores, step + 1);
      const t1 = performance.now();
      const batch = buildRolloutBatch(gen.rollouts, {
        padId: tokenizer.padId,
        context: model.config.context,
      });
      const refLogprobs = ref === undefined ? undefined : readPolicyForward(ref, batch).logprobs;
      const klTokens = refLogprobs === undefined ? undefined : tokenKl(batch, refLogprobs);
      // Advantages
      let advantages: Float32Array;
      if (config.estimator === 'reinforce++') {
        advantages = reinforcePlusPlusAdvantages(batch, gen.scores, klTokens, config.klCoef, config.gamma);
      } else {
        // Sequence reward with the KL penalty in it (as TRL's RLOO): r_i - klCoef sum_t kl_t.
        const rewards = gen.scores.map(
          (s, b) => s - config.klCoef * (klTokens === undefined ? 0 : rowSum(batch, klTokens, b)),
        );
        let perRow: number[];
        if (config.estimator === 'rloo') {
          perRow = rlooAdvantages(rewards, G);
        } else {
          const next = movingBaselineAdvantages(rewards, baseline, config.baselineDecay);
          perRow = next.advantages;
          baseline = next.baseline;
        }
        advantages = sequenceToTokens(batch, perRow);
      }
      // Policy loss
      const update = reinforceUpdate(model, optimizer, batch, advantages, config, updateRng);
      const updateMs = performance.now() - t1;
      // Weight sync
      const sync = await syncWeights(model, sampler.runtime);
      queue.markUpdated();
      const stats: ReinforceStepStats = {
        step: step + 1,
        meanReward: gen.scores.reduce((a, b) => a + b, 0) / gen.scores.length,
        loss: update.loss,
        kl: klTokens === undefined ? 0 : maskedMeanOf(klTokens, batch.completionMask),
        baseline: config.estimator === 'reinforce' ? baseline! : Number.NaN,
        gradNorm: update.gradNorm,
        numSamples: gen.rollouts.length,
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
    if (ownRef) ref?.dispose();
  }
  return { config, steps, staleness: queue.stats() };
}

/**
 * REINFORCE with a moving-average baseline (Williams 1992, sec. 4 "reinforcement baseline"):
 * A_i = r_i - b with b from earlier batches (the first batch uses its own mean), then
 * b <- decay b + (1 - decay) mean(r).
 */
export function movingBaselineAdvantages(
  rewards: readonly number[],
  baseline: number | undefined,
  decay: number,
): { advantages: number[]; baseline: number } {
  const m = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  const b = baseline ?? m;
  return { advantages: rewards.map((r) => r - b), baseline: decay * b + (1 - decay) * m };
}

/** RLOO (Ahmadian et al. 2024, eq. 5): A_i = r_i - (1 / (k - 1)) sum_{j != i} r_j within groups of k. */
export function rlooAdvantages(rewards: readonly number[], k: number): number[] {
  if (k < 2 || rewards.length % k !== 0) {
    throw new O1labError(
      'INVALID_INPUT',
      `${rewards.length} rewards do not split into groups of k = ${k} >= 2`,
      {
        where: 'rlooAdvantages',
      },
    );
  }
  const out: number[] = [];
  for (let g = 0; g < rewards.length; g += k) {
    let sum = 0;
    for (let i = g; i < g + k; i++) sum += rewards[i]!;
    for (let i = g; i < g + k; i++) out.push(rewards[i]! - (sum - rewards[i]!) / (k - 1));
  }
  return out;
}

/**
 * REINFORCE++ advantages (Hu 2025, sec. 3): token rewards r_t = -klCoef kl_t, plus the score on
 * the last token; returns G_t = sum_{s >= t} gamma^(s-t) r_s; normalised over all completion
 * tokens of the batch ((G - mean) / sqrt(var + 1e-8), Bessel variance). `[B, T]`.
 */
export function reinforcePlusPlusAdvantages(
  batch: RolloutBatch,
  scores: readonly number[],
  klTokens: Float32Array | undefined,
  klCoef: number,
  gamma: number,
): Float32Array {
  const returns = new Float32Array(batch.B * batch.T);
  for (let b = 0; b < batch.B; b++) {
    const s = b * batch.T + batch.completionStart[b]!;
    const n = batch.completionLength[b]!;
    let running = 0;
    for (let j = n - 1; j >= 0; j--) {
      let r = klTokens === undefined ? 0 : -klCoef * klTokens[s + j]!;
      if (j === n - 1) r += scores[b]!;
      running = r + gamma * running;
      returns[s + j] = running;
    }
  }
  return maskedWhiten(returns, batch.completionMask);
}

/**
 * Sequence-level REINFORCE loss, -(1/B) sum_b sum_t A_{b,t} log pi(y_{b,t}) over the mask: the
 * score-function estimator of every completion averaged over the batch.
 */
export function reinforceLoss(logprobs: tf.Tensor2D, advantages: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.div(tf.neg(tf.sum(tf.mul(tf.mul(logprobs, advantages), mask))), logprobs.shape[0]));
}

/**
 * PPO's clipped surrogate (Schulman et al. 2017, eq. 7), token-mean over the mask:
 * mean max(-A rho, -A clip(rho, 1 - eps, 1 + eps)), rho = exp(logp - oldLogp).
 */
export function clippedSurrogateLoss(
  logprobs: tf.Tensor2D,
  oldLogprobs: tf.Tensor2D,
  advantages: tf.Tensor2D,
  mask: tf.Tensor2D,
  clipRange: number,
): tf.Scalar {
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(logprobs, oldLogprobs));
    const unclipped = tf.mul(tf.neg(advantages), ratio);
    const clipped = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - clipRange, 1 + clipRange));
    return tf.div(tf.sum(tf.mul(tf.maximum(unclipped, clipped), mask)), tf.maximum(tf.sum(mask), 1));
  });
}

/** Minibatch steps on one rollout batch with the estimator's loss. */
export function reinforceUpdate(
  model: TinyGptModel,
  optimizer: PolicyOptimizer,
  batch: RolloutBatch,
  advantages: Float32Array,
  config: ReinforceConfig,
  rng: Rng,
): { loss: number; gradNorm: number } {
  const size = batch.B / config.numMiniBatches;
  let loss = 0;
  let gradNorm = 0;
  let n = 0;
  for (let it = 0; it < config.numIterations; it++) {
    const order = shuffled(batch.B, rng);
    for (let k = 0; k < config.numMiniBatches; k++) {
      const rows = order.slice(k * size, (k + 1) * size);
      const mb = sliceRolloutBatch(batch, rows);
      const shape: [number, number] = [mb.B, mb.T];
      const result = optimizer.step(() => {
        const logprobs = policyForward(model, mb).logprobs;
        const adv = tf.tensor2d(pickRows(advantages, batch.T, rows), shape);
        const mask = tf.tensor2d(mb.completionMask, shape);
        return config.estimator === 'reinforce++'
          ? clippedSurrogateLoss(logprobs, tf.tensor2d(mb.oldLogprobs, shape), adv, mask, config.clipRange)
          : reinforceLoss(logprobs, adv, mask);
      });
      loss += result.loss;
      gradNorm += result.gradNorm;
      n++;
    }
  }
  return { loss: loss / n, gradNorm: gradNorm / n };
}

/** k1 per token, log pi_old - log pi_ref, at completion positions. */
function tokenKl(batch: RolloutBatch, refLogprobs: Float32Array): Float32Array {
  const out = new Float32Array(batch.B * batch.T);
  for (let i = 0; i < out.length; i++) {
    if (batch.completionMask[i] !== 0) out[i] = batch.oldLogprobs[i]! - refLogprobs[i]!;
  }
  return out;
}

function rowSum(batch: RolloutBatch, values: Float32Array, b: number): number {
  const s = b * batch.T + batch.completionStart[b]!;
  let sum = 0;
  for (let j = 0; j < batch.completionLength[b]!; j++) sum += values[s + j]!;
  return sum;
}

function maskedMeanOf(values: Float32Array, mask: Float32Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask[i] !== 0) {
      sum += values[i]!;
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}

function shuffled(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
