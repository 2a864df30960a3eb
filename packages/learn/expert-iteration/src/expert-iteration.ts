import { join } from 'node:path';
import { createRng, O1labError, type Policy, type Problem, type State } from '@o1lab/core';
import { syncWeights } from '@o1lab/learn-rollout';
import { type SftResult, sftTrain, writeSftDataset } from '@o1lab/learn-sft';
import type { OrtRuntime, PromptCompletion, TinyGptModel, Tokenizer } from '@o1lab/model';
import {
  type ExpertIterationConfig,
  type ExpertIterationOptions,
  resolveExpertIterationConfig,
} from './config.js';

/** One generation request: a problem and the prompt to condition on (hinted in rationalisation). */
export interface CandidateRequest<D = unknown> {
  readonly problem: Problem<D>;
  readonly prompt: string;
}

/**
 * Produces `n` candidate completions per request: plain sampling ({@link policyCandidates}), or
 * any searcher (best-of-N, beam search) that returns completions. Searcher-agnostic on purpose.
 */
export type CandidateFn<D = unknown> = (
  requests: readonly CandidateRequest<D>[],
  options: {
    readonly n: number;
    readonly seed: number;
    readonly temperature: number;
    readonly maxTokens: number;
  },
) => Promise<readonly (readonly string[])[]>;

/** Everything {@link expertIteration} works on; tuning knobs go in the config. */
export interface ExpertIterationInputs<D = unknown> {
  /** The policy, trained in place (tfjs). */
  readonly model: TinyGptModel;
  readonly tokenizer: Tokenizer;
  /** The ONNX Runtime that `generate` samples from; it gets the new weights after each M-step. */
  readonly runtime: OrtRuntime;
  readonly problems: readonly Problem<D>[];
  /** The prompt of a problem (`Task.prompt`). */
  readonly prompt: (problem: Problem<D>) => string;
  readonly generate: CandidateFn<D>;
  /** Reward of a completion: a verifier's 0/1 (`Task.verify`) or a reward model's score. */
  readonly reward: (problem: Problem<D>, completion: string) => number | Promise<number>;
  /** STaR: the prompt with the answer hinted (needed with `rationalize`). */
  readonly hintPrompt?: (problem: Problem<D>) => string;
  /** RFT: the identity of a reasoning path. @default the completion without whitespace */
  readonly pathKey?: (completion: string) => string;
  /** Writes each iteration's kept data as `iteration-<i>.jsonl` (prompt/completion/reward). */
  readonly outDir?: string;
  readonly onIteration?: (log: ExpertIterationLog) => void;
  /** Checked before each iteration: once aborted, no further iteration starts (e.g. `AbortSignal.timeout`). */
  readonly signal?: AbortSignal;
}

/** One E-step + M-step. */
export interface ExpertIterationLog {
  readonly iteration: number;
  /** Candidates generated (rationalisation included). */
  readonly numCandidates: number;
  /** Share of the E-step's candidates that were accepted (before dedupe and caps). */
  readonly sampleAccuracy: number;
  /** Share of problems with at least one accepted candidate, before rationalisation. */
  readonly solveRate: number;
  /** Training pairs from accepted samples after dedupe and the per-problem cap. */
  readonly numKept: number;
  /** Training pairs from hinted rationalisations (STaR). */
  readonly numRationalized: number;
  readonly sft: SftResult | null;
  readonly rolloutTimeMs: number;
  readonly updateTimeMs: number;
  /** tfjs -> ONNX Runtime weight sync. */
  readonly syncTimeMs: number;
}

/** What {@link expertIteration} returns. */
export interface ExpertIterationResult {
  readonly config: ExpertIterationConfig;
  readonly iterations: readonly ExpertIterationLog[];
}

/**
 * Expert iteration (Anthony et al. 2017) as ReST-EM, rejection-sampling fine-tuning or STaR:
 *
 *   for i in 1..numIterations:
 *     E-step: K candidates per problem from the current policy (or a searcher), reward each,
 *             keep reward >= threshold; RFT: distinct paths only; cap per problem
 *     STaR:   failed problems -> candidates with the answer hinted; keep accepted, drop the hint
 *     M-step: reset to the base weights (ReST-EM, STaR) and behaviour-clone the kept pairs
 *     sync the new weights into ONNX Runtime
 */
