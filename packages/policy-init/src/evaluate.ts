import {
  assertInteger,
  assertNumber,
  assertOneOf,
  type ComputeSnapshot,
  diffCompute,
  type Estimate,
  initialState,
  meanInterval,
  mergeConfig,
  O1labError,
  type Policy,
  type Problem,
  passAtK,
  type Task,
  wilsonInterval,
} from '@o1lab/core';
import { OrtPolicy, OrtRuntime, type TinyGptConfig, type TinyGptWeights, type Tokenizer } from '@o1lab/model';
import { type BehaviourRates, behaviourRates, solutionOf } from './behaviours.js';

/** Knobs of {@link evaluatePolicy}. */
export interface EvaluationConfig {
  /** Samples per problem for pass@k (n in Chen et al. 2021). @default 16 */
  readonly numSamples: number;
  /** The k of the reported pass@k (each <= numSamples). @default [1, 16] */
  readonly ks: readonly number[];
  /** Sampling temperature of the pass@k samples. @default 1 */
  readonly temperature: number;
  /** Tokens generated per completion at most. @default 160 */
  readonly maxTokens: number;
  /** Problems per policy call. @default 32 */
  readonly problemsPerCall: number;
  /**
   * `'task'`: the task's verifier reads the whole completion, behaviour lines included (every
   * synthetic task's verifier reads them). `'solution'`: it reads the plain derivation left after
   * dropping behaviour lines ({@link solutionOf}), as evaluations did before the countdown and
   * game24 verifiers read them. @default 'task'
   */
  readonly verify: 'task' | 'solution';
  /** Seeds the samples. @default 0 */
  readonly seed: number;
}

export const defaultEvaluationConfig: EvaluationConfig = Object.freeze({
  numSamples: 16,
  ks: Object.freeze([1, 16]),
  temperature: 1,
  maxTokens: 160,
  problemsPerCall: 32,
  verify: 'task',
  seed: 0,
});

/** Validates evaluation options, naming the option at fault. */
export function resolveEvaluationConfig(options: Partial<EvaluationConfig> = {}): EvaluationConfig {
  const where = 'EvaluationConfig';
  const c = mergeConfig(defaultEvaluationConfig, options, where);
  assertInteger('numSamples', c.numSamples, { min: 1 }, where);
  assertNumber('temperature', c.temperature, { min: 0 }, where);
  assertInteger('maxTokens', c.maxTokens, { min: 1 }, where);
  assertInteger('problemsPerCall', c.problemsPerCall, { min: 1 }, where);
  assertOneOf('verify', c.verify, ['task', 'solution'], where);
  assertInteger('seed', c.seed, { min: 0 }, where);
  if (!Array.isArray(c.ks) || c.ks.length === 0) {
    throw new O1labError('INVALID_CONFIG', '`ks` must be a non-empty list', { where });
  }
  for (const k of c.ks) assertInteger('ks[]', k, { min: 1, max: c.numSamples }, where);
  return c;
}

/** What {@link evaluatePolicy} measured. */
export interface PolicyEvaluation {
  readonly task: string;
  readonly numProblems: number;
  /** Greedy (temperature 0) pass@1 with its 95% Wilson interval. */
  readonly greedyPass1: Estimate;
  /** Whether each problem's greedy completion was correct, in the order of `problems` (for paired comparisons). */
  readonly greedyCorrect: readonly boolean[];
  /** Unbiased pass@k (Chen et al. 2021) from `numSamples` samples, mean over problems with a 95% interval. */
  readonly passAtK: Readonly<Record<string, Estimate>>;
  /** Behaviours in the greedy completions. */
  readonly greedyBehaviours: BehaviourRates;
  /** Behaviours in the sampled completions. */
  readonly sampledBehaviours: BehaviourRates;
  readonly config: EvaluationConfig;
  /** Compute the policy spent on this evaluation (when it meters itself). */
  readonly compute?: ComputeSnapshot;
  /** A few greedy completions, for the model card. */
  readonly examples: readonly {
    readonly prompt: string;
    readonly completion: string;
    readonly correct: boolean;
  }[];
}

