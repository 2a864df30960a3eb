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
  klPenalty,
  type PolicyOptimizer,
  pickRows,
  policyForward,
  type Rollout,
  type RolloutBatch,
  RolloutQueue,
  readPolicyForward,
  rowsToTokens,
  type Sampler,
  type StalenessStats,
  type StepRewardFn,
  sequenceToTokens,
  sliceRolloutBatch,
  syncWeights,
  verifierRewards,
} from '@o1lab/learn-rollout';
import { createTinyGptModel, type TinyGptModel, type Tokenizer } from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';
import { type GrpoConfig, type GrpoConfigInput, type LossAggregation, resolveGrpoConfig } from './config.js';

/** What GRPO trains and samples with. */
export interface GrpoContext<D extends Json = Json> {
  /** The policy, trained in place (tfjs). */
  readonly model: TinyGptModel;
  /** ONNX Runtime sampler of `model`; its weights are synced after every update. */
  readonly sampler: Sampler;
  readonly tokenizer: Tokenizer;
  readonly task: Task<D>;
  /** Training prompts, drawn uniformly with `seed`. */
  readonly problems: readonly Problem<D>[];
  /** Reward of one completion. @default the task's verifier (1 correct, 0 not) */
  readonly reward?: (rollout: Rollout) => number;
  /** Frozen reference policy of the KL term. @default a copy of `model` before training */
  readonly refModel?: TinyGptModel;
  /**
   * Rewards of each completion's steps (split at the task's `stepDelimiter`, as
   * `completionSteps`), for `supervision: 'process'`: a PRM (`prmStepRewards` of learn-ppo) or a
   * step checker. Required there, unused with outcome supervision.
   */
  readonly stepRewards?: StepRewardFn;
}

/** Statistics of one GRPO step. */
export interface GrpoStepStats {
  readonly step: number;
  /** Mean task reward of the batch's completions (before overlong shaping, after filtering). */
  readonly meanReward: number;
  /** Mean task reward of every completion sampled this step, dropped groups included. */
  readonly meanSampledReward: number;
  readonly loss: number;
  /** Mean per-token KL estimate to the reference (0 when beta is 0). */
  readonly kl: number;
  /** Share of tokens whose ratio was clipped. */
  readonly clipFraction: number;
  readonly gradNorm: number;
  readonly numSamples: number;
  readonly numTokens: number;
  /** Groups dropped by dynamic sampling (all rewards equal). */
  readonly droppedGroups: number;
  /** Updates between sampling this batch and learning from it. */
  readonly staleness: number;
  readonly rolloutMs: number;
  readonly updateMs: number;
  /** tfjs -> ONNX Runtime weight sync after the update. */
  readonly syncMs: number;
}

/** Result of {@link grpoTrain}. */
export interface GrpoResult {
  readonly config: GrpoConfig;
  readonly steps: readonly GrpoStepStats[];
  readonly staleness: StalenessStats;
}

/** Hooks of {@link grpoTrain}. */
export interface GrpoHooks {
  /** Called after each step; return true to stop training there (a time budget, an early stop). */
  readonly onStep?: (stats: GrpoStepStats) => unknown;
  /**
   * Each batch's rollouts and task rewards before the update (write them as TRL
   * prompt/completion/reward JSONL with `rolloutRecords` / `writeRolloutsJsonl` of learn-rollout).
   */
  readonly onRollouts?: (rollouts: readonly Rollout[], rewards: readonly number[], step: number) => void;
}

interface GeneratedBatch {
  readonly rollouts: Rollout[];
  /** Per rollout, its steps' rewards (process supervision only). */
  readonly stepRewards: (readonly number[])[] | undefined;
  /** Rewards the advantages use (task reward + overlong shaping). */
  readonly rewards: number[];
  readonly taskRewards: number[];
  readonly sampledRewardMean: number;
  readonly droppedGroups: number;
  readonly rolloutMs: number;
}

/**
 * Group Relative Policy Optimization (Shao et al. 2024, DeepSeekMath, Algorithm 1 with outcome
 * supervision): per step, G completions of each of `numPrompts` prompts are sampled in ONNX
 * Runtime, rewarded, given group-relative advantages, and the clipped surrogate with a KL penalty to
 * a frozen reference is maximised for `numIterations` passes in tfjs; then the weights go back to
 * ONNX Runtime. The DAPO and Dr. GRPO variants are options (`GRPO_VARIANTS`).
 */
