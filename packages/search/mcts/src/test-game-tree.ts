// Test helpers: a table-driven toy task, policy and reward models over a small game tree.
import type { Policy, Problem, RewardModel, Sample, State, Task } from '@o1lab/core';
import { ComputeMeter, createRng } from '@o1lab/core';

/** A game tree: at depth < `depth` every node offers `actions`; a full path has a leaf value. */
export interface ToyGameTree {
  readonly depth: number;
  readonly actions: readonly string[];
  /** Leaf value per path of actions joined by '/'. */
  readonly leaves: Readonly<Record<string, number>>;
  /** Probability of each action under the toy policy (uniform when absent). */
  readonly actionProbs?: readonly number[];
}

const pathOf = (state: State) => state.steps.map((s) => s.text.replace(/^answer /, ''));

/**
 * A task whose steps are action names; the last step is written `answer <action>` so it states an
 * answer. The answer of a path is the whole path (`a/b/c`); it is correct when its leaf value is the
 * best one.
 */
export function createToyTask(tree: ToyGameTree): Task<{ best: string }> {
  const best = Object.entries(tree.leaves).sort((x, y) => y[1] - x[1])[0]![0];
  const problem: Problem<{ best: string }> = {
    id: 'toy-tree-0',
    task: 'toy-tree',
    question: 'find the best leaf',
    data: { best },
    answer: best,
  };
  return {
    name: 'toy-tree',
    stepDelimiter: '\n',
    generate: () => problem,
    prompt: () => 'Find the best leaf.\n',
    parseAnswer(text) {
      const lines = text.split('\n');
      const last = lines.at(-1) ?? '';
      if (!last.startsWith('answer ')) return null;
      return lines.map((l) => l.replace(/^answer /, '')).join('/');
    },
    verify(p, text) {
      const answer = this.parseAnswer(text);
      return { correct: answer === p.data.best, answer };
    },
  };
}

/**
 * A policy that samples actions from `actionProbs`, one token per step; a step at the last level is
 * written `answer <action>`. Prefill counts the prompt plus one token per step; the first time a
 * state is read its tokens count as computed, later reads as cached.
 */
export function createToyPolicy(tree: ToyGameTree): Policy & { readonly calls: number[] } {
  const meter = new ComputeMeter();
  const probs = tree.actionProbs ?? tree.actions.map(() => 1 / tree.actions.length);
  const seen = new Set<string>();
  const calls: number[] = [];
  const prefill = (states: readonly State[]) => {
    for (const state of states) {
      const key = pathOf(state).join('/');
      const tokens = 1 + state.steps.length;
      if (seen.has(key)) meter.add({ cachedPrefillTokens: tokens });
      else meter.add({ prefillTokens: tokens });
      seen.add(key);
    }
  };
  const step = (depth: number, rng: ReturnType<typeof createRng>): Sample => {
    const i = rng.categorical(probs);
    const action = tree.actions[i]!;
    return {
      text: depth + 1 === tree.depth ? `answer ${action}` : action,
      tokenIds: [i],
      tokenLogprobs: [Math.log(probs[i]!)],
      finishReason: 'stop',
      stop: '\n',
    };
  };
  return {
    name: 'toy-tree-policy',
    meter,
    calls,
    async sampleSteps(states, options) {
      const n = options.n ?? 1;
      const rng = createRng(options.seed ?? 0);
      calls.push(states.length * n);
      prefill(states);
      meter.add({ policyCalls: 1, samples: states.length * n, generatedTokens: states.length * n });
      return states.map((s) => Array.from({ length: n }, () => step(s.steps.length, rng)));
    },
    async sampleCompletions(states, options) {
      const n = options.n ?? 1;
      const rng = createRng(options.seed ?? 0);
      prefill(states);
      let tokens = 0;
      const out = states.map((s) =>
        Array.from({ length: n }, () => {
          const texts: string[] = [];
          for (let d = s.steps.length; d < tree.depth; d++) texts.push(step(d, rng).text);
          tokens += texts.length;
          return {
            text: texts.join('\n'),
            tokenIds: texts.map(() => 0),
            tokenLogprobs: texts.map(() => 0),
            finishReason: 'eos' as const,
          };
        }),
      );
      meter.add({ policyCalls: 1, samples: states.length * n, generatedTokens: tokens });
      return out;
    },
  };
}

/**
 * Reward model of the game tree: the outcome score of a full path is its leaf value (0 for a partial
 * path); the step score of a partial path is `stepValue(path)` (the leaf value at full depth).
 */
export function createToyReward(
  tree: ToyGameTree,
  stepValue: (path: readonly string[]) => number = () => 0.5,
): RewardModel & { readonly batches: number[] } {
  const meter = new ComputeMeter();
  const batches: number[] = [];
  const leaf = (path: readonly string[]) => tree.leaves[path.join('/')];
  return {
    name: 'toy-tree-reward',
    meter,
    batches,
    async scoreOutcome(states) {
      batches.push(states.length);
      meter.add({ rewardCalls: 1, rewardTokens: states.length });
      return states.map((s) => leaf(pathOf(s)) ?? 0);
    },
    async scoreSteps(states) {
      batches.push(states.length);
      meter.add({ rewardCalls: 1, rewardTokens: states.length });
      return states.map((s) => {
        const path = pathOf(s);
        return path.map((_, i) => {
          const prefix = path.slice(0, i + 1);
          return leaf(prefix) ?? stepValue(prefix);
        });
      });
    },
  };
}
