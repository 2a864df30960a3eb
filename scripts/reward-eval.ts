// Learned reward models measured end to end (writes reports/reward/reward-eval.json):
//   npx tsx --conditions=source scripts/reward-eval.ts
// 1. Quick recipe timing: a PRM on countdown from 256 solutions of the reference policy, MC labels
//    with 4 rollouts, 150 optimiser steps (what the integration's quick recipe must fit in ~90 s).
// 2. Arithmetic: PRM step accuracy and ROC AUC against ground truth (task.checkSteps, prefix labels)
//    for PRMs trained on MC labels, on consensus-filtered MC labels and on ground-truth labels.
// 3. Countdown: best-of-N accuracy by ORM, by PRM (each aggregation), majority vote and random pick
//    at N = 1..64 on pools sampled from the reference policy, with 95% intervals.
// Options: --steps N (optimiser steps of the evaluation models, default 300), --batch B (default 32),
// --only quick|arithmetic|countdown, --test-problems N (countdown best-of-N problems, default 500),
// --arithmetic-labels mc,consensus,truth (which arithmetic PRMs to train), --arithmetic-train-problems N
// (the arithmetic training pool, 3 solutions per problem, default 300), --countdown-train-problems N
// and --countdown-train-samples K (the countdown training pool, default 400 x 4),
// --countdown-labels mc,truth (which countdown PRMs to train; without mc no MC rollouts are run),
// --out FILE (default reports/reward/reward-eval.json).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  aggregateStepScores,
  ComputeMeter,
  createRng,
  type Policy,
  type Problem,
  type Rng,
  type Sample,
  type SampleOptions,
  STEP_AGGREGATIONS,
  type State,
  type Task,
} from '@o1lab/core';
import { CharTokenizer, type CharTokenizerJson, initTfBackend, loadCheckpoint } from '@o1lab/model';
import { loadReferencePolicy, REFERENCE_CHECKPOINT_RECIPES, referenceModelDir } from '@o1lab/policy-init';
import {
  bestOfNEvaluation,
  createVerifierRewardModel,
  mcPrmExamples,
  mcStepExamples,
  type RewardExample,
  type RewardModelInit,
  type RewardTrainingConfig,
  rocAuc,
  splitSteps,
  stepAccuracy,
  type TrainedRewardModel,
  trainRewardModel,
} from '@o1lab/reward-model';
import { type ArithmeticData, arithmeticTask, countdownTask } from '@o1lab/tasks';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '300' },
    batch: { type: 'string', default: '32' },
    only: { type: 'string' },
    out: { type: 'string', default: 'reports/reward/reward-eval.json' },
    'test-problems': { type: 'string', default: '500' },
    'arithmetic-labels': { type: 'string', default: 'mc,consensus,truth' },
    'countdown-train-problems': { type: 'string', default: '400' },
    'arithmetic-train-problems': { type: 'string', default: '300' },
    'countdown-train-samples': { type: 'string', default: '4' },
    'countdown-labels': { type: 'string', default: 'mc,truth' },
  },
});
const countdownLabels = values['countdown-labels']!.split(',');
if (countdownLabels.some((l) => l !== 'mc' && l !== 'truth') || countdownLabels.length === 0) {
  console.error(`reward-eval: --countdown-labels takes mc and/or truth, got ${values['countdown-labels']}`);
  process.exit(2);
}
for (const name of [
  'countdown-train-problems',
  'countdown-train-samples',
  'arithmetic-train-problems',
] as const) {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < 1) {
    console.error(`reward-eval: --${name} must be a positive integer, got ${values[name]}`);
    process.exit(2);
  }
}
const EVAL_STEPS = Number(values.steps);
const EVAL_BATCH = Number(values.batch);
const only = values.only;
const report: Record<string, unknown> = {
  command: `npx tsx --conditions=source scripts/reward-eval.ts ${process.argv.slice(2).join(' ')}`.trim(),
};
/** Writes what is measured so far, so a later part that fails leaves the earlier ones on disk. */
async function save(): Promise<void> {
  await mkdir(dirname(values.out!), { recursive: true });
  await writeFile(values.out!, `${JSON.stringify(report, null, 2)}\n`);
}
/** The countdown problems the reference checkpoint was trained on (its recipe's generate options). */
const COUNTDOWN_OPTIONS = REFERENCE_CHECKPOINT_RECIPES.countdown.generateOptions as Record<string, number>;
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const backend = await initTfBackend({ log });
report.tfBackend = backend;
report.countdownProblems = COUNTDOWN_OPTIONS;

