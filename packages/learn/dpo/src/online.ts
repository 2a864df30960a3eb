import { createRng, O1labError } from '@o1lab/core';
import { syncWeights } from '@o1lab/learn-rollout';
import type { OrtRuntime, TinyGptModel, Tokenizer } from '@o1lab/model';
import type { DpoConfig } from './config.js';
import { createReferenceModel, type DpoResult, dpoTrain } from './dpo.js';
import { type OutcomeGroup, type PreferencePair, pairsFromOutcomes } from './pairs.js';

/** Inputs of {@link iterativeDpo}. */
export interface IterativeDpoOptions {
  readonly model: TinyGptModel;
  readonly tokenizer: Tokenizer;
  /** The ONNX Runtime that samples (its weights are replaced from `model` after each round). */
  readonly runtime: OrtRuntime;
  /**
   * Samples completions of the round's prompts through the runtime and judges them (verifier or
   * reward model thresholded): one group per prompt.
   */
  readonly generate?: (round: number) => Promise<readonly OutcomeGroup[]>;
  /**
   * Instead of `generate`: the round's pairs built by the caller (step pairs at the first error,
   * {@link firstErrorStepPairs}, or pairs from search trees), with the share of samples judged correct.
   */
  readonly generatePairs?: (round: number) => Promise<RoundPairs>;
  readonly numRounds: number;
  readonly dpo?: Partial<DpoConfig>;
  /** Pairs kept per prompt (drawn at random when there are more). @default 4 */
  readonly maxPairsPerPrompt?: number;
  /**
   * Use the previous round's policy as π_ref (iterative DPO, Xiong et al. 2024; iterative RPO,
   * Pang et al. 2024); false keeps the initial policy. @default true
   */
  readonly refreshReference?: boolean;
  /**
   * Sample round r + 1 while round r trains, from the weights before round r's update (one round
   * off-policy). @default false
   */
  readonly async?: boolean;
  /** Seed of pair subsampling. @default 0 */
  readonly seed?: number;
  readonly onRound?: (log: IterativeDpoRound) => void;
  /** Checked before each round's update: once aborted, no further round trains (e.g. `AbortSignal.timeout`). */
  readonly signal?: AbortSignal;
}

/** What `generatePairs` returns for one round. */
export interface RoundPairs {
  readonly pairs: readonly PreferencePair[];
  /** Share of the round's samples judged correct (reported as `sampleAccuracy`). */
  readonly sampleAccuracy: number;
}

/** One round of {@link iterativeDpo}. */
export interface IterativeDpoRound {
  readonly round: number;
  readonly numPairs: number;
  /** Share of sampled completions the judge marked correct. */
  readonly sampleAccuracy: number;
  readonly dpo: DpoResult | null;
  readonly rolloutTimeMs: number;
  /** tfjs -> ONNX Runtime weight sync (export + session rebuild). */
  readonly syncTimeMs: number;
}

/**
 * Online (iterative) DPO: each round samples through ONNX Runtime, pairs correct against
 * incorrect completions of the same prompt, runs {@link dpoTrain} and copies the new weights into
 * the runtime.
 */
export async function iterativeDpo(options: IterativeDpoOptions): Promise<IterativeDpoRound[]> {
  const { model, tokenizer, runtime } = options;
  if ((options.generate === undefined) === (options.generatePairs === undefined)) {
    throw new O1labError('INVALID_INPUT', 'give exactly one of `generate` and `generatePairs`', {
      where: 'iterativeDpo',
    });
  }
  const rng = createRng(options.seed ?? 0);
  const produce = async (round: number): Promise<RoundPairs> => {
    if (options.generatePairs !== undefined) return options.generatePairs(round);
    const groups = await options.generate!(round);
    let total = 0;
    let correct = 0;
    for (const g of groups) {
      total += g.completions.length;
      correct += g.completions.filter((c) => c.correct).length;
    }
    return {
      pairs: pairsFromOutcomes(groups, { maxPairsPerPrompt: options.maxPairsPerPrompt ?? 4, rng }),
      sampleAccuracy: total > 0 ? correct / total : 0,
    };
  };
  const refresh = options.refreshReference ?? true;
  let reference = createReferenceModel(model);
  const rounds: IterativeDpoRound[] = [];
  let t0 = performance.now();
  let pending = produce(0);
  for (let round = 0; round < options.numRounds; round++) {
    // Rollouts
    const { pairs, sampleAccuracy } = await pending;
    if (options.signal?.aborted === true) break;
    const rolloutTimeMs = performance.now() - t0;
    t0 = performance.now();
    if (options.async === true && round + 1 < options.numRounds) pending = produce(round + 1);
    // Update
    const dpo =
      pairs.length > 0
        ? await dpoTrain(model, reference, tokenizer, pairs, { config: options.dpo ?? {} })
        : null;
    // Weight sync
    const syncTimeMs = dpo === null ? 0 : (await syncWeights(model, runtime)).totalMs;
    if (refresh && dpo !== null) {
      reference.dispose();
      reference = createReferenceModel(model);
    }
    const log = {
      round,
      numPairs: pairs.length,
      sampleAccuracy,
      dpo,
      rolloutTimeMs,
      syncTimeMs,
    };
    rounds.push(log);
    options.onRound?.(log);
    if (options.async !== true && round + 1 < options.numRounds) {
      t0 = performance.now();
      pending = produce(round + 1);
    }
  }
  reference.dispose();
  return rounds;
}
