import type { Json, Problem, Rng, Task } from '@o1lab/core';
import { createRng, diffCompute } from '@o1lab/core';
import {
  CharTokenizer,
  initTinyGptWeights,
  OrtPolicy,
  OrtRuntime,
  type OrtRuntimeConfig,
  resolveTinyGptConfig,
} from '@o1lab/model';
import { describe, expect, it } from 'vitest';
import { countUniqueTokens, recordPrompts } from './prefill.js';
import { createVerifierRewardModel } from './reward.js';
import type { WorkloadSearch } from './workload.js';

/** Letters of the tiny walk: prompts and steps are written in `a`, `b`, `=` and newlines only. */
export const TINY_WALK_ALPHABET = 'ab=\n';

/**
 * A task over a four-character alphabet for searches with a real, randomly initialised ONNX
 * Runtime policy: with so few characters a random model ends a step at the newline often, so trees
 * grow several steps deep within a small token limit. The prompt is a word of `a`/`b` and a newline;
 * a step that starts with `=` states an answer (the rest of the step); the answer is correct when it
 * equals the prompt's word. It measures compute, not reasoning.
 */
export const tinyWalkTask: Task<Json> = Object.freeze({
  name: 'tiny-walk',
  stepDelimiter: '\n',
  generate(rng: Rng) {
    let word = '';
    for (let i = 0; i < 6; i++) word += rng.int(2) === 0 ? 'a' : 'b';
    return { id: `tiny-walk-${word}`, task: 'tiny-walk', question: word, data: null, answer: word };
  },
  prompt(problem: Problem<Json>) {
    return `${problem.question}\n`;
  },
  parseAnswer(text: string) {
    const lines = text.split('\n').filter((l) => l.length > 0);
    const last = lines[lines.length - 1];
    return last?.startsWith('=') ? last.slice(1) : null;
  },
  verify(problem: Problem<Json>, text: string) {
    const answer = tinyWalkTask.parseAnswer(text);
    return { correct: answer !== null && answer === problem.answer, answer };
  },
});

/** Scale of the final layer norm's gain in {@link createTinyOrtPolicy}. */
const GAIN_SCALE = 0.1;
/** Logit of the letters `a` and `b`; the newline has 0. */
const LETTER_LOGIT = 0.7;
/** Logit of '=' (a step that starts with it states an answer). */
const ANSWER_LOGIT = -1.5;
/** Logit of the end-of-sequence, padding and BOS tokens. */
const SPECIAL_LOGIT = -4;

