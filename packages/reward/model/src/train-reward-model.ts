import { createRng, O1labError, type Problem, type Rng, type Task } from '@o1lab/core';
import {
  attentionBias,
  CharTokenizer,
  createTinyGptModel,
  createTrainer,
  initTinyGptWeights,
  OrtRuntime,
  positionIdsFromMask,
  resolveTinyGptConfig,
  TASK_ALPHABET,
  type TinyGptConfig,
  type TinyGptModel,
  type Tokenizer,
} from '@o1lab/model';
import * as tf from '@tensorflow/tfjs';
import {
  createLearnedRewardModel,
  type LearnedRewardModel,
  scoringRuntimeOptions,
} from './learned-reward-model.js';
import { bceWithLogitsLoss, bradleyTerryLoss } from './reward-loss.js';
import { type EncodedSolution, encodeSolution, padRows } from './reward-sequences.js';
import {
  type LearnedRewardKind,
  type RewardTrainingConfig,
  resolveRewardTrainingConfig,
} from './reward-training-config.js';

/** One labelled solution for a PRM (`stepLabels`) or an ORM (`outcome`). */
export interface RewardExample {
  readonly problem: Problem;
  readonly steps: readonly string[];
  /** PRM targets in [0, 1], one per step: P(the solution is still right after this step). */
  readonly stepLabels?: readonly number[];
  /** Steps that take part in PRM training (false: e.g. dropped by a consensus filter). @default all */
  readonly stepMask?: readonly boolean[];
  /** ORM target: 1 when the solution is correct, else 0. */
  readonly outcome?: number;
}

/** Two solutions of one problem, the first preferred. */
export interface PreferencePair {
  readonly problem: Problem;
  readonly chosen: readonly string[];
  readonly rejected: readonly string[];
}

/** A policy checkpoint to start from (as `loadCheckpoint` returns it, plus its tokenizer). */
export interface RewardModelInit {
  readonly config: TinyGptConfig;
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly tokenizer: Tokenizer & { toJSON(): unknown };
}