/**
 * Greedy pass@1 and sampled pass@k of `policy` on `problems` (held-out ones: see
 * `heldOutProblems`), with 95% intervals, and the behaviour rates of what it wrote.
 */
export async function evaluatePolicy(
  policy: Policy,
  task: Task,
  problems: readonly Problem[],
  options: Partial<EvaluationConfig> = {},
): Promise<PolicyEvaluation> {
  const c = resolveEvaluationConfig(options);
  if (problems.length === 0)
    throw new O1labError('INVALID_INPUT', 'no problems to evaluate', { where: 'evaluatePolicy' });
  const meter = (policy as { meter?: { snapshot(): ComputeSnapshot } }).meter;
  const before = meter?.snapshot();
  const judge = (problem: Problem, text: string) =>
    task.verify(problem, c.verify === 'task' ? text : solutionOf(text)).correct;
  const greedyCorrect: boolean[] = [];
  const perK = new Map<number, number[]>(c.ks.map((k) => [k, []]));
  const greedyTexts: string[] = [];
  const sampledTexts: string[] = [];
  const examples: { prompt: string; completion: string; correct: boolean }[] = [];
  for (let i = 0; i < problems.length; i += c.problemsPerCall) {
    const chunk = problems.slice(i, i + c.problemsPerCall);
    const states = chunk.map((p) => initialState(task, p));
    // Greedy pass@1
    const greedy = await policy.sampleCompletions(states, {
      n: 1,
      maxTokens: c.maxTokens,
      temperature: 0,
      seed: c.seed,
    });
    // Sampled pass@k
    const sampled = await policy.sampleCompletions(states, {
      n: c.numSamples,
      maxTokens: c.maxTokens,
      temperature: c.temperature,
      seed: c.seed + 1 + i,
    });
    chunk.forEach((problem, j) => {
      const text = greedy[j]![0]!.text;
      const ok = judge(problem, text);
      greedyCorrect.push(ok);
      greedyTexts.push(text);
      if (examples.length < 4) examples.push({ prompt: states[j]!.prompt, completion: text, correct: ok });
      let correct = 0;
      for (const s of sampled[j]!) {
        sampledTexts.push(s.text);
        if (judge(problem, s.text)) correct++;
      }
      for (const k of c.ks) perK.get(k)!.push(passAtK(c.numSamples, correct, k));
    });
  }
  const passAt: Record<string, Estimate> = {};
  for (const k of c.ks) passAt[`pass@${k}`] = clampInterval(meanInterval(perK.get(k)!));
  const after = meter?.snapshot();
  return {
    task: task.name,
    numProblems: problems.length,
    greedyPass1: wilsonInterval(greedyCorrect.filter(Boolean).length, problems.length),
    greedyCorrect,
    passAtK: passAt,
    greedyBehaviours: behaviourRates(greedyTexts),
    sampledBehaviours: behaviourRates(sampledTexts),
    config: c,
    ...(before !== undefined && after !== undefined ? { compute: diffCompute(after, before) } : {}),
    examples,
  };
}

/** An {@link OrtPolicy} over TinyGPT weights (exported to ONNX in memory). Dispose `runtime` when done. */
export async function createOrtPolicy(
  config: TinyGptConfig,
  weights: TinyGptWeights,
  tokenizer: Tokenizer,
  options: { readonly seed?: number; readonly name?: string } = {},
): Promise<{ policy: OrtPolicy; runtime: OrtRuntime }> {
  const runtime = await OrtRuntime.fromWeights(config, weights, { prefixCacheBytes: 0 });
  const policy = new OrtPolicy(runtime, tokenizer, {
    seed: options.seed ?? 0,
    name: options.name ?? 'tinygpt-ort',
  });
  return { policy, runtime };
}

function clampInterval(e: Estimate): Estimate {
  const lo = Number.isNaN(e.lo) ? e.value : Math.max(0, e.lo);
  const hi = Number.isNaN(e.hi) ? e.value : Math.min(1, e.hi);
  return { ...e, lo, hi };
}
