// Shared pieces of scripts/learn-expert-iteration.ts and scripts/learn-dpo.ts: load the countdown
// reference policy (reference/models/countdown, made by scripts/policy-init-train.ts) as a tfjs
// model plus an ONNX Runtime policy over the same weights, draw training problems outside the
// held-out split, and measure held-out greedy pass@1 with its 95% Wilson interval.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { createRng, type Estimate, type Policy, type Problem, type Task } from '@o1lab/core';
import {
  CharTokenizer,
  type CharTokenizerJson,
  createTinyGptModel,
  initTfBackend,
  initTinyGptWeights,
  loadCheckpoint,
  OrtPolicy,
  OrtRuntime,
  saveCheckpoint,
  type TinyGptModel,
} from '@o1lab/model';
import {
  evaluatePolicy,
  heldOutProblems,
  isHeldOut,
  REFERENCE_CHECKPOINT_RECIPES,
  REFERENCE_EVALUATION,
  referenceModelDir,
} from '@o1lab/policy-init';
import { countdownTask, TRACE_ALPHABET } from '@o1lab/tasks';

export const task = countdownTask as unknown as Task;
/** The problem distribution the countdown reference checkpoint was trained on. */
export const GENERATE_OPTIONS = REFERENCE_CHECKPOINT_RECIPES.countdown.generateOptions;
/** Positions of the countdown reference checkpoint (its config.json). */
export const REFERENCE_CONTEXT = (
  JSON.parse(readFileSync(join(referenceModelDir('countdown'), 'config.json'), 'utf8')) as { context: number }
).context;
/** Tokens per completion: the reference context less the longest prompt (with BOS) of its distribution. */
export const MAX_TOKENS = REFERENCE_CONTEXT - longestPromptTokens(256);

export interface LoadedPolicy {
  readonly model: TinyGptModel;
  readonly tokenizer: CharTokenizer;
  readonly runtime: OrtRuntime;
  readonly policy: OrtPolicy;
  readonly backend: string;
  readonly source: string;
}

/**
 * The reference checkpoint, or with `smoke` a random-init tiny model (to check the pipeline). With
 * `valueHead`, a freshly initialised value head is added to the checkpoint's weights.
 */
export async function loadPolicy(
  dir: string | undefined,
  smoke: boolean,
  valueHead = false,
): Promise<LoadedPolicy> {
  const backend = (await initTfBackend({ log: () => {} })).name;
  let model: TinyGptModel;
  let tokenizer: CharTokenizer;
  let source: string;
  if (smoke) {
    tokenizer = new CharTokenizer(TRACE_ALPHABET);
    model = createTinyGptModel({
      vocabSize: tokenizer.vocabSize,
      nLayer: 1,
      nHead: 2,
      dModel: 32,
      context: REFERENCE_CONTEXT,
      valueHead,
    });
    source = 'random-init smoke model';
  } else {
    const path = dir ?? referenceModelDir('countdown');
    source = shownPath(path);
    const ckpt = await loadCheckpoint(path);
    tokenizer = CharTokenizer.fromJSON(ckpt.tokenizer as CharTokenizerJson);
    if (valueHead && !ckpt.config.valueHead) {
      const config = { ...ckpt.config, valueHead: true };
      const weights = new Map(initTinyGptWeights(config));
      for (const [name, w] of ckpt.weights) weights.set(name, w);
      model = createTinyGptModel(config, weights);
    } else {
      model = createTinyGptModel(ckpt.config, ckpt.weights);
    }
  }
  const runtime = await OrtRuntime.fromWeights(model.config, model.getWeights());
  const policy = new OrtPolicy(runtime, tokenizer, { seed: 0 });
  return { model, tokenizer, runtime, policy, backend, source };
}

/** A path as the reports record it: relative to the working directory when inside it, so reports do not carry a machine's layout. */
export function shownPath(path: string): string {
  const r = relative(process.cwd(), path);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? path : r;
}

/** Characters (one token each) plus BOS of the longest of `count` seeded prompts of the distribution. */
function longestPromptTokens(count: number): number {
  const rng = createRng(1);
  let longest = 0;
  for (let i = 0; i < count; i++)
    longest = Math.max(longest, task.prompt(task.generate(rng, GENERATE_OPTIONS)).length);
  return longest + 1;
}

/** Training problems: seeded, outside the held-out split the evaluation draws from. */
export function trainingProblems(count: number, seed: number): Problem[] {
  const rng = createRng(seed);
  const out: Problem[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const p = task.generate(rng, GENERATE_OPTIONS);
    if (isHeldOut(p.id, 0.1) || seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}

/** Held-out greedy pass@1 and which problems the greedy completion solved (for {@link pairedDelta}). */
export interface HeldOutGreedy {
  readonly estimate: Estimate;
  readonly correct: readonly boolean[];
}

/** Held-out greedy pass@1 (the reference models' evaluation split and seed). */
export async function greedyPass1(policy: Policy, numProblems: number): Promise<HeldOutGreedy> {
  const problems = heldOutProblems(task, numProblems, {
    seed: REFERENCE_EVALUATION.seed,
    generateOptions: GENERATE_OPTIONS,
  });
  const evaluation = await evaluatePolicy(policy, task, problems, {
    numSamples: 1,
    ks: [1],
    maxTokens: MAX_TOKENS,
  });
  return { estimate: evaluation.greedyPass1, correct: evaluation.greedyCorrect };
}

/**
 * after - before on the same problems, with a 95% interval from the per-problem differences
 * (normal approximation of the paired difference of proportions; tighter than comparing the two
 * Wilson intervals, since both runs see the same problems).
 */
export function pairedDelta(
  before: HeldOutGreedy,
  after: HeldOutGreedy,
): Estimate & { gained: number; lost: number } {
  const n = before.correct.length;
  if (n === 0 || after.correct.length !== n)
    throw new Error('pairedDelta: the two evaluations must cover the same problems');
  const d = before.correct.map((b, i) => Number(after.correct[i]) - Number(b));
  const m = d.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? d.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1) : 0;
  const half = 1.96 * Math.sqrt(variance / n);
  return {
    value: m,
    lo: m - half,
    hi: m + half,
    n,
    gained: d.filter((x) => x > 0).length,
    lost: d.filter((x) => x < 0).length,
  };
}

export function formatEstimate(e: Estimate): string {
  return `${e.value.toFixed(3)} [${e.lo.toFixed(3)}, ${e.hi.toFixed(3)}]`;
}

/** Writes the report to `out` and, when `save` is given, the final checkpoint there. */
export async function writeRun(
  out: string,
  save: string | undefined,
  loaded: LoadedPolicy,
  report: Record<string, unknown>,
): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  if (save !== undefined) await saveCheckpoint(save, { model: loaded.model, tokenizer: loaded.tokenizer });
}
