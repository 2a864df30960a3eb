import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  aggregateStepScores,
  ComputeMeter,
  O1labError,
  type RewardModel,
  type State,
  type StepAggregation,
} from '@o1lab/core';
import {
  CharTokenizer,
  type CharTokenizerJson,
  loadCheckpoint,
  OrtRuntime,
  saveCheckpoint,
  type TinyGptModel,
  type Tokenizer,
} from '@o1lab/model';
import { type EncodedSolution, encodeSolution } from './reward-sequences.js';
import type { LearnedRewardKind } from './reward-training-config.js';

/** How a learned reward model reads its value head. */
export interface LearnedRewardModelOptions {
  readonly kind: LearnedRewardKind;
  /** PRM step scores -> solution score in `scoreOutcome`. @default 'min' */
  readonly aggregation?: StepAggregation;
  /** The task's step delimiter (what follows each step in the input). @default '\n' */
  readonly stepDelimiter?: string;
  /** @default `${kind}-tinygpt` */
  readonly name?: string;
}

/** A core `RewardModel` over an ONNX Runtime TinyGPT with a value head. */
export interface LearnedRewardModel extends RewardModel {
  readonly kind: LearnedRewardKind;
  readonly aggregation: StepAggregation;
  readonly stepDelimiter: string;
  readonly runtime: OrtRuntime;
  /** Releases the ONNX Runtime sessions. */
  dispose(): Promise<void>;
}

/**
 * Scores states with the value head of a TinyGPT served by ONNX Runtime. Every state is encoded as
 * BOS + prompt + (step + delimiter)* + EOS (see `encodeSolution`) and all of a call's sequences go
 * through one batched `runtime.forward`.
 *
 * - PRM: step k's score is sigmoid(value) at the last token of step k's delimiter, the
 *   probability that the solution is still right after step k; `scoreOutcome` aggregates the step
 *   scores (`aggregation`), or reads the EOS position of a state without steps.
 * - ORM: sigmoid(value) at EOS is P(correct); `scoreSteps` scores each prefix s_1..s_k as if it
 *   were the whole solution (one sequence per prefix).
 * - pairwise (Bradley–Terry): the raw value at EOS, an unbounded reward; steps as the ORM's.
 *
 * The meter counts one `rewardCalls` per batched call, every token read (`rewardTokens`), the
 * runtime's forward FLOPs and its wall time.
 */
export function createLearnedRewardModel(
  runtime: OrtRuntime,
  tokenizer: Tokenizer,
  options: LearnedRewardModelOptions,
): LearnedRewardModel {
  const { kind } = options;
  const aggregation = options.aggregation ?? 'min';
  const stepDelimiter = options.stepDelimiter ?? '\n';
  const context = runtime.modelConfig?.context ?? Number.POSITIVE_INFINITY;
  if (!runtime.info.hasValues) {
    throw new O1labError('INVALID_INPUT', 'the ONNX model has no `values` output', {
      where: 'createLearnedRewardModel',
      hint: 'train or export the TinyGPT with valueHead: true',
    });
  }
  const meter = new ComputeMeter();
  const encode = (state: State, numSteps = state.steps.length): EncodedSolution =>
    encodeSolution(
      tokenizer,
      state.prompt,
      state.steps.slice(0, numSteps).map((s) => s.text),
      stepDelimiter,
      context,
    );

  const valuesOf = async (encoded: readonly EncodedSolution[]): Promise<Float32Array[]> => {
    if (encoded.length === 0) return [];
    const sequences = encoded.map((e) => e.ids);
    const { rows, stats } = await runtime.forward(sequences, { usePrefixCache: false });
    let tokens = 0;
    for (const s of sequences) tokens += s.length;
    meter.add({ rewardCalls: 1, rewardTokens: tokens, flops: stats.flops, wallTimeMs: stats.wallTimeMs });
    return rows.map((r) => r.values!);
  };
  const endScore = (e: EncodedSolution, v: Float32Array): number =>
    kind === 'pairwise' ? v[e.end]! : sigmoid(v[e.end]!);

  /** ORM and pairwise: one sequence per prefix, scored at its EOS. */
  const scorePrefixes = async (states: readonly State[]): Promise<number[][]> => {
    const encoded: EncodedSolution[] = [];
    for (const s of states) for (let k = 1; k <= s.steps.length; k++) encoded.push(encode(s, k));
    const values = await valuesOf(encoded);
    let i = 0;
    return states.map((s) =>
      s.steps.map(() => {
        const j = i++;
        return endScore(encoded[j]!, values[j]!);
      }),
    );
  };

  return {
    name: options.name ?? `${kind}-tinygpt`,
    meter,
    kind,
    aggregation,
    stepDelimiter,
    runtime,
    async scoreSteps(states) {
      if (kind !== 'prm') return scorePrefixes(states);
      const encoded = states.map((s) => encode(s));
      const values = await valuesOf(encoded);
      return encoded.map((e, i) => e.stepEnds.map((p) => sigmoid(values[i]![p]!)));
    },
    async scoreOutcome(states) {
      const encoded = states.map((s) => encode(s));
      const values = await valuesOf(encoded);
      return encoded.map((e, i) => {
        const v = values[i]!;
        if (kind !== 'prm' || e.stepEnds.length === 0) return endScore(e, v);
        return aggregateStepScores(
          e.stepEnds.map((p) => sigmoid(v[p]!)),
          aggregation,
        );
      });
    },
    dispose: () => runtime.dispose(),
  };
}

