import {
  type FinishReason,
  initialState,
  type Json,
  O1labError,
  type Policy,
  type Problem,
  renderState,
  type State,
  type Task,
  wilsonInterval,
} from '@o1lab/core';
import type { Tokenizer } from '@o1lab/model';
import { type RolloutConfig, sampleOptionsOf } from './config.js';

/** One sampled completion of one prompt, with what a policy-gradient update needs. */
export interface Rollout {
  /** The prompt state the completion continues. */
  readonly state: State;
  /** Index of the prompt in the call; the `numGenerations` rollouts of a prompt share it. */
  readonly group: number;
  /** BOS + the prompt's tokens, exactly as the policy encoded them. */
  readonly promptIds: readonly number[];
  /** Every sampled token, including a final EOS or the tokens of a stop string. */
  readonly completionIds: readonly number[];
  /** Log-probability of each sampled token under the sampling policy (temperature 1). */
  readonly completionLogprobs: readonly number[];
  /** Completion text without the stop string. */
  readonly text: string;
  readonly finishReason: FinishReason;
  /** Policy version (updates applied) whose weights sampled it; see `RolloutQueue`. */
  readonly policyVersion: number;
}

/** Options of {@link collectRollouts}. */
export interface CollectOptions {
  /** Seed of this call's sampling. */
  readonly seed: number;
  /** Delimiter the policy renders states with (`OrtPolicy`'s `stepDelimiter`). @default '\n' */
  readonly stepDelimiter?: string;
  /** Recorded on every rollout. @default 0 */
  readonly policyVersion?: number;
}

/**
 * Samples `numGenerations` completions of every state in one batched policy call. Rollouts come
 * back grouped: rows `g * G .. g * G + G - 1` belong to `states[g]`. Prompt ids are rebuilt as
 * `OrtPolicy` encodes them (BOS + tokenizer.encode(renderState(state))), so the policy must encode
 * with `tokenizer`.
 */
export async function collectRollouts(
  policy: Policy,
  tokenizer: Tokenizer,
  states: readonly State[],
  config: RolloutConfig,
  options: CollectOptions,
): Promise<Rollout[]> {
  const delimiter = options.stepDelimiter ?? '\n';
  const samples = await policy.sampleCompletions(states, sampleOptionsOf(config, options.seed));
  const out: Rollout[] = [];
  samples.forEach((group, g) => {
    const state = states[g]!;
    const promptIds = [tokenizer.bosId, ...tokenizer.encode(renderState(state, delimiter))];
    for (const s of group) {
      if (s.tokenIds.length === 0 || s.tokenIds.length !== s.tokenLogprobs.length) {
        throw new O1labError(
          'INVALID_INPUT',
          `policy '${policy.name}' returned a sample with ${s.tokenIds.length} token ids and ${s.tokenLogprobs.length} logprobs`,
          {
            where: 'collectRollouts',
            hint: 'learning needs token ids and their logprobs (OrtPolicy reports both)',
          },
        );
      }
      out.push({
        state,
        group: g,
        promptIds,
        completionIds: s.tokenIds,
        completionLogprobs: s.tokenLogprobs,
        text: s.text,
        finishReason: s.finishReason,
        policyVersion: options.policyVersion ?? 0,
      });
    }
  });
  return out;
}

/** Outcome rewards from the task's verifier: 1 when `task.verify` accepts the completion, else 0. */
export function verifierRewards<D extends Json>(task: Task<D>, rollouts: readonly Rollout[]): number[] {
  return rollouts.map((r) => {
    const steps = renderState(r.state, task.stepDelimiter).slice(r.state.prompt.length);
    return task.verify(r.state.problem as Problem<D>, steps + r.text).correct ? 1 : 0;
  });
}

/** Greedy pass@1 of a policy on problems, with its Wilson interval. */
export interface PassAt1 {
  readonly passAt1: number;
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

/** Greedy (temperature 0) pass@1 of `policy` on `problems` under the task's verifier, in one batched call. */
export async function greedyPassAt1<D extends Json>(
  policy: Policy,
  task: Task<D>,
  problems: readonly Problem<D>[],
  maxTokens: number,
): Promise<PassAt1> {
  const states = problems.map((p) => initialState(task, p)) as State[];
  const samples = await policy.sampleCompletions(states, { n: 1, maxTokens, temperature: 0, seed: 0 });
  let correct = 0;
  samples.forEach((s, i) => {
    if (task.verify(problems[i]!, s[0]!.text).correct) correct++;
  });
  const ci = wilsonInterval(correct, problems.length);
  return { passAt1: correct / problems.length, lo: ci.lo, hi: ci.hi, n: problems.length };
}
