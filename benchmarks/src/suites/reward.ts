import {
  aggregateStepScores,
  ComputeMeter,
  createRng,
  type Json,
  O1labError,
  type Policy,
  type Problem,
  type Sample,
  type SampleOptions,
  STEP_AGGREGATIONS,
  type State,
  type Task,
} from '@o1lab/core';
import {
  CharTokenizer,
  initTinyGptWeights,
  OrtRuntime,
  resolveTinyGptConfig,
  TASK_ALPHABET,
} from '@o1lab/model';
import {
  type BestOfNSample,
  bestOfNEvaluation,
  createLearnedRewardModel,
  rocAuc,
  scoringRuntimeOptions,
} from '@o1lab/reward-model';
import { monteCarloStepLabels } from '@o1lab/reward-shaping';
import type { BenchContext, BenchRecord, BenchSuite } from '../harness.js';
import { measure } from '../harness.js';

const SEED = 1999;
/** Math-Shepherd's N. */
const ROLLOUTS_PER_STEP = 8;
const NUM_SOLUTIONS = 16;
const STEPS_PER_SOLUTION = 6;
const NUM_AGG_SOLUTIONS = 2000;
const AGG_STEPS = 8;
const NUM_AUC_SCORES = 20_000;
const NUM_PRM_SOLUTIONS = 64;
const PRM_STEPS_PER_SOLUTION = 4;

/**
 * Reward design throughput: Monte-Carlo step labelling (Math-Shepherd) on a toy policy, PRM score
 * aggregation, ROC AUC and best-of-N evaluation. The MC workload measures the labeller's own
 * overhead (prefix building, one batched call, verification); the toy policy stands in for the ONNX
 * TinyGPT policy, which replaces it once `@o1lab/model` serves one. PRM scoring runs a learned
 * reward model (TinyGPT of the countdown reference size with a value head) through ONNX Runtime.
 */
export const suite: BenchSuite = {
  name: 'reward',
  description: '@o1lab/reward-shaping and @o1lab/reward-model: MC step labels, aggregation, AUC, best-of-N',
  async run(ctx) {
    const records: BenchRecord[] = [];

    // MC labelling: 16 solutions x 6 steps x 8 rollouts = 768 rollouts per call.
    const problems = Array.from({ length: NUM_SOLUTIONS }, (_, i) => toyProblem(i));
    const solutions: State<ToyData>[] = problems.map((problem) => ({
      problem,
      prompt: `${problem.question}\n`,
      steps: Array.from({ length: STEPS_PER_SOLUTION }, (_, k) => ({
        text: `step ${k + 1} of ${problem.id}`,
      })),
    }));
    const policy = createToyPolicy();
    const numRollouts = NUM_SOLUTIONS * STEPS_PER_SOLUTION * ROLLOUTS_PER_STEP;
    records.push(
      await measure(
        {
          name: 'mcStepLabels/rollouts',
          unit: 'rollouts/s',
          itemsPerIteration: numRollouts,
          config: {
            numSolutions: NUM_SOLUTIONS,
            stepsPerSolution: STEPS_PER_SOLUTION,
            rolloutsPerStep: ROLLOUTS_PER_STEP,
            policy: 'toy Bernoulli policy',
          },
          seed: SEED,
          fn: async () => {
            const out = await monteCarloStepLabels(
              solutions,
              { policy, task: toyTask },
              {
                rolloutsPerStep: ROLLOUTS_PER_STEP,
                seed: SEED,
              },
            );
            if (out.numRollouts !== numRollouts) throw new Error('wrong number of rollouts');
            return out.labels[0]![0]!.soft;
          },
        },
        ctx,
      ),
    );

    // Aggregation: every aggregation over 2000 solutions of 8 step scores.
    const rng = createRng(SEED);
    const stepScores = Array.from({ length: NUM_AGG_SOLUTIONS }, () =>
      Array.from({ length: AGG_STEPS }, () => rng.nextFloat()),
    );
    records.push(
      await measure(
        {
          name: 'aggregateStepScores/steps',
          unit: 'steps/s',
          itemsPerIteration: NUM_AGG_SOLUTIONS * AGG_STEPS * STEP_AGGREGATIONS.length,
          config: {
            numSolutions: NUM_AGG_SOLUTIONS,
            stepsPerSolution: AGG_STEPS,
            aggregations: [...STEP_AGGREGATIONS],
          },
          seed: SEED,
          fn: () => {
            let sum = 0;
            for (const how of STEP_AGGREGATIONS)
              for (const s of stepScores) sum += aggregateStepScores(s, how);
            return sum;
          },
        },
        ctx,
      ),
    );

    // ROC AUC of 20000 step scores with ties (a coarse grid).
    const labels = Array.from({ length: NUM_AUC_SCORES }, () => rng.bernoulli(0.7));
    const scores = labels.map((l) => Math.round((rng.nextFloat() + (l ? 0.2 : 0)) * 100) / 100);
    records.push(
      await measure(
        {
          name: 'rocAuc/scores',
          unit: 'scores/s',
          itemsPerIteration: NUM_AUC_SCORES,
          config: { numScores: NUM_AUC_SCORES, positiveRate: 0.7, grid: 0.01 },
          seed: SEED,
          fn: () => rocAuc(scores, labels),
        },
        ctx,
      ),
    );

    // PRM scoring through ONNX Runtime: 64 countdown-style solutions x 4 steps in one batched call.
    records.push(await measurePrmScoring(ctx));

    // Best-of-N evaluation: 100 problems x 16 samples, N = 1..16, 16 trials.
    const pools: BestOfNSample[][] = Array.from({ length: 100 }, () =>
      Array.from({ length: 16 }, () => {
        const correct = rng.bernoulli(0.4);
        return {
          answer: correct ? 'a' : `w${rng.int(5)}`,
          correct,
          score: (correct ? 0.6 : 0.4) + 0.3 * rng.normal(),
        };
      }),
    );
    const numTrials = 16;
    const numNs = 5;
    records.push(
      await measure(
        {
          name: 'bestOfNEvaluation/subsets',
          unit: 'subsets/s',
          itemsPerIteration: pools.length * numTrials * numNs,
          config: { numProblems: pools.length, poolSize: 16, numTrials, ns: [1, 2, 4, 8, 16] },
          seed: SEED,
          fn: () => bestOfNEvaluation(pools, { numTrials, seed: SEED }).rows.length,
        },
        ctx,
      ),
    );
    return records;
  },
};