/** The card written beside a reward model's checkpoint. */
export interface RewardModelCard {
  readonly format: typeof CARD_FORMAT;
  readonly version: 1;
  readonly kind: LearnedRewardKind;
  readonly aggregation: StepAggregation;
  readonly stepDelimiter: string;
  /** Task the model was trained on. */
  readonly task: string;
  /** Training statistics, for people. */
  readonly stats?: unknown;
}

/** File name of the card inside a saved reward model's directory. */
export const REWARD_MODEL_CARD_FILE = 'reward_model.json';
const CARD_FORMAT = 'o1lab-reward-model';

/** What {@link saveRewardModel} needs of a trained model. */
export interface SavableRewardModel {
  readonly model: Pick<TinyGptModel, 'config' | 'getWeights'>;
  readonly tokenizer: Tokenizer & { toJSON(): unknown };
  readonly rewardModel: Pick<LearnedRewardModel, 'kind' | 'aggregation' | 'stepDelimiter'>;
  readonly task: string;
  readonly stats?: unknown;
}

/**
 * Writes a reward model: the `@o1lab/model` checkpoint (safetensors weights with the value head,
 * config.json, tokenizer.json, manifest) and {@link REWARD_MODEL_CARD_FILE} (kind, aggregation,
 * step delimiter, task, training stats).
 */
export async function saveRewardModel(dir: string, trained: SavableRewardModel): Promise<void> {
  const { kind, aggregation, stepDelimiter } = trained.rewardModel;
  await saveCheckpoint(dir, {
    model: trained.model,
    tokenizer: trained.tokenizer,
    metadata: { rewardKind: kind, aggregation },
  });
  const card: RewardModelCard = {
    format: CARD_FORMAT,
    version: 1,
    kind,
    aggregation,
    stepDelimiter,
    task: trained.task,
    ...(trained.stats === undefined ? {} : { stats: trained.stats }),
  };
  await writeFile(join(dir, REWARD_MODEL_CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
}

/**
 * Opens a reward model written by {@link saveRewardModel} on ONNX Runtime (no tfjs needed).
 * `runtime` options pass through to `OrtRuntime.fromWeights` (e.g. `executionProvider: 'cuda'`).
 */
export async function loadRewardModel(
  dir: string,
  runtime: { readonly executionProvider?: 'cpu' | 'cuda'; readonly intraOpNumThreads?: number } = {},
): Promise<LearnedRewardModel> {
  const where = join(dir, REWARD_MODEL_CARD_FILE);
  let card: RewardModelCard;
  try {
    card = JSON.parse(await readFile(where, 'utf8')) as RewardModelCard;
  } catch (error) {
    throw new O1labError('CORRUPT_FILE', `cannot read the reward model card: ${(error as Error).message}`, {
      where,
      hint: 'save the model with saveRewardModel',
    });
  }
  if (card?.format !== CARD_FORMAT || !['orm', 'prm', 'pairwise'].includes(card.kind)) {
    throw new O1labError('CORRUPT_FILE', `not an ${CARD_FORMAT} card (kind ${JSON.stringify(card?.kind)})`, {
      where,
    });
  }
  const ckpt = await loadCheckpoint(dir);
  if (ckpt.tokenizer === undefined) {
    throw new O1labError('CORRUPT_FILE', 'the checkpoint has no tokenizer.json', { where: dir });
  }
  const tokenizer = CharTokenizer.fromJSON(ckpt.tokenizer as CharTokenizerJson);
  const ort = await OrtRuntime.fromWeights(ckpt.config, ckpt.weights, {
    ...scoringRuntimeOptions,
    ...runtime,
  });
  return createLearnedRewardModel(ort, tokenizer, {
    kind: card.kind,
    aggregation: card.aggregation,
    stepDelimiter: card.stepDelimiter,
    name: `${card.kind}-tinygpt:${card.task}`,
  });
}

/**
 * ONNX Runtime options of a scoring-only runtime: no decode graph (nothing is generated) and no
 * prefix cache (every call reads whole sequences and needs the value at every position).
 */
export const scoringRuntimeOptions = Object.freeze({ fastDecode: false, prefixCacheBytes: 0 });

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