async function loadInit(name: 'countdown' | 'arithmetic'): Promise<RewardModelInit> {
  const ckpt = await loadCheckpoint(referenceModelDir(name));
  return {
    config: ckpt.config,
    weights: ckpt.weights,
    tokenizer: CharTokenizer.fromJSON(ckpt.tokenizer as CharTokenizerJson),
  };
}

function problemsOf(
  task: Task,
  count: number,
  seed: number,
  options: Record<string, number>,
  avoid = new Set<string>(),
) {
  const rng = createRng(seed);
  const out: Problem[] = [];
  const seen = new Set(avoid);
  while (out.length < count) {
    const p = task.generate(rng, options);
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}

const asState = (task: Task, problem: Problem, steps: readonly string[]): State => ({
  problem,
  prompt: task.prompt(problem),
  steps: steps.map((text) => ({ text })),
});

/** Ground-truth prefix labels (1 while every step so far is right) from the task's checker. */
async function truthLabels(task: Task, states: readonly State[]): Promise<number[][]> {
  return createVerifierRewardModel(task).scoreSteps(states);
}

/** One step of a reference solution with its result changed (seeded), or the solution unchanged. */
function corrupt(steps: readonly string[], rng: Rng, pClean: number): string[] {
  const out = [...steps];
  if (rng.bernoulli(pClean)) return out;
  const candidates = out.map((s, k) => (/=\d+$/.test(s) ? k : -1)).filter((k) => k >= 0);
  if (candidates.length === 0) return out;
  const k = candidates[rng.int(candidates.length)]!;
  out[k] = out[k]!.replace(/=(\d+)$/, (_, n: string) => {
    const digits = [...n];
    const i = rng.int(digits.length);
    digits[i] = String((Number(digits[i]) + 1 + rng.int(9)) % 10);
    if (digits[0] === '0' && digits.length > 1) digits[0] = '1';
    return `=${digits.join('')}`;
  });
  return out;
}

const trainConfig = (numSteps: number): Partial<RewardTrainingConfig> => ({
  numSteps,
  batchSize: EVAL_BATCH,
  learningRate: 1e-3,
  labels: 'hard',
  seed: 0,
});

function summariseLabels(examples: readonly RewardExample[]) {
  const all = examples.flatMap((e) => e.stepLabels ?? []);
  const kept = examples.flatMap((e) => (e.stepLabels ?? []).filter((_, k) => e.stepMask?.[k] !== false));
  return {
    numExamples: examples.length,
    numSteps: all.length,
    numKeptSteps: kept.length,
    positiveRate: kept.filter((l) => l >= 0.5).length / Math.max(1, kept.length),
    numCorrectSolutions: examples.filter((e) => e.outcome === 1).length,
  };
}

function trainLog(tag: string) {
  return (p: { step: number; numSteps: number; loss: number }) => {
    if (p.step % 50 === 0 || p.step === p.numSteps)
      log(`${tag} step ${p.step}/${p.numSteps} loss ${p.loss.toFixed(4)}`);
  };
}

function trainingSummary(t: TrainedRewardModel) {
  const { losses: _losses, ...rest } = t.stats;
  return { ...rest, firstLoss: t.stats.losses[0] };
}

// 1. Quick recipe timing ---------------------------------------------------------------------------
if (only === undefined || only === 'quick') {
  log('quick: countdown PRM, 256 sampled solutions, MC labels with 4 rollouts, 150 steps');
  const { policy, runtime } = await loadReferencePolicy('countdown', { seed: 0 });
  const init = await loadInit('countdown');
  const problems = problemsOf(countdownTask as Task, 64, 101, COUNTDOWN_OPTIONS);
  const t0 = performance.now();
  const { examples, compute } = await mcPrmExamples(policy, countdownTask as Task, problems, {
    samplesPerProblem: 4,
    rolloutsPerStep: 4,
    maxTokens: 48,
    seed: 7,
    labels: 'soft',
  });
  const labelMs = performance.now() - t0;
  const trained = await trainRewardModel(
    { kind: 'prm', task: countdownTask as Task, examples, init, onProgress: trainLog('quick') },
    { ...trainConfig(150), batchSize: 32, labels: 'soft' },
  );
  const totalMs = performance.now() - t0;
  const withReference = await mcPrmExamples(policy, countdownTask as Task, problems, {
    samplesPerProblem: 4,
    rolloutsPerStep: 4,
    maxTokens: 48,
    seed: 7,
    labels: 'soft',
    addReferenceSolutions: true,
  });
  report.quickRecipe = {
    labelsWithReferenceSolutions: summariseLabels(withReference.examples),
    what: 'countdown PRM: 64 problems x 4 samples from the reference policy, MC soft labels (4 rollouts, maxTokens 48), 150 steps at batch 32 from the policy checkpoint',
    labels: summariseLabels(examples),
    labelMs,
    labelCompute: compute,
    training: trainingSummary(trained),
    totalMs,
  };
  log(
    `quick: labels ${(labelMs / 1000).toFixed(1)} s, training ${(trained.stats.timeMs / 1000).toFixed(1)} s`,
  );
  await trained.dispose();
  await runtime.dispose();
  await save();
}

// 2. Arithmetic step AUC ---------------------------------------------------------------------------
/**
 * A completer for long multiplication that carries on from a prefix: it trusts the partial
 * products the prefix wrote (`x*y=v`, right or wrong, whatever x is): a product whose y is an
 * unused place term of the second factor stands for that term, any other product line (a term the
 * factor does not have, or one already written) is added to the sum as a policy that took it for
 * a partial product would. It computes the missing products and the final sum itself (so a wrong
 * sum line is recoverable, as in Math-Shepherd), and slips (a wrong digit) on each number it
 * computes with probability `slip`. It stands in for the reference arithmetic policy, which
 * completes no prefix correctly (MC labels from it are all 0).
 */
function createArithmeticCompleter(slip: number): Policy {
  const meter = new ComputeMeter();
  return {
    name: 'arithmetic-completer',
    meter,
    async sampleSteps() {
      throw new Error('the completer only completes');
    },
    async sampleCompletions(states: readonly State[], options: SampleOptions): Promise<Sample[][]> {
      const rng = createRng(options.seed ?? 0);
      const n = options.n ?? 1;
      meter.add({ policyCalls: 1, samples: states.length * n });
      return states.map((state) => {
        const data = state.problem.data as unknown as ArithmeticData;
        const a = BigInt(data.a);
        // Place terms of the second factor, least significant first (a zero digit's term is one too,
        // but adds nothing to the product).
        const terms = [...data.b].reverse().map((digit, k) => ({ term: `${digit}${'0'.repeat(k)}`, k }));
        const written = new Map<string, bigint>();
        let stray = 0n;
        for (const step of state.steps) {
          const m = /^\d+\*(\d+)=(\d+)$/.exec(step.text);
          if (m === null) continue;
          if (terms.some((t) => t.term === m[1]) && !written.has(m[1]!)) written.set(m[1]!, BigInt(m[2]!));
          else stray += BigInt(m[2]!);
        }
        return Array.from({ length: n }, (): Sample => {
          let sum = stray;
          for (const { term, k } of terms) {
            if (term[0] === '0') continue;
            const have = written.get(term);
            sum += have ?? a * BigInt(term) + (rng.bernoulli(slip) ? 10n ** BigInt(k) : 0n);
          }
          if (rng.bernoulli(slip)) sum += 1n;
          return { text: `answer: ${sum}`, tokenIds: [], tokenLogprobs: [], finishReason: 'eos' };
        });
      });
    },
  };
}

/**
 * A long-multiplication solution in the task's layout (partial products, running sums, answer)
 * where, with probability 1 - pClean, one product or sum has one digit changed and every later
 * line carries the error on, as a solver that slipped once would write it.
 */
function slippedArithmeticSolution(data: ArithmeticData, rng: Rng, pClean: number): string[] {
  const a = BigInt(data.a);
  const terms = [...data.b]
    .reverse()
    .map((d, k) => `${d}${'0'.repeat(k)}`)
    .filter((t) => t[0] !== '0');
  const numSums = Math.max(0, terms.length - 1);
  const slipAt = rng.bernoulli(pClean) ? -1 : rng.int(terms.length + numSums);
  const products = terms.map((t, i) => {
    const v = a * BigInt(t);
    return i === slipAt ? perturb(v, rng) : v;
  });
  const lines = terms.map((t, i) => `${data.a}*${t}=${products[i]}`);
  let acc = products[0] ?? 0n;
  for (let j = 1; j < products.length; j++) {
    const r = terms.length + j - 1 === slipAt ? perturb(acc + products[j]!, rng) : acc + products[j]!;
    lines.push(`${acc}+${products[j]}=${r}`);
    acc = r;
  }
  lines.push(`answer: ${acc}`);
  return lines;
}

/** `v` with one digit changed (the leading digit never becomes 0). */
function perturb(v: bigint, rng: Rng): bigint {
  const digits = [...v.toString()];
  const i = rng.int(digits.length);
  digits[i] = String((Number(digits[i]) + 1 + rng.int(9)) % 10);
  if (digits[0] === '0' && digits.length > 1) digits[0] = '1';
  return BigInt(digits.join(''));
}

if (only === undefined || only === 'arithmetic') {
  log('arithmetic: solution pool from the reference policy and corrupted reference solutions');
  const task = arithmeticTask as unknown as Task;
  const gen = { digitsA: 3, digitsB: 3 };
  const trainProblems = problemsOf(task, Number(values['arithmetic-train-problems']), 201, gen);
  const testProblems = problemsOf(task, 150, 202, gen, new Set(trainProblems.map((p) => p.id)));
  const { policy, runtime } = await loadReferencePolicy('arithmetic', { seed: 0 });
  const pool = async (
    problems: readonly Problem[],
    seed: number,
  ): Promise<{ states: State[]; source: string[] }> => {
    const rng = createRng(seed);
    const roots = problems.map((p) => asState(task, p, []));
    const samples = await policy.sampleCompletions(roots, { n: 1, maxTokens: 150, temperature: 1, seed });
    const states: State[] = [];
    const source: string[] = [];
    problems.forEach((p, i) => {
      const sampled = splitSteps(samples[i]![0]!.text, task.stepDelimiter);
      if (sampled.length > 0) {
        states.push(asState(task, p, sampled));
        source.push('policy');
      }
      for (let j = 0; j < 2; j++) {
        states.push(
          asState(task, p, slippedArithmeticSolution(p.data as unknown as ArithmeticData, rng, 0.3)),
        );
        source.push('reference');
      }
    });
    return { states, source };
  };
  const train = await pool(trainProblems, 11);
  const test = await pool(testProblems, 12);
  await runtime.dispose();
  const testTruth = (await truthLabels(task, test.states)).flat();
  const trainTruth = await truthLabels(task, train.states);
  const completer = createArithmeticCompleter(0.1);
  const mcOptions = { rolloutsPerStep: 8, maxTokens: 64, seed: 3, labels: 'hard' as const };
  const mc = await mcStepExamples(completer, task, train.states, mcOptions);
  const consensus = await mcStepExamples(completer, task, train.states, {
    ...mcOptions,
    consensus: 'checkSteps',
  });
  const truth: RewardExample[] = train.states.map((s, i) => ({
    problem: s.problem,
    steps: s.steps.map((x) => x.text),
    stepLabels: trainTruth[i]!,
  }));
  // MC label quality against the ground truth, before any training.
  const mcFlat = mc.examples.flatMap((e) => e.stepLabels!);
  const truthFlat = trainTruth.flat();
  const mcAgreement = mcFlat.filter((l, i) => l === truthFlat[i]).length / mcFlat.length;
  const keptAgreement = (() => {
    let agree = 0;
    let kept = 0;
    let i = 0;
    for (const e of consensus.examples) {
      e.stepLabels!.forEach((l, k) => {
        if (e.stepMask![k]) {
          kept++;
          if (l === truthFlat[i]) agree++;
        }
        i++;
      });
    }
    return agree / kept;
  })();
  log(
    `arithmetic: MC labels agree with the ground truth on ${(100 * mcAgreement).toFixed(1)}% of ${mcFlat.length} steps, consensus-kept ones on ${(100 * keptAgreement).toFixed(1)}%`,
  );
  const init = await loadInit('arithmetic');
  const results: Record<string, unknown> = {};
  const wanted = new Set(values['arithmetic-labels']!.split(','));
  for (const [name, examples, key] of [
    ['mcLabels', mc.examples, 'mc'],
    ['consensusFilteredMcLabels', consensus.examples, 'consensus'],
    ['groundTruthLabels', truth, 'truth'],
  ] as const) {
    if (!wanted.has(key)) continue;
    log(`arithmetic: training the PRM on ${name}`);
    const prm = await trainRewardModel(
      { kind: 'prm', task, examples, init, onProgress: trainLog(`arithmetic ${name}`) },
      trainConfig(EVAL_STEPS),
    );
    const scores = (await prm.rewardModel.scoreSteps(test.states)).flat();
    const labels = testTruth.map((l) => l === 1);
    const bySource = Object.fromEntries(
      ['policy', 'reference'].map((src) => {
        const keep: number[] = [];
        let i = 0;
        test.states.forEach((s, j) => {
          for (let k = 0; k < s.steps.length; k++, i++) if (test.source[j] === src) keep.push(i);
        });
        return [
          src,
          rocAuc(
            keep.map((i) => scores[i]!),
            keep.map((i) => labels[i]!),
          ),
        ];
      }),
    );
    results[name] = {
      labels: summariseLabels(examples),
      stepAuc: rocAuc(scores, labels),
      stepAucBySource: bySource,
      stepAccuracy: stepAccuracy(scores, labels, 0.5),
      training: trainingSummary(prm),
      scoringCompute: prm.rewardModel.meter.snapshot(),
    };
    log(`arithmetic ${name}: step AUC ${rocAuc(scores, labels).toFixed(3)}`);
    report.arithmeticPartial = results;
    await save();
    await prm.dispose();
  }
  report.arithmetic = {
    pool: 'per problem: 1 sample of the reference arithmetic policy (T = 1) + 2 solver solutions, each with one product or sum digit changed (the error carried on to the answer) with probability 0.7',
    mcRollouts:
      'scripted completer: trusts the written partial products (a product of a term the factor lacks, or of one already written, is added to the sum), recomputes the sum (a wrong sum line is recoverable), slips with probability 0.1 per computed number; 8 rollouts per step, hard labels',
    numTrainSolutions: train.states.length,
    numTestSolutions: test.states.length,
    numTestSteps: testTruth.length,
    testPositiveRate: testTruth.filter((l) => l === 1).length / testTruth.length,
    mcLabelAgreementWithTruth: mcAgreement,
    consensusKeptAgreementWithTruth: keptAgreement,
    results,
  };
  delete report.arithmeticPartial;
  await save();
}

// 3. Countdown best-of-N ---------------------------------------------------------------------------
if (only === undefined || only === 'countdown') {
  const task = countdownTask as unknown as Task;
  const gen = COUNTDOWN_OPTIONS;
  const trainProblems = problemsOf(task, Number(values['countdown-train-problems']), 301, gen);
  const testProblems = problemsOf(
    task,
    Number(values['test-problems']),
    302,
    gen,
    new Set(trainProblems.map((p) => p.id)),
  );
  const { policy, runtime } = await loadReferencePolicy('countdown', { seed: 0 });
  log('countdown: training pool (policy samples + reference solutions + corrupted references)');
  const rng = createRng(31);
  const roots = trainProblems.map((p) => asState(task, p, []));
  const sampled = await policy.sampleCompletions(roots, {
    n: Number(values['countdown-train-samples']),
    maxTokens: 48,
    temperature: 1,
    seed: 32,
  });
  const trainStates: State[] = [];
  trainProblems.forEach((p, i) => {
    for (const s of sampled[i]!) {
      const steps = splitSteps(s.text, task.stepDelimiter);
      if (steps.length > 0) trainStates.push(asState(task, p, steps));
    }
    const reference = task.solve!(p);
    if (reference !== null) {
      trainStates.push(asState(task, p, reference));
      trainStates.push(asState(task, p, corrupt(reference, rng, 0)));
    }
  });
  // MC labels need rollouts from every step; without `mc` in --countdown-labels the ORM's outcomes
  // and the ground-truth PRM's step labels come from the verifier alone.
  const mc = countdownLabels.includes('mc')
    ? await mcStepExamples(policy, task, trainStates, {
        rolloutsPerStep: 4,
        maxTokens: 48,
        seed: 33,
        labels: 'hard',
      })
    : undefined;
  const trainTruth = await truthLabels(task, trainStates);
  const truth: RewardExample[] = trainStates.map((state, i) => ({
    problem: state.problem,
    steps: state.steps.map((s) => s.text),
    stepLabels: trainTruth[i]!,
    outcome: task.verify(state.problem, state.steps.map((s) => s.text).join(task.stepDelimiter)).correct
      ? 1
      : 0,
  }));

  log('countdown: test pools, 64 samples per problem');
  const testRoots = testProblems.map((p) => asState(task, p, []));
  const testSamples = await policy.sampleCompletions(testRoots, {
    n: 64,
    maxTokens: 48,
    temperature: 1,
    seed: 34,
  });
  await runtime.dispose();
  const pools = testProblems.map((p, i) =>
    testSamples[i]!.map((s) => {
      const v = task.verify(p, s.text);
      return {
        state: asState(task, p, splitSteps(s.text, task.stepDelimiter)),
        answer: v.answer,
        correct: v.correct,
      };
    }),
  );
  const flat = pools.flat();
  const withSteps = flat.filter((x) => x.state.steps.length > 0).map((x) => x.state);
  const init = await loadInit('countdown');
  const ns = [1, 2, 4, 8, 16, 32, 64];
  const evaluate = (scores: readonly number[]) => {
    let i = 0;
    return bestOfNEvaluation(
      pools.map((pool) => pool.map((x) => ({ answer: x.answer, correct: x.correct, score: scores[i++]! }))),
      { ns, numTrials: 64, seed: 0 },
    ).rows;
  };
  const results: Record<string, unknown> = {};
  const table = (
    rows: ReturnType<typeof evaluate>,
    pick: 'bestOfN' | 'majorityVote' | 'randomPick' | 'oracle' | 'weightedVote' | 'bestOfNMinusMajority',
  ) => rows.map((r) => ({ ...r[pick], numProblems: r[pick].n, n: r.n }));

  log('countdown: ORM on outcomes');
  const orm = await trainRewardModel(
    { kind: 'orm', task, examples: mc?.examples ?? truth, init, onProgress: trainLog('countdown orm') },
    trainConfig(EVAL_STEPS),
  );
  const ormScores = await orm.rewardModel.scoreOutcome(flat.map((x) => x.state));
  const ormRows = evaluate(ormScores);
  results.orm = {
    training: trainingSummary(orm),
    bestOfN: table(ormRows, 'bestOfN'),
    bestOfNMinusMajority: table(ormRows, 'bestOfNMinusMajority'),
    weightedVote: table(ormRows, 'weightedVote'),
  };
  results.majorityVote = table(ormRows, 'majorityVote');
  results.randomPick = table(ormRows, 'randomPick');
  results.oracle = table(ormRows, 'oracle');
  await orm.dispose();

  const prms: [string, readonly RewardExample[]][] = [];
  if (mc !== undefined) prms.push(['prmMcLabels', mc.examples]);
  if (countdownLabels.includes('truth')) prms.push(['prmGroundTruthLabels', truth]);
  for (const [name, examples] of prms) {
    log(`countdown: PRM on ${name}`);
    const prm = await trainRewardModel(
      { kind: 'prm', task, examples, init, onProgress: trainLog(`countdown ${name}`) },
      trainConfig(EVAL_STEPS),
    );
    const t0 = performance.now();
    const stepScores = await prm.rewardModel.scoreSteps(withSteps);
    const scoreMs = performance.now() - t0;
    const byAggregation: Record<string, unknown> = {};
    for (const how of STEP_AGGREGATIONS) {
      let j = 0;
      const scores = flat.map((x) =>
        x.state.steps.length > 0 ? aggregateStepScores(stepScores[j++]!, how) : 0,
      );
      const rows = evaluate(scores);
      byAggregation[how] = {
        bestOfN: table(rows, 'bestOfN'),
        bestOfNMinusMajority: table(rows, 'bestOfNMinusMajority'),
        weightedVote: table(rows, 'weightedVote'),
      };
    }
    const truthTest = (await truthLabels(task, withSteps)).flat();
    results[name] = {
      labels: summariseLabels(examples),
      training: trainingSummary(prm),
      stepAucOnTestPool: rocAuc(
        stepScores.flat(),
        truthTest.map((l) => l === 1),
      ),
      scoring: { numSolutions: withSteps.length, timeMs: scoreMs, compute: prm.rewardModel.meter.snapshot() },
      byAggregation,
    };
    await prm.dispose();
  }
  report.countdown = {
    trainPool: `per problem: ${values['countdown-train-samples']} reference-policy samples (T = 1, maxTokens 48), the reference solution (task.solve) and one copy with one result digit changed; ${mc === undefined ? 'no MC labels (ORM outcomes and PRM step labels from the verifier)' : 'MC labels by the reference policy, 4 rollouts, hard'}`,
    labels: countdownLabels,
    numTrainProblems: trainProblems.length,
    numTrainSolutions: trainStates.length,
    numTestProblems: testProblems.length,
    samplesPerTestProblem: 64,
    testSampleAccuracy: flat.filter((x) => x.correct).length / flat.length,
    results,
  };
}

await save();
log(`wrote ${values.out}`);
