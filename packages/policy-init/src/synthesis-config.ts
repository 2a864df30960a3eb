import { assertInteger, assertNumber, mergeConfig, O1labError } from '@o1lab/core';
import { BEHAVIOURS, type Behaviour } from './behaviours.js';

/** Probability that a synthesized trace shows each behaviour. */
export type BehaviourSwitches = Readonly<Record<Behaviour, number>>;

/** Knobs of {@link synthesizeTrace} and {@link synthesizeCorpus}. */
export interface SynthesisConfig {
  /**
   * Probability of each behaviour per trace. `stepByStep` at 0 writes the answer alone (for
   * countdown and game24 as one expression over the given numbers).
   * @default { analysis: 0.5, decomposition: 0.5, stepByStep: 1, selfEvaluation: 0.3, selfCorrection: 0.2, backtracking: 0.2 }
   */
  readonly rates: BehaviourSwitches;
  /** In a trace with self-evaluation, the probability that a computation step is followed by a `check:` line (at least one is). @default 0.5 */
  readonly checkProbability: number;
  /** Longest prompt + completion in characters; behaviours are dropped (backtracking, checks, plan, analysis, correction) until a trace fits. @default 192 */
  readonly maxLength: number;
  /** Seed of the synthesis Rng. @default 0 */
  readonly seed: number;
}

export const defaultBehaviourSwitches: BehaviourSwitches = Object.freeze({
  analysis: 0.5,
  decomposition: 0.5,
  stepByStep: 1,
  selfEvaluation: 0.3,
  selfCorrection: 0.2,
  backtracking: 0.2,
});

export const defaultSynthesisConfig: SynthesisConfig = Object.freeze({
  rates: defaultBehaviourSwitches,
  checkProbability: 0.5,
  maxLength: 192,
  seed: 0,
});

/** Merges over {@link defaultSynthesisConfig} (rates merge per behaviour) and validates. */
export function resolveSynthesisConfig(
  options: Partial<Omit<SynthesisConfig, 'rates'>> & { readonly rates?: Partial<BehaviourSwitches> } = {},
): SynthesisConfig {
  const where = 'SynthesisConfig';
  const rates = mergeConfig(defaultBehaviourSwitches, options.rates, `${where}.rates`);
  for (const b of BEHAVIOURS) assertNumber(`rates.${b}`, rates[b], { min: 0, max: 1 }, where);
  const c = mergeConfig(defaultSynthesisConfig, { ...options, rates }, where);
  assertNumber('checkProbability', c.checkProbability, { min: 0, max: 1 }, where);
  assertInteger('maxLength', c.maxLength, { min: 16 }, where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  if (typeof c.rates !== 'object' || c.rates === null) {
    throw new O1labError('INVALID_CONFIG', '`rates` must be an object of probabilities', { where });
  }
  return c;
}
