import { createRng } from '@o1lab/core';
import { syncWeights } from '@o1lab/learn-rollout';
import {
  createTrainer,
  type OrtRuntime,
  type TinyGptModel,
  type Tokenizer,
  type Trainer,
} from '@o1lab/model';
import { resolveSearchDistillConfig, type SearchDistillConfig } from './config.js';
import { distillBatch, searchDistillLoss } from './loss.js';
import { type DistillExample, type DistillTree, distillExamples, type OutcomeFn } from './targets.js';

/** One optimizer step as logged. */
export interface SearchDistillStepLog {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly gradNorm: number;
  readonly lr: number;
}

/** What {@link searchDistillTrain} did. */
export interface SearchDistillResult {
  readonly config: SearchDistillConfig;
  readonly numSteps: number;
  readonly numExamples: number;
  readonly history: readonly SearchDistillStepLog[];
  readonly updateTimeMs: number;
}

/** Options of {@link searchDistillTrain}. */
export interface SearchDistillOptions {
  readonly config?: Partial<SearchDistillConfig>;
  /** The model's trainer (its `stepWithLoss`); by default one is made from the config's learning-rate fields. */
  readonly trainer?: Trainer;
  readonly onStep?: (log: SearchDistillStepLog) => void;
}

/**
 * Distils training states into the policy and value head: `epochs` passes of minibatch steps on
 * {@link searchDistillLoss}.
 */
export async function searchDistillTrain(
  model: TinyGptModel,
  tokenizer: Tokenizer,
  examples: readonly DistillExample[],
  options: SearchDistillOptions = {},
): Promise<SearchDistillResult> {
  const config = resolveSearchDistillConfig(options.config);
  const stepsPerEpoch = Math.ceil(examples.length / config.batchSize);
  const trainer =
    options.trainer ??
    createTrainer(model, {
      learningRate: config.learningRate,
      minLearningRate: config.minLearningRate,
      warmupSteps: config.warmupSteps,
      totalSteps: Math.max(1, config.epochs * stepsPerEpoch),
      weightDecay: config.weightDecay,
      gradClipNorm: config.gradClipNorm,
    });
  const rng = createRng(config.seed);
  const history: SearchDistillStepLog[] = [];
  let updateTimeMs = 0;
  let step = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = rng.shuffle(examples.map((_, i) => i));
    for (let s = 0; s < stepsPerEpoch; s++) {
      const rows = order.slice(s * config.batchSize, (s + 1) * config.batchSize).map((i) => examples[i]!);
      const batch = distillBatch(tokenizer, rows, {
        context: model.config.context,
        stepDelimiter: config.stepDelimiter,
      });
      const t0 = performance.now();
      const r = trainer.stepWithLoss(() => {
        const out = searchDistillLoss(model, batch, config.valueCoef, config.siblingNormalise);
        return { loss: out.loss, metrics: { policyLoss: out.policyLoss, valueLoss: out.valueLoss } };
      });
      updateTimeMs += performance.now() - t0;
      step++;
      const log = {
        step,
        epoch,
        loss: r.loss,
        policyLoss: r.metrics.policyLoss!,
        valueLoss: r.metrics.valueLoss!,
        gradNorm: r.gradNorm,
        lr: r.lr,
      };
      history.push(log);
      options.onStep?.(log);
    }
  }
  return { config, numSteps: step, numExamples: examples.length, history, updateTimeMs };
}

/** Inputs of {@link searchDistillLoop}. */
export interface SearchDistillLoopInputs {
  readonly model: TinyGptModel;
  readonly tokenizer: Tokenizer;
  /** The runtime the searcher's policy samples from; it gets the new weights after each round. */
  readonly runtime: OrtRuntime;
  /** Runs the searches of one round (e.g. `mctsSearch` over a set of problems) and returns the trees. */
  readonly search: (round: number) => Promise<readonly DistillTree[]>;
  /** Outcome of a terminal node (`valueTarget: 'outcome'`). @default the node's value */
  readonly outcome?: OutcomeFn;
  readonly numRounds: number;
  /**
   * Run round r + 1's searches while round r distils, with the weights before round r's update
   * (AlphaZero's self-play actors lag the learner); the weight sync waits for those searches.
   * @default false
   */
  readonly async?: boolean;
  readonly onRound?: (log: SearchDistillRound) => void;
}

/** One round of search -> distill -> sync. */
export interface SearchDistillRound {
  readonly round: number;
  readonly numTrees: number;
  readonly numExamples: number;
  readonly distill: SearchDistillResult | null;
  readonly searchTimeMs: number;
  readonly syncTimeMs: number;
}

/**
 * The AlphaZero / expert-iteration loop (Silver et al. 2017; Anthony et al. 2017): search with the
 * current policy, distil the trees' visit distributions and outcomes into it, copy the weights
 * into ONNX Runtime, repeat. A new trainer (AdamW moments) is made each round.
 */
export async function searchDistillLoop(
  inputs: SearchDistillLoopInputs,
  config: Partial<SearchDistillConfig> = {},
): Promise<SearchDistillRound[]> {
  const c = resolveSearchDistillConfig(config);
  const rounds: SearchDistillRound[] = [];
  let t0 = performance.now();
  let pending = inputs.search(0);
  for (let round = 0; round < inputs.numRounds; round++) {
    // Search
    const trees = await pending;
    const searchTimeMs = performance.now() - t0;
    t0 = performance.now();
    const next = round + 1 < inputs.numRounds;
    if (inputs.async === true && next) pending = inputs.search(round + 1);
    const examples = trees.flatMap((tree) => distillExamples(tree, c, inputs.outcome));
    // Distil
    const distill =
      examples.length > 0
        ? await searchDistillTrain(inputs.model, inputs.tokenizer, examples, {
            config: { ...c, seed: c.seed + round },
          })
        : null;
    // Weight sync
    const syncTimeMs = distill === null ? 0 : (await syncWeights(inputs.model, inputs.runtime)).totalMs;
    const log = {
      round,
      numTrees: trees.length,
      numExamples: examples.length,
      distill,
      searchTimeMs,
      syncTimeMs,
    };
    rounds.push(log);
    inputs.onRound?.(log);
    if (inputs.async !== true && next) {
      t0 = performance.now();
      pending = inputs.search(round + 1);
    }
  }
  return rounds;
}
