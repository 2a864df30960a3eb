import {
  ComputeMeter,
  createRng,
  O1labError,
  type Policy,
  type Problem,
  type Sample,
  type SampleOptions,
  type State,
  type Task,
} from '@o1lab/core';

/**
 * Test fixtures: a "coin" task whose success probability from each prefix is known, and a policy
 * that completes a prefix with k steps correctly with probability `probs[k]`.
 */
export type CoinData = {
  /** Success probability of a completion from the prefix with k steps. */
  readonly probs: number[];
  /** Optional scripted outcomes: `patterns[k][j]` is whether sample j from the k-step prefix succeeds. */
  readonly patterns?: boolean[][];
  /** Ground truth of each step, for `checkSteps`. */
  readonly stepOk?: boolean[];
};

export const coinTask: Task<CoinData> = {
  name: 'coin',
  stepDelimiter: '\n',
  generate() {
    throw new O1labError('UNSUPPORTED', 'coin problems are built by tests');
  },
  prompt: (problem) => `${problem.question}\n`,
  parseAnswer(text) {
    const m = /answer: (yes|no)\s*$/.exec(text);
    return m ? m[1]! : null;
  },
  verify(_problem, text) {
    const answer = coinTask.parseAnswer(text);
    return { correct: answer === 'yes', answer };
  },
  checkSteps: (problem, steps) => steps.map((_, i) => ({ correct: problem.data.stepOk?.[i] ?? true })),
};

export function coinProblem(id: string, data: CoinData): Problem<CoinData> {
  return { id, task: 'coin', question: `flip ${id}`, data };
}

/** A solution state with `numSteps` steps `s1`..`sN`. */
export function coinSolution(problem: Problem<CoinData>, numSteps: number): State<CoinData> {
  return {
    problem,
    prompt: coinTask.prompt(problem),
    steps: Array.from({ length: numSteps }, (_, i) => ({ text: `s${i + 1}` })),
  };
}

/** Records of each call, for assertions on batching. */
export interface CoinPolicy extends Policy {
  readonly calls: { numStates: number; n: number; seed: number | undefined }[];
}

/**
 * The coin policy. Tokens are characters. Within one call it keeps a prefix cache of the step
 * boundaries it has computed, so a state whose shorter prefix came earlier in the batch reads that
 * part from the cache (`cachedPrefillTokens`) and computes only the rest (`prefillTokens`).
 */
export function createCoinPolicy(): CoinPolicy {
  const meter = new ComputeMeter();
  const calls: CoinPolicy['calls'] = [];
  return {
    name: 'coin-policy',
    meter,
    calls,
    async sampleSteps() {
      throw new O1labError('UNSUPPORTED', 'the coin policy only completes solutions');
    },
    async sampleCompletions(states: readonly State[], options: SampleOptions): Promise<Sample[][]> {
      const n = options.n ?? 1;
      calls.push({ numStates: states.length, n, seed: options.seed });
      const rng = createRng(options.seed ?? 0);
      const cache = new Set<string>();
      let prefill = 0;
      let cached = 0;
      let generated = 0;
      const out = states.map((state) => {
        const data = state.problem.data as unknown as CoinData;
        const k = state.steps.length;
        // Prefix cache: the longest step-boundary prefix already computed in this call.
        let text = state.prompt;
        const boundaries = [text];
        for (const step of state.steps) {
          text += `${step.text}\n`;
          boundaries.push(text);
        }
        let hit = '';
        for (const b of boundaries) if (cache.has(b)) hit = b;
        cached += hit.length;
        prefill += text.length - hit.length;
        for (const b of boundaries) cache.add(b);
        const row: Sample[] = [];
        for (let j = 0; j < n; j++) {
          const scripted = data.patterns?.[k]?.[j];
          const ok = scripted ?? rng.bernoulli(data.probs[k] ?? 0);
          const sample = ok ? 'answer: yes' : 'answer: no';
          generated += sample.length;
          row.push({ text: sample, tokenIds: [], tokenLogprobs: [], finishReason: 'eos' });
        }
        return row;
      });
      meter.add({
        policyCalls: 1,
        samples: states.length * n,
        prefillTokens: prefill,
        cachedPrefillTokens: cached,
        generatedTokens: generated,
      });
      return out;
    },
  };
}