export async function expertIteration<D>(
  inputs: ExpertIterationInputs<D>,
  options: ExpertIterationOptions = {},
): Promise<ExpertIterationResult> {
  const config = resolveExpertIterationConfig(options);
  const { model, tokenizer, runtime, problems } = inputs;
  if (config.rationalize && inputs.hintPrompt === undefined) {
    throw new O1labError('INVALID_INPUT', '`rationalize` needs `hintPrompt` in the inputs', {
      where: 'expertIteration',
    });
  }
  const rng = createRng(config.seed);
  const base = model.getWeights();
  const pathKey = inputs.pathKey ?? ((s: string) => s.replace(/\s+/g, ''));
  const iterations: ExpertIterationLog[] = [];
  for (let iteration = 0; iteration < config.numIterations; iteration++) {
    if (inputs.signal?.aborted === true) break;
    // E-step: generate and filter
    const t0 = performance.now();
    const requests = problems.map((problem) => ({ problem, prompt: inputs.prompt(problem) }));
    const candidates = await inputs.generate(requests, {
      n: config.samplesPerProblem,
      seed: rng.nextUint32(),
      temperature: config.temperature,
      maxTokens: config.maxTokens,
    });
    const kept: (PromptCompletion & { reward: number })[] = [];
    const failed: number[] = [];
    let numAccepted = 0;
    let numCandidates = 0;
    for (let p = 0; p < problems.length; p++) {
      const problem = problems[p]!;
      const accepted: { completion: string; reward: number }[] = [];
      const seen = new Set<string>();
      for (const completion of candidates[p] ?? []) {
        numCandidates++;
        const reward = await inputs.reward(problem, completion);
        if (reward < config.rewardThreshold) continue;
        numAccepted++;
        if (config.dedupe) {
          const key = pathKey(completion);
          if (seen.has(key)) continue;
          seen.add(key);
        }
        accepted.push({ completion, reward });
      }
      if (accepted.length === 0) failed.push(p);
      if (accepted.length > config.maxPerProblem) {
        rng.shuffle(accepted);
        accepted.length = config.maxPerProblem;
      }
      for (const a of accepted) kept.push({ prompt: requests[p]!.prompt, ...a });
    }
    const sampleAccuracy = numCandidates > 0 ? numAccepted / numCandidates : 0;
    const solveRate = problems.length > 0 ? 1 - failed.length / problems.length : 0;
    const numKept = kept.length;
    // Rationalisation (STaR): hint the answer for the failures, train without the hint
    if (config.rationalize && failed.length > 0) {
      const hinted = failed.map((p) => ({ problem: problems[p]!, prompt: inputs.hintPrompt!(problems[p]!) }));
      const rationales = await inputs.generate(hinted, {
        n: config.rationalizationSamples,
        seed: rng.nextUint32(),
        temperature: config.temperature,
        maxTokens: config.maxTokens,
      });
      for (let j = 0; j < failed.length; j++) {
        const p = failed[j]!;
        for (const completion of rationales[j] ?? []) {
          numCandidates++;
          const reward = await inputs.reward(problems[p]!, completion);
          if (reward < config.rewardThreshold) continue;
          kept.push({ prompt: requests[p]!.prompt, completion, reward });
          break;
        }
      }
    }
    const rolloutTimeMs = performance.now() - t0;
    if (inputs.outDir !== undefined)
      await writeSftDataset(join(inputs.outDir, `iteration-${iteration}.jsonl`), kept);
    // M-step: behaviour cloning on the kept pairs
    const t1 = performance.now();
    let sft: SftResult | null = null;
    let syncTimeMs = 0;
    if (kept.length > 0) {
      if (config.resetEachIteration) model.setWeights(base);
      sft = await sftTrain(model, tokenizer, kept, {
        config: { ...config.sft, seed: config.sft.seed + iteration },
      });
    }
    const updateTimeMs = performance.now() - t1;
    // Weight sync to the rollout runtime
    if (sft !== null) syncTimeMs = (await syncWeights(model, runtime)).totalMs;
    const log: ExpertIterationLog = {
      iteration,
      numCandidates,
      sampleAccuracy,
      solveRate,
      numKept,
      numRationalized: kept.length - numKept,
      sft,
      rolloutTimeMs,
      updateTimeMs,
      syncTimeMs,
    };
    iterations.push(log);
    inputs.onIteration?.(log);
  }
  return { config, iterations };
}

/**
 * A {@link CandidateFn} that samples whole completions from `policy` (one batched call), with
 * the task's `stop` strings.
 */
export function policyCandidates<D>(
  policy: Policy,
  options: { readonly stop?: readonly string[] } = {},
): CandidateFn<D> {
  return async (requests, { n, seed, temperature, maxTokens }) => {
    const states: State[] = requests.map((r) => ({
      problem: r.problem as Problem,
      prompt: r.prompt,
      steps: [],
    }));
    const samples = await policy.sampleCompletions(states, {
      n,
      seed,
      temperature,
      maxTokens,
      ...(options.stop === undefined ? {} : { stop: options.stop }),
    });
    return samples.map((row) => row.map((s) => s.text));
  };
}
