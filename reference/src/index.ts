import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory of the reference data files (known-answer vectors, truth tables, published numbers). */
export const referenceDataDir: string = join(dirname(fileURLToPath(import.meta.url)), '..', 'data');

/** Reads a JSON file from the reference data directory. */
export function readReferenceJson<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(referenceDataDir, name), 'utf8')) as T;
}

/** Known-answer vectors of the PCG32 generator, produced by the reference C implementation. */
export interface RngVectors {
  readonly generator: string;
  readonly vectors: readonly {
    readonly seed: number;
    readonly stream: number;
    readonly outputs: readonly number[];
  }[];
}

export type {
  ReferenceChosenCompletion,
  ReferenceDpoResult,
  ReferencePreferenceLogps,
} from './learn-dpo.js';
export {
  referenceChosenNll,
  referenceDpoBatchLoss,
  referenceDpoLoss,
  referenceLogSigmoid,
} from './learn-dpo.js';
export type {
  ReferenceGrpoLossOptions,
  ReferenceKlEstimator,
  ReferenceLossAggregation,
  ReferencePolicyTokens,
} from './learn-grpo.js';
export {
  referenceGroupAdvantages,
  referenceGrpoLoss,
  referenceKl,
  referenceProcessAdvantages,
} from './learn-grpo.js';
export type { ReferencePpoLossOptions, ReferencePpoTokens } from './learn-ppo.js';
export {
  referenceAdaptiveKlCoef,
  referenceGae,
  referencePpoLoss,
  referencePpoTokenRewards,
  referenceWhiten,
} from './learn-ppo.js';
export {
  referenceMovingBaseline,
  referenceReinforceLoss,
  referenceReinforcePlusPlusAdvantages,
  referenceRlooAdvantages,
} from './learn-reinforce.js';
export { referenceSearchDistillLoss, referenceVisitCrossEntropy } from './learn-search-distill.js';
export {
  referenceLogSumExp,
  referenceMaskedCrossEntropy,
  referenceSequenceLogprob,
} from './learn-sft.js';
export type {
  MctsGameTree,
  MctsReferenceBounds,
  MctsReferenceChild,
  MctsReferenceTree,
} from './mcts.js';
export {
  mctsBackupReference,
  mctsGameTreeMax,
  mctsGameTreeRandom,
  mctsPuctScoreReference,
  mctsSelectReference,
  mctsVirtualLossReference,
} from './mcts.js';
export type { ReferenceSample } from './reward-model.js';
export {
  referenceBceWithLogits,
  referenceBestOfNExpectation,
  referenceBradleyTerryLoss,
  referenceRocAuc,
  referenceSoftplus,
} from './reward-model.js';
export type {
  TabularMdp,
  TabularTransition,
  ValueIterationResult,
} from './reward-shaping.js';
export {
  referenceDiscountedReturn,
  referenceGreedyActions,
  referenceHardEstimateExpectation,
  referenceMonteCarloEstimate,
  referenceOverlongPenalty,
  referenceShapedRewards,
  referenceValueIteration,
} from './reward-shaping.js';
export type { ReferenceAggregation, SearchSelectionCases } from './search-selection.js';
export {
  referenceAggregate,
  referenceArgmax,
  referenceBeamKeep,
  referenceMajorityVote,
  referenceToyValue,
  referenceWeightedVote,
} from './search-selection.js';
export type {
  TinyGptRefConfig,
  TinyGptRefKv,
  TinyGptRefLayerKv,
  TinyGptRefOptions,
  TinyGptRefOutput,
  TinyGptRefWeights,
} from './tinygpt.js';
export { geluTanh, logSoftmaxRef, tinyGptForwardRef } from './tinygpt.js';