// The bias b of least norm with b · wte[v] = target[v] for every token v: b = Wᵀ (W Wᵀ)⁻¹ target,
// W = wte [V, D] (V <= D, random rows so W Wᵀ is invertible), by Gaussian elimination.
function solveBias(wte: Float32Array, D: number, target: Float64Array): Float32Array {
  const V = target.length;
  const a = Array.from({ length: V }, (_, i) => {
    const row = new Float64Array(V + 1);
    for (let j = 0; j < V; j++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += wte[i * D + d]! * wte[j * D + d]!;
      row[j] = dot;
    }
    row[V] = target[i]!;
    return row;
  });
  for (let c = 0; c < V; c++) {
    let pivot = c;
    for (let r = c + 1; r < V; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = 0; r < V; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= V; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  const bias = new Float32Array(D);
  for (let i = 0; i < V; i++) {
    const y = a[i]![V]! / a[i]![i]!;
    for (let d = 0; d < D; d++) bias[d]! += y * wte[i * D + d]!;
  }
  return bias;
}

/** `count` seeded tiny-walk problems. */
export function tinyWalkProblems(count: number, seed = 0): Problem<Json>[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => tinyWalkTask.generate(rng));
}

/**
 * An {@link OrtPolicy} over a randomly initialised one-layer TinyGPT (dModel 32, context 128) that
 * writes the tiny-walk alphabet. `runtime` options pass through (e.g. `prefixCacheBytes: 0`).
 * Dispose `runtime` when done.
 */
export async function createTinyOrtPolicy(
  options: { readonly seed?: number; readonly runtime?: Partial<OrtRuntimeConfig> } = {},
): Promise<{ readonly policy: OrtPolicy; readonly runtime: OrtRuntime }> {
  const tokenizer = new CharTokenizer(TINY_WALK_ALPHABET);
  const model = resolveTinyGptConfig({
    vocabSize: tokenizer.vocabSize,
    nLayer: 1,
    nHead: 2,
    dModel: 32,
    context: 128,
    seed: options.seed ?? 0,
  });
  const weights = initTinyGptWeights(model);
  // Set the next-token distribution through the final layer norm (tied embeddings: logit_v =
  // (g ⊙ x̂ + b) · wte[v]): a small gain keeps some dependence on the context, the bias gives the
  // newline a logit a little below a letter's, '=' a lower one and the special tokens a much lower one, so
  // steps are a few tokens long and usually end at the delimiter.
  const wte = weights.get('wte')!;
  const gain = weights.get('lnf.g')!;
  const bias = weights.get('lnf.b')!;
  const D = model.dModel;
  for (let d = 0; d < D; d++) gain[d]! *= GAIN_SCALE;
  const target = new Float64Array(tokenizer.vocabSize);
  for (const id of tokenizer.encode('ab')) target[id] = LETTER_LOGIT;
  target[tokenizer.encode('=')[0]!] = ANSWER_LOGIT;
  for (const id of [tokenizer.eosId, tokenizer.padId, tokenizer.bosId]) target[id] = SPECIAL_LOGIT;
  bias.set(solveBias(wte, D, target));
  const runtime = await OrtRuntime.fromWeights(model, weights, options.runtime ?? {});
  const policy = new OrtPolicy(runtime, tokenizer, { stepDelimiter: tinyWalkTask.stepDelimiter });
  return { policy, runtime };
}

/** What {@link measureTinyOrtPrefill} found. */
export interface PrefillMeasurement {
  /** Prompt tokens the runtime computed (policy meter `prefillTokens`). */
  readonly prefillTokens: number;
  /** Prompt tokens served from the prefix cache. */
  readonly cachedPrefillTokens: number;
  /** Distinct token prefixes over every prompt the searches asked for ({@link countUniqueTokens}). */
  readonly uniquePromptTokens: number;
  /** prefillTokens / uniquePromptTokens: 1 or less when each prompt token was computed once. */
  readonly ratio: number;
  readonly generatedTokens: number;
}

/**
 * Runs `search` on `numProblems` tiny-walk problems in turn, all with one {@link createTinyOrtPolicy}
 * runtime (so one prefix cache), the verifier as reward model, and compares the prompt tokens the
 * runtime computed with the unique tokens of the prompts the search asked it to continue.
 */
export async function measureTinyOrtPrefill(
  search: WorkloadSearch,
  options: { readonly numProblems?: number; readonly runtime?: Partial<OrtRuntimeConfig> } = {},
): Promise<PrefillMeasurement> {
  const { policy, runtime } = await createTinyOrtPolicy(
    options.runtime === undefined ? {} : { runtime: options.runtime },
  );
  try {
    const recorder = recordPrompts(policy);
    const before = policy.meter.snapshot();
    for (const problem of tinyWalkProblems(options.numProblems ?? 2)) {
      await search(problem, {
        policy: recorder.policy,
        task: tinyWalkTask,
        reward: createVerifierRewardModel(tinyWalkTask as Task),
      });
    }
    const spent = diffCompute(policy.meter.snapshot(), before);
    const uniquePromptTokens = countUniqueTokens(
      recorder.prompts.map((p) => policy.promptTokens(p.state, p.stepDelimiter)),
    );
    return {
      prefillTokens: spent.prefillTokens,
      cachedPrefillTokens: spent.cachedPrefillTokens,
      uniquePromptTokens,
      ratio: spent.prefillTokens / uniquePromptTokens,
      generatedTokens: spent.generatedTokens,
    };
  } finally {
    await runtime.dispose();
  }
}

/**
 * The prefix-cache checks of a tree searcher over the real ONNX Runtime policy: on three tiny-walk
 * problems the runtime computes at most `maxRatio` x the unique prompt tokens of the tree (each
 * node's prefix once), and, so that the check can fail, more than that with the prefix cache off.
 */
export function runPrefillChecks(
  name: string,
  search: WorkloadSearch,
  options: { readonly maxRatio?: number; readonly minUniqueTokens?: number } = {},
): void {
  const maxRatio = options.maxRatio ?? 1.1;
  describe(`${name} over the ONNX Runtime policy (random-init TinyGPT)`, () => {
    it(`computes each prompt token of the tree about once: prefill <= ${maxRatio}x the unique prompt tokens`, async () => {
      const m = await measureTinyOrtPrefill(search, { numProblems: 3 });
      expect(m.uniquePromptTokens).toBeGreaterThan(options.minUniqueTokens ?? 150);
      expect(m.cachedPrefillTokens).toBeGreaterThan(m.prefillTokens);
      expect(m.ratio).toBeLessThanOrEqual(maxRatio);
    });

    it(`without the prefix cache the same search prefills more than ${maxRatio}x the unique prompt tokens`, async () => {
      const m = await measureTinyOrtPrefill(search, { numProblems: 3, runtime: { prefixCacheBytes: 0 } });
      expect(m.cachedPrefillTokens).toBe(0);
      expect(m.ratio).toBeGreaterThan(maxRatio);
    });
  });
}