/**
 * Steps scored per second by a PRM served by ONNX Runtime: a TinyGPT with a value head of the
 * countdown reference policy's size (dModel 64, 2 layers, 4 heads, context 80; seeded random
 * weights: speed does not depend on what was learned), one `scoreSteps` call over 64 solutions.
 */
async function measurePrmScoring(ctx: BenchContext): Promise<BenchRecord> {
  const tokenizer = new CharTokenizer(TASK_ALPHABET);
  const config = resolveTinyGptConfig({
    vocabSize: tokenizer.vocabSize,
    dModel: 64,
    nLayer: 2,
    nHead: 4,
    context: 80,
    valueHead: true,
    seed: SEED,
  });
  const runtime = await OrtRuntime.fromWeights(config, initTinyGptWeights(config), scoringRuntimeOptions);
  const prm = createLearnedRewardModel(runtime, tokenizer, { kind: 'prm' });
  const rng = createRng(SEED);
  const states: State[] = Array.from({ length: NUM_PRM_SOLUTIONS }, (_, i) => {
    const numbers = Array.from({ length: 4 }, () => 1 + rng.int(25));
    const steps = Array.from({ length: PRM_STEPS_PER_SOLUTION - 1 }, () => {
      const a = 1 + rng.int(50);
      const b = 1 + rng.int(50);
      return { text: `${a}+${b}=${a + b}` };
    });
    steps.push({ text: `answer: ${rng.int(100)}` });
    const prompt = `countdown: ${numbers.join(' ')} -> ${10 + i}\n`;
    return { problem: toyProblem(i) as unknown as State['problem'], prompt, steps };
  });
  try {
    return await measure(
      {
        name: 'prmScoreSteps/steps',
        unit: 'steps/s',
        itemsPerIteration: NUM_PRM_SOLUTIONS * PRM_STEPS_PER_SOLUTION,
        config: {
          numSolutions: NUM_PRM_SOLUTIONS,
          stepsPerSolution: PRM_STEPS_PER_SOLUTION,
          model: { dModel: 64, nLayer: 2, nHead: 4, context: 80, vocabSize: config.vocabSize },
        },
        seed: SEED,
        backend: { ort: runtime.executionProvider },
        fn: async () => (await prm.scoreSteps(states))[0]![0]!,
      },
      ctx,
    );
  } finally {
    await prm.dispose();
  }
}

interface ToyData {
  readonly [key: string]: Json;
  readonly p: number;
}

function toyProblem(i: number): Problem<ToyData> {
  return {
    id: `toy-${i}`,
    task: 'toy',
    question: `toy problem ${i}`,
    data: { p: 0.1 + (0.8 * i) / NUM_SOLUTIONS },
  };
}

const toyTask: Task<ToyData> = {
  name: 'toy',
  stepDelimiter: '\n',
  generate() {
    throw new O1labError('UNSUPPORTED', 'toy problems are fixed');
  },
  prompt: (problem) => `${problem.question}\n`,
  parseAnswer: (text) => /answer: (yes|no)$/.exec(text)?.[1] ?? null,
  verify: (_problem, text) => {
    const answer = toyTask.parseAnswer(text);
    return { correct: answer === 'yes', answer };
  },
};

/** Completes a state with 'answer: yes' with the problem's probability p (characters as tokens). */
function createToyPolicy(): Policy {
  const meter = new ComputeMeter();
  return {
    name: 'toy-bernoulli',
    meter,
    async sampleSteps() {
      throw new O1labError('UNSUPPORTED', 'the toy policy only completes solutions');
    },
    async sampleCompletions(states: readonly State[], options: SampleOptions): Promise<Sample[][]> {
      const n = options.n ?? 1;
      const rng = createRng(options.seed ?? 0);
      let generated = 0;
      const out = states.map((state) => {
        const p = (state.problem.data as unknown as ToyData).p;
        return Array.from({ length: n }, (): Sample => {
          const text = rng.bernoulli(p) ? 'answer: yes' : 'answer: no';
          generated += text.length;
          return { text, tokenIds: [], tokenLogprobs: [], finishReason: 'eos' };
        });
      });
      meter.add({ policyCalls: 1, samples: states.length * n, generatedTokens: generated });
      return out;
    },
  };
}