/** Inputs of {@link trainRewardModel}. */
export interface TrainRewardModelInputs {
  readonly kind: LearnedRewardKind;
  /** Renders prompts (`task.prompt`) and supplies the step delimiter. */
  readonly task: Task;
  /** PRM and ORM training data. */
  readonly examples?: readonly RewardExample[];
  /** Pairwise training data. */
  readonly pairs?: readonly PreferencePair[];
  /**
   * Start from a policy checkpoint: its weights and tokenizer, with a fresh value head (seeded by
   * `config.seed`). Without it, a TinyGPT of the config's size is trained from scratch with a
   * character tokenizer over `TASK_ALPHABET`.
   */
  readonly init?: RewardModelInit;
  /** Stops training between optimiser steps (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { step: number; numSteps: number; loss: number }) => void;
}

/** What training spent and reached. */
export interface RewardTrainingStats {
  readonly numSteps: number;
  /** Mean loss of the last min(10, numSteps) steps. */
  readonly finalLoss: number;
  /** Loss of every step. */
  readonly losses: readonly number[];
  /** Real (unpadded) tokens through the forward and backward passes. */
  readonly numTokens: number;
  /** Training examples (PRM, ORM) or pairs (pairwise). */
  readonly numItems: number;
  /** Wall time of training, ONNX export and session creation included. */
  readonly timeMs: number;
  /** The tfjs backend that trained (`wasm`, `cpu`, `tensorflow`, ...). */
  readonly backend: string;
  /** ONNX Runtime execution provider that scores. */
  readonly executionProvider: string;
}

/** A trained reward model: scoring through ONNX Runtime, the tfjs model for more training or saving. */
export interface TrainedRewardModel {
  readonly kind: LearnedRewardKind;
  readonly task: string;
  readonly rewardModel: LearnedRewardModel;
  readonly model: TinyGptModel;
  readonly tokenizer: Tokenizer & { toJSON(): unknown };
  readonly config: RewardTrainingConfig;
  readonly stats: RewardTrainingStats;
  /** Disposes the tfjs model and releases the ONNX Runtime sessions. */
  dispose(): Promise<void>;
}

/** A training row: token ids and the positions read by the loss with their targets. */
interface Row {
  readonly ids: readonly number[];
  readonly positions: readonly number[];
  readonly targets: readonly number[];
}

/**
 * Trains a learned reward model: TinyGPT with a scalar value head, in tfjs (call `initTfBackend`
 * first), then exported to ONNX Runtime for scoring.
 *
 * Losses, all on the value head's logit:
 * - PRM: BCE at the last token of each step's delimiter, target the step label (Math-Shepherd's
 *   hard or soft MC label, or ground truth), averaged over the labelled steps of the batch;
 * - ORM: BCE at EOS, target the outcome (Cobbe et al. 2021 train the verifier per token; here only
 *   the final position, which is what `scoreOutcome` reads);
 * - pairwise: Bradley–Terry, mean -log sigmoid(r_chosen - r_rejected) with r the value at EOS
 *   (Ouyang et al. 2022, eq. 1).
 *
 * Each optimiser step draws `batchSize` items without replacement (a fresh shuffle per epoch) and
 * pads them on the right (causal attention keeps padding out of every real position).
 */
export async function trainRewardModel(
  inputs: TrainRewardModelInputs,
  config?: Partial<RewardTrainingConfig>,
): Promise<TrainedRewardModel> {
  const c = resolveRewardTrainingConfig(config);
  const where = 'trainRewardModel';
  const start = performance.now();
  const { kind, task } = inputs;
  const tokenizer = inputs.init?.tokenizer ?? new CharTokenizer(TASK_ALPHABET);
  const modelConfig = resolveTinyGptConfig(
    inputs.init === undefined
      ? {
          vocabSize: tokenizer.vocabSize,
          dModel: c.dModel,
          nLayer: c.nLayer,
          nHead: c.nHead,
          context: c.context,
          valueHead: true,
          seed: c.seed,
        }
      : { ...inputs.init.config, valueHead: true },
  );
  const fresh = initTinyGptWeights({ ...modelConfig, seed: c.seed });
  const weights =
    inputs.init === undefined
      ? fresh
      : new Map([...inputs.init.weights, ['valueW', fresh.get('valueW')!], ['valueB', fresh.get('valueB')!]]);
  const encode = (problem: Problem, steps: readonly string[]): EncodedSolution =>
    encodeSolution(tokenizer, task.prompt(problem), steps, task.stepDelimiter, modelConfig.context);

  // Training rows: a PRM or ORM row per example, a (chosen, rejected) row pair per preference pair.
  const rows: Row[] = [];
  const rejectedRows: Row[] = [];
  if (kind === 'pairwise') {
    for (const pair of inputs.pairs ?? []) {
      const chosen = encode(pair.problem, pair.chosen);
      const rejected = encode(pair.problem, pair.rejected);
      rows.push({ ids: chosen.ids, positions: [chosen.end], targets: [1] });
      rejectedRows.push({ ids: rejected.ids, positions: [rejected.end], targets: [0] });
    }
  } else {
    (inputs.examples ?? []).forEach((example, i) => {
      const e = encode(example.problem, example.steps);
      if (kind === 'orm') {
        if (example.outcome === undefined) {
          throw new O1labError('INVALID_INPUT', `example ${i} has no \`outcome\` to train an ORM on`, {
            where,
          });
        }
        rows.push({ ids: e.ids, positions: [e.end], targets: [example.outcome] });
        return;
      }
      const labels = example.stepLabels;
      if (labels === undefined || labels.length !== example.steps.length) {
        throw new O1labError(
          'INVALID_INPUT',
          `example ${i} has ${labels?.length ?? 0} step labels for ${example.steps.length} steps`,
          { where, hint: 'a PRM example needs one label in [0, 1] per step' },
        );
      }
      const positions: number[] = [];
      const targets: number[] = [];
      labels.forEach((label, k) => {
        if (!(label >= 0 && label <= 1)) {
          throw new O1labError('INVALID_INPUT', `example ${i} step ${k} has label ${label}, not in [0, 1]`, {
            where,
          });
        }
        if (example.stepMask?.[k] === false) return;
        positions.push(e.stepEnds[k]!);
        targets.push(c.labels === 'hard' ? (label >= 0.5 ? 1 : 0) : label);
      });
      if (positions.length > 0) rows.push({ ids: e.ids, positions, targets });
    });
  }
  if (rows.length === 0) {
    throw new O1labError(
      'INVALID_INPUT',
      kind === 'pairwise' ? 'no preference pairs to train on' : 'no labelled examples to train on',
      { where, hint: kind === 'pairwise' ? 'pass inputs.pairs' : 'pass inputs.examples' },
    );
  }

  const model = createTinyGptModel(modelConfig, weights);
  const trainer = createTrainer(model, {
    learningRate: c.learningRate,
    minLearningRate: c.learningRate / 10,
    warmupSteps: Math.min(c.warmupSteps, c.numSteps),
    totalSteps: c.numSteps,
    weightDecay: c.weightDecay,
    batchSize: c.batchSize,
    lmLossCoef: 0,
    seed: c.seed,
  });
  const draw = createEpochSampler(rows.length, createRng(c.seed + 1));
  const losses: number[] = [];
  let numTokens = 0;
  try {
    for (let step = 0; step < c.numSteps; step++) {
      inputs.signal?.throwIfAborted();
      const picked = draw(Math.min(c.batchSize, rows.length));
      const batch =
        kind === 'pairwise'
          ? [...picked.map((i) => rows[i]!), ...picked.map((i) => rejectedRows[i]!)]
          : picked.map((i) => rows[i]!);
      const padded = padRows(
        batch.map((r) => r.ids),
        tokenizer.padId,
      );
      numTokens += padded.numTokens;
      const { B, T } = padded;
      // Where the loss reads the value head: weights and targets as [B, T] maps.
      const readAt = new Float32Array(B * T);
      const targets = new Float32Array(B * T);
      batch.forEach((r, b) => {
        r.positions.forEach((p, j) => {
          readAt[b * T + p] = 1;
          targets[b * T + p] = r.targets[j]!;
        });
      });
      const result = trainer.stepWithLoss((m) => {
        const out = m.apply({
          inputIds: tf.tensor2d(padded.inputIds, [B, T], 'int32'),
          positionIds: tf.tensor2d(positionIdsFromMask(padded.attentionMask, B, T), [B, T], 'int32'),
          maskBias: tf.tensor4d(attentionBias(padded.attentionMask, B, T, 0), [B, 1, T, T]),
        });
        const values = out.values!; // [B, T]
        const read = tf.tensor2d(readAt, [B, T]);
        if (kind !== 'pairwise')
          return { loss: bceWithLogitsLoss(values, tf.tensor2d(targets, [B, T]), read) };
        const r = tf.sum(tf.mul(values, read), 1); // [2P]: chosen rows, then rejected rows
        const [chosen, rejected] = tf.split(r, 2);
        return { loss: bradleyTerryLoss(chosen!, rejected!) };
      });
      losses.push(result.loss);
      inputs.onProgress?.({ step: step + 1, numSteps: c.numSteps, loss: result.loss });
      // Yield so that timers and the abort signal get a turn between steps.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    trainer.dispose();
    model.dispose();
    throw error;
  }
  trainer.dispose();

  const runtime = await OrtRuntime.fromWeights(modelConfig, model.getWeights(), scoringRuntimeOptions);
  const rewardModel = createLearnedRewardModel(runtime, tokenizer, {
    kind,
    aggregation: c.aggregation,
    stepDelimiter: task.stepDelimiter,
    name: `${kind}-tinygpt:${task.name}`,
  });
  const tail = losses.slice(-10);
  const stats: RewardTrainingStats = {
    numSteps: c.numSteps,
    finalLoss: tail.reduce((a, b) => a + b, 0) / tail.length,
    losses,
    numTokens,
    numItems: rows.length,
    timeMs: performance.now() - start,
    backend: tf.getBackend(),
    executionProvider: runtime.executionProvider,
  };
  return {
    kind,
    task: task.name,
    rewardModel,
    model,
    tokenizer,
    config: c,
    stats,
    async dispose() {
      model.dispose();
      await rewardModel.dispose();
    },
  };
}

/** Draws indices 0..n-1 in batches, without replacement within an epoch (reshuffled each epoch). */
function createEpochSampler(n: number, rng: Rng): (k: number) => number[] {
  let order: number[] = [];
  let next = 0;
  return (k) => {
    const out: number[] = [];
    while (out.length < k) {
      if (next >= order.length) {
        order = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        next = 0;
      }
      out.push(order[next++]!);
    }
    return out;
  };
}
