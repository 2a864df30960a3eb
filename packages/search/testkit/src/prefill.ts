import type { Policy, SampleOptions, State } from '@o1lab/core';

/**
 * The number of distinct token prefixes among `sequences`: the nodes of their trie, so tokens that
 * several sequences share at the same place are counted once. Over the prompts of a search tree
 * this is what a perfect prefix cache leaves to compute ("each node's prefix computed once").
 */
export function countUniqueTokens(sequences: Iterable<ArrayLike<number>>): number {
  const root = new Map<number, TrieNode>();
  let count = 0;
  for (const seq of sequences) {
    let level = root;
    for (let i = 0; i < seq.length; i++) {
      const id = seq[i]!;
      let next = level.get(id);
      if (next === undefined) {
        next = new Map();
        level.set(id, next);
        count++;
      }
      level = next;
    }
  }
  return count;
}

type TrieNode = Map<number, TrieNode>;

/** A state a policy was asked to continue, with the delimiter it was rendered with (undefined: the policy's own). */
export interface RecordedPrompt {
  readonly state: State;
  readonly stepDelimiter: string | undefined;
}

/**
 * Wraps `policy` so that every state passed to `sampleSteps` and `sampleCompletions` is recorded (in
 * call order) before the call goes through unchanged; meter, name and FLOPs are the policy's own.
 */
export function recordPrompts(policy: Policy): {
  readonly policy: Policy;
  readonly prompts: RecordedPrompt[];
} {
  const prompts: RecordedPrompt[] = [];
  const wrapped: Policy = {
    name: policy.name,
    meter: policy.meter,
    ...(policy.flopsPerToken === undefined ? {} : { flopsPerToken: policy.flopsPerToken }),
    sampleSteps(states: readonly State[], options: SampleOptions & { readonly stepDelimiter: string }) {
      for (const state of states) prompts.push({ state, stepDelimiter: options.stepDelimiter });
      return policy.sampleSteps(states, options);
    },
    sampleCompletions(states: readonly State[], options: SampleOptions) {
      for (const state of states) prompts.push({ state, stepDelimiter: undefined });
      return policy.sampleCompletions(states, options);
    },
    ...(policy.logprobs === undefined
      ? {}
      : { logprobs: (state: State, continuation: string) => policy.logprobs!(state, continuation) }),
  };
  return { policy: wrapped, prompts };
}