export async function grpoTrain<D extends Json>(
  context: GrpoContext<D>,
  options: GrpoConfigInput = {},
  hooks: GrpoHooks = {},
): Promise<GrpoResult> {
  const config = resolveGrpoConfig(options);
  const { model, sampler, tokenizer, task, problems } = context;
  if (problems.length === 0)
    throw new O1labError('INVALID_INPUT', 'no training problems', { where: 'grpoTrain' });
  const G = config.rollout.numGenerations;
  const root = createRng(config.seed);
  // Separate streams, so that prompt draws do not depend on how generation and updates interleave.
  const promptRng = root.split();
  const updateRng = root.split();
  const reward = context.reward ?? ((r: Rollout) => verifierRewards(task, [r])[0]!);
  const ownRef = config.beta > 0 && context.refModel === undefined;
  const ref =
    config.beta > 0 ? (context.refModel ?? createTinyGptModel(model.config, model.getWeights())) : undefined;
  const processSupervision = config.supervision === 'process';
  const stepRewardFn = context.stepRewards;
  if (processSupervision && stepRewardFn === undefined) {
    throw new O1labError('INVALID_CONFIG', "`supervision: 'process'` needs the context's `stepRewards`", {
      where: 'grpoTrain',
      hint: 'pass a PRM (prmStepRewards of @o1lab/learn-ppo) or a step checker as context.stepRewards',
    });
  }
  const optimizer = createPolicyOptimizer(model, config.optimizer);

  // Rollout: numPrompts groups of G completions; with dynamic sampling, groups without signal are
  // dropped and more prompts sampled (DAPO sec. 3.2).
  const generate = async (policyVersion: number): Promise<GeneratedBatch> => {
    const t0 = performance.now();
    const kept: { rollouts: Rollout[]; taskRewards: number[] }[] = [];
    let dropped = 0;
    let sampledSum = 0;
    let sampledCount = 0;
    const rounds = config.dynamicSampling ? config.maxSamplingRounds : 1;
    for (let round = 0; round < rounds && kept.length < config.numPrompts; round++) {
      const states = Array.from({ length: config.numPrompts }, () =>
        initialState(task, problems[promptRng.int(problems.length)]!),
      );
      const seed = promptRng.nextUint32();
      const rollouts = await collectRollouts(sampler.policy, tokenizer, states, config.rollout, {
        seed,
        policyVersion,
        stepDelimiter: sampler.policy.config.stepDelimiter,
      });
      for (let g = 0; g < states.length; g++) {
        const group = rollouts.slice(g * G, (g + 1) * G);
        const taskRewards = group.map(reward);
        sampledSum += taskRewards.reduce((a, b) => a + b, 0);
        sampledCount += G;
        if (config.dynamicSampling && taskRewards.every((r) => r === taskRewards[0])) {
          dropped++;
          continue;
        }
        if (kept.length < config.numPrompts) kept.push({ rollouts: group, taskRewards });
      }
    }
    const rollouts = kept.flatMap((k) => k.rollouts);
    const taskRewards = kept.flatMap((k) => k.taskRewards);
    const stepRewards =
      processSupervision && rollouts.length > 0
        ? (await stepRewardFn!(rollouts)).map((r) => r.slice())
        : undefined;
    // Rewards: DAPO overlong shaping (eq. 13) adds a length penalty to the task reward.
    const rewards = taskRewards.map(
      (r, i) =>
        r +
        overlongShaping(
          rollouts[i]!.completionIds.length,
          config.rollout.maxCompletionTokens,
          config.overlongBuffer,
        ),
    );
    return {
      rollouts,
      stepRewards,
      rewards,
      taskRewards,
      sampledRewardMean: sampledCount === 0 ? 0 : sampledSum / sampledCount,
      droppedGroups: dropped,
      rolloutMs: performance.now() - t0,
    };
  };

  const queue = new RolloutQueue(generate, { maxStaleness: config.maxStaleness });
  const steps: GrpoStepStats[] = [];
  try {
    for (let step = 0; step < config.numSteps; step++) {
      const { rollouts: gen, staleness } = await queue.next();
      hooks.onRollouts?.(gen.rollouts, gen.taskRewards, step + 1);
      const t1 = performance.now();
      let update = { loss: 0, kl: 0, clipFraction: 0, gradNorm: 0, numTokens: 0 };
      if (gen.rollouts.length > 0) {
        // Advantages (DeepSeekMath sec. 4.1.2): one per completion, broadcast to its tokens.
        const batch = buildRolloutBatch(gen.rollouts, {
          padId: tokenizer.padId,
          context: model.config.context,
        });
        const options = { scaleRewards: config.scaleRewards, eps: config.advantageEps };
        const advantages =
          gen.stepRewards === undefined
            ? sequenceToTokens(batch, grpoAdvantages(gen.rewards, G, options))
            : rowsToTokens(
                batch,
                grpoProcessAdvantages(
                  gen.stepRewards,
                  gen.rollouts.map(
                    (r) => completionSteps(r.completionIds, tokenizer, task.stepDelimiter).endTokens,
                  ),
                  gen.rollouts.map((r) => r.completionIds.length),
                  G,
                  options,
                ),
              );
        // Policy loss
        update = grpoUpdate(model, optimizer, batch, advantages, ref, config, updateRng);
      }
      const updateMs = performance.now() - t1;
      // Weight sync
      const sync = await syncWeights(model, sampler.runtime);
      queue.markUpdated();
      const stats: GrpoStepStats = {
        step: step + 1,
        meanReward: mean(gen.taskRewards),
        meanSampledReward: gen.sampledRewardMean,
        loss: update.loss,
        kl: update.kl,
        clipFraction: update.clipFraction,
        gradNorm: update.gradNorm,
        numSamples: gen.rollouts.length,
        numTokens: update.numTokens,
        droppedGroups: gen.droppedGroups,
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
 * Group-relative advantages (DeepSeekMath sec. 4.1.2, outcome supervision): within each run of
 * `groupSize` rewards, (r_i - mean) / (std + eps) with Bessel's std (as TRL), or r_i - mean when
 * `scaleRewards` is false (Dr. GRPO, Liu et al. 2025, sec. 3.2).
 */
export function grpoAdvantages(
  rewards: readonly number[],
  groupSize: number,
  options: { readonly scaleRewards?: boolean; readonly eps?: number } = {},
): number[] {
  if (rewards.length % groupSize !== 0) {
    throw new O1labError(
      'INVALID_INPUT',
      `${rewards.length} rewards do not split into groups of ${groupSize}`,
      {
        where: 'grpoAdvantages',
      },
    );
  }
  const scale = options.scaleRewards ?? true;
  const eps = options.eps ?? 1e-4;
  const out: number[] = [];
  for (let g = 0; g < rewards.length; g += groupSize) {
    const group = rewards.slice(g, g + groupSize);
    const m = mean(group);
    const variance = groupSize > 1 ? group.reduce((a, r) => a + (r - m) ** 2, 0) / (groupSize - 1) : 0;
    for (const r of group) out.push(scale ? (r - m) / (Math.sqrt(variance) + eps) : r - m);
  }
  return out;
}

/**
 * Process-supervision advantages (DeepSeekMath sec. 4.1.3). Within each group of `groupSize`
 * completions, every step reward r is normalised over all the group's step rewards R, (r -
 * mean(R)) / (std(R) + eps) with Bessel's std (or r - mean(R) when `scaleRewards` is false); the
 * advantage of token t of a completion is the sum of the normalised rewards of its steps whose last
 * token (`endTokens`) is at or after t. Returns one array of `lengths[i]` advantages per completion.
 */
export function grpoProcessAdvantages(
  stepRewards: readonly (readonly number[])[],
  endTokens: readonly (readonly number[])[],
  lengths: readonly number[],
  groupSize: number,
  options: { readonly scaleRewards?: boolean; readonly eps?: number } = {},
): number[][] {
  const where = 'grpoProcessAdvantages';
  const n = stepRewards.length;
  if (endTokens.length !== n || lengths.length !== n) {
    throw new O1labError(
      'INVALID_INPUT',
      `${n} step-reward lists, ${endTokens.length} end-token lists and ${lengths.length} lengths must match`,
      { where },
    );
  }
  if (!Number.isInteger(groupSize) || groupSize < 1 || n % groupSize !== 0) {
    throw new O1labError('INVALID_INPUT', `${n} completions do not split into groups of ${groupSize}`, {
      where,
    });
  }
  for (let i = 0; i < n; i++) {
    const ends = endTokens[i]!;
    if (stepRewards[i]!.length !== ends.length) {
      throw new O1labError(
        'INVALID_INPUT',
        `completion ${i} has ${ends.length} steps but ${stepRewards[i]!.length} step rewards`,
        { where, hint: 'give one reward per step of completionSteps(...)' },
      );
    }
    for (let k = 0; k < ends.length; k++) {
      const e = ends[k]!;
      if (!Number.isInteger(e) || e >= lengths[i]! || (k > 0 && e < ends[k - 1]!)) {
        throw new O1labError(
          'INVALID_INPUT',
          `completion ${i}: step ends must be ascending token indices below its length ${lengths[i]}, got ${e}`,
          { where },
        );
      }
    }
  }
  const scale = options.scaleRewards ?? true;
  const eps = options.eps ?? 1e-4;
  const out: number[][] = [];
  for (let g = 0; g < n; g += groupSize) {
    const all = stepRewards.slice(g, g + groupSize).flat();
    const m = mean(all);
    const variance = all.length > 1 ? all.reduce((a, r) => a + (r - m) ** 2, 0) / (all.length - 1) : 0;
    const denominator = scale ? Math.sqrt(variance) + eps : 1;
    for (let i = g; i < g + groupSize; i++) {
      const advantages = new Array<number>(lengths[i]!).fill(0);
      const ends = endTokens[i]!;
      // Suffix sums: a token collects every step that ends at or after it.
      let running = 0;
      let k = ends.length - 1;
      for (let t = lengths[i]! - 1; t >= 0; t--) {
        while (k >= 0 && ends[k]! >= t) {
          running += (stepRewards[i]![k]! - m) / denominator;
          k--;
        }
        advantages[t] = running;
      }
      out.push(advantages);
    }
  }
  return out;
}

/** Tensors of a clipped policy-gradient loss, all `[B, T]`. */
export interface PolicyLossInputs {
  readonly logprobs: tf.Tensor2D;
  readonly oldLogprobs: tf.Tensor2D;
  /** Needed when `beta` > 0. */
  readonly refLogprobs?: tf.Tensor2D;
  readonly advantages: tf.Tensor2D;
  /** 1 at completion tokens. */
  readonly mask: tf.Tensor2D;
}

/** The parts of the config {@link grpoLoss} reads. */
export type GrpoLossConfig = Pick<
  GrpoConfig,
  'epsilon' | 'epsilonHigh' | 'beta' | 'klEstimator' | 'lossAggregation'
> & {
  /** Constant of the `constant` (Dr. GRPO) aggregation. */
  readonly maxCompletionTokens: number;
};

/** Scalars of {@link grpoLoss}. */
export interface GrpoLossParts {
  readonly loss: tf.Scalar;
  /** Mean KL estimate over the mask (0 without a reference). */
  readonly kl: tf.Scalar;
  readonly clipFraction: tf.Scalar;
}

/**
 * The GRPO objective, negated (DeepSeekMath eq. 3): per token
 * -min(rho A, clip(rho, 1 - epsilon, 1 + epsilonHigh) A) + beta KL(pi || pi_ref), rho = exp(logp -
 * oldLogp), aggregated by `lossAggregation`.
 */
export function grpoLoss(x: PolicyLossInputs, config: GrpoLossConfig): GrpoLossParts {
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(x.logprobs, x.oldLogprobs));
    const clipped = tf.clipByValue(ratio, 1 - config.epsilon, 1 + config.epsilonHigh);
    const surrogate = tf.minimum(tf.mul(ratio, x.advantages), tf.mul(clipped, x.advantages));
    let perToken: tf.Tensor = tf.neg(surrogate);
    let kl: tf.Scalar = tf.scalar(0);
    if (config.beta > 0) {
      if (x.refLogprobs === undefined) {
        throw new O1labError('INVALID_INPUT', '`beta` > 0 needs refLogprobs', { where: 'grpoLoss' });
      }
      const perTokenKl = klPenalty(x.logprobs, x.refLogprobs, config.klEstimator);
      perToken = tf.add(perToken, tf.mul(perTokenKl, config.beta));
      kl = maskedMeanOf(perTokenKl, x.mask);
    }
    // A token is clipped when the clipped term is the smaller one: rho below 1 - eps with A < 0,
    // or above 1 + epsHigh with A > 0.
    const low = tf.logicalAnd(tf.less(ratio, 1 - config.epsilon), tf.less(x.advantages, 0));
    const high = tf.logicalAnd(tf.greater(ratio, 1 + config.epsilonHigh), tf.greater(x.advantages, 0));
    const clipFraction = maskedMeanOf(tf.cast(tf.logicalOr(low, high), 'float32'), x.mask);
    return {
      loss: aggregateLoss(perToken, x.mask, config.lossAggregation, config.maxCompletionTokens),
      kl,
      clipFraction,
    };
  });
}

/**
 * `sequence-mean`: mean over rows of (row sum / row tokens) (GRPO); `token-mean`: sum / tokens
 * (DAPO); `constant`: sum / (B x maxCompletionTokens) (Dr. GRPO).
 */
export function aggregateLoss(
  perToken: tf.Tensor,
  mask: tf.Tensor2D,
  aggregation: LossAggregation,
  maxCompletionTokens: number,
): tf.Scalar {
  return tf.tidy(() => {
    const masked = tf.mul(perToken, mask);
    if (aggregation === 'token-mean') return maskedMeanOf(perToken, mask);
    if (aggregation === 'constant') return tf.div(tf.sum(masked), mask.shape[0] * maxCompletionTokens);
    const rows = tf.div(tf.sum(masked, 1), tf.maximum(tf.sum(mask, 1), 1));
    return tf.mean(rows);
  });
}

/**
 * `numIterations` passes of minibatch steps on one rollout batch (DeepSeekMath Algorithm 1, inner
 * loop). The reference log-probabilities are computed once per batch.
 */
export function grpoUpdate(
  model: TinyGptModel,
  optimizer: PolicyOptimizer,
  batch: RolloutBatch,
  advantages: Float32Array,
  ref: TinyGptModel | undefined,
  config: GrpoConfig,
  rng: Rng,
): { loss: number; kl: number; clipFraction: number; gradNorm: number; numTokens: number } {
  const refLogprobs = ref === undefined ? undefined : readPolicyForward(ref, batch).logprobs;
  const lossConfig: GrpoLossConfig = { ...config, maxCompletionTokens: config.rollout.maxCompletionTokens };
  const size = batch.B / config.numMiniBatches;
  const sums = { loss: 0, kl: 0, clipFraction: 0, gradNorm: 0 };
  let n = 0;
  for (let it = 0; it < config.numIterations; it++) {
    const order = shuffled(batch.B, rng);
    for (let k = 0; k < config.numMiniBatches; k++) {
      const rows = order.slice(k * size, (k + 1) * size);
      const mb = sliceRolloutBatch(batch, rows);
      const shape: [number, number] = [mb.B, mb.T];
      let readings: tf.Tensor | undefined;
      const result = optimizer.step(() => {
        const out = policyForward(model, mb);
        const parts = grpoLoss(
          {
            logprobs: out.logprobs,
            oldLogprobs: tf.tensor2d(mb.oldLogprobs, shape),
            ...(refLogprobs === undefined
              ? {}
              : { refLogprobs: tf.tensor2d(pickRows(refLogprobs, batch.T, rows), shape) }),
            advantages: tf.tensor2d(pickRows(advantages, batch.T, rows), shape),
            mask: tf.tensor2d(mb.completionMask, shape),
          },
          lossConfig,
        );
        readings = tf.keep(tf.stack([parts.kl, parts.clipFraction]));
        return parts.loss;
      });
      const [kl, clipFraction] = readings!.dataSync();
      readings!.dispose();
      sums.loss += result.loss;
      sums.kl += kl!;
      sums.clipFraction += clipFraction!;
      sums.gradNorm += result.gradNorm;
      n++;
    }
  }
  return {
    loss: sums.loss / n,
    kl: sums.kl / n,
    clipFraction: sums.clipFraction / n,
    gradNorm: sums.gradNorm / n,
    numTokens: batch.completionMask.reduce((a, b) => a + b, 0),
  };
}

/**
 * DAPO soft overlong punishment (Yu et al. 2025, eq. 13): 0 up to L_max - L_cache tokens, then a
 * linear ramp to -1 at L_max; 0 when `buffer` is 0.
 */
export function overlongShaping(length: number, maxLength: number, buffer: number): number {
  if (buffer === 0) return 0;
  const free = maxLength - buffer;
  if (length <= free) return 0;
  if (length <= maxLength) return (free - length) / buffer;
  return -1;
}

function maskedMeanOf(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1));
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
