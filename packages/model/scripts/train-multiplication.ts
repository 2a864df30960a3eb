/**
 * Trains the 2-layer reference TinyGPT on two-digit multiplication traces with partial-product
 * steps (`@o1lab/tasks` arithmeticTask: `arithmetic: 50*24\n` -> `50*4=200\n50*20=1000\n
 * 200+1000=1200\nanswer: 1200`) for a fixed wall-clock budget, then reports the training loss,
 * the held-out loss and greedy exact match on held-out problems (whole trace, and answer only).
 *
 *   npx tsx --conditions=source packages/model/scripts/train-multiplication.ts [budgetSeconds] [outDir]
 *
 * The numbers it printed are in the package README, "Training".
 */

import type { Problem } from '@o1lab/core';
import { createRng } from '@o1lab/core';
import { type ArithmeticData, arithmeticTask } from '@o1lab/tasks';
import {
  buildSftBatch,
  CharTokenizer,
  createTinyGptModel,
  createTrainer,
  greedyDecode,
  initTfBackend,
  type PromptCompletion,
  saveCheckpoint,
} from '../src/index.js';

const budgetSeconds = Number(process.argv[2] ?? 290);
const outDir = process.argv[3];
const SEED = 7;
const NUM_TRAIN = 20_000;
const NUM_HELD_OUT = 500;
const EVAL_EVERY = Number(process.env.EVAL_EVERY ?? 200);

const backend = await initTfBackend();
const rng = createRng(SEED);
const seen = new Set<string>();
const examples: (PromptCompletion & { problem: Problem<ArithmeticData> })[] = [];
// Two-digit factors give 8100 distinct problems; held-out ones are excluded from training by id.
while (examples.length < 8100 && seen.size < 8100) {
  const problem = arithmeticTask.generate(rng, { digitsA: 2, digitsB: 2 } as never);
  if (seen.has(problem.id)) continue;
  seen.add(problem.id);
  examples.push({
    problem,
    prompt: arithmeticTask.prompt(problem),
    completion: arithmeticTask.solve!(problem).join(arithmeticTask.stepDelimiter),
  });
}
const heldOut = examples.slice(0, NUM_HELD_OUT);
const train = examples.slice(NUM_HELD_OUT, NUM_HELD_OUT + NUM_TRAIN);
const alphabet = [...new Set(examples.flatMap((e) => [...e.prompt, ...e.completion]))].sort().join('');
const tokenizer = new CharTokenizer(alphabet);

const modelConfig = {
  vocabSize: tokenizer.vocabSize,
  nLayer: 2,
  nHead: 4,
  dModel: 64,
  context: 80,
  seed: SEED,
};
const model = createTinyGptModel(modelConfig);
const trainConfig = {
  learningRate: 3e-3,
  minLearningRate: 3e-4,
  warmupSteps: 50,
  totalSteps: 800,
  batchSize: 32,
  seed: SEED,
};
const trainer = createTrainer(model, trainConfig);

const heldOutBatch = buildSftBatch(tokenizer, heldOut.slice(0, 200), { context: modelConfig.context });
function evaluate(n: number): { loss: number; exact: number; answer: number } {
  const subset = heldOut.slice(0, n);
  const prompts = subset.map((e) => [tokenizer.bosId, ...tokenizer.encode(e.prompt)]);
  const generated = greedyDecode(model, prompts, { maxNewTokens: 48 });
  let exact = 0;
  let answer = 0;
  generated.forEach((ids, i) => {
    const text = tokenizer.decode(ids);
    if (text === subset[i]!.completion) exact++;
    if (arithmeticTask.verify(subset[i]!.problem, text).correct) answer++;
  });
  return { loss: trainer.evaluate(heldOutBatch).loss, exact: exact / n, answer: answer / n };
}

// Only optimizer steps count against the budget; the periodic held-out checks are extra.
let trainMs = 0;
const recent: number[] = [];
let steps = 0;
while (trainMs / 1000 < budgetSeconds) {
  const pairs = Array.from({ length: trainConfig.batchSize }, () => train[trainer.rng.int(train.length)]!);
  const t0 = performance.now();
  const r = trainer.step(buildSftBatch(tokenizer, pairs, { context: modelConfig.context }));
  trainMs += performance.now() - t0;
  steps++;
  recent.push(r.loss);
  if (recent.length > 50) recent.shift();
  if (steps % EVAL_EVERY === 0) {
    const e = evaluate(100);
    const sec = (trainMs / 1000).toFixed(0);
    console.log(
      `step ${steps} ${sec}s lr ${r.lr.toExponential(2)} train loss ${mean(recent).toFixed(4)} held-out loss ${e.loss.toFixed(4)} exact@100 ${e.exact} answer@100 ${e.answer}`,
    );
  }
}
const trainSeconds = trainMs / 1000;
const final = evaluate(NUM_HELD_OUT);
console.log(
  JSON.stringify({
    backend: backend.name,
    steps,
    trainSeconds: Number(trainSeconds.toFixed(1)),
    trainLossLast50: Number(mean(recent).toFixed(4)),
    heldOutLoss: Number(final.loss.toFixed(4)),
    heldOutExactMatch: final.exact,
    heldOutAnswerAccuracy: final.answer,
    numHeldOut: NUM_HELD_OUT,
    model: modelConfig,
    train: trainConfig,
  }),
);
if (outDir !== undefined) await saveCheckpoint(outDir, { model, tokenizer, trainer });

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}
