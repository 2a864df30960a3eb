// ReST-EM expert iteration from the countdown reference policy: samples through ONNX Runtime, keeps
// verifier-correct solutions, fine-tunes from the reference weights each iteration, and reports
// held-out greedy pass@1 before and after (95% Wilson intervals):
//   npx tsx --conditions=source scripts/learn-expert-iteration.ts
// Options: --dir DIR (checkpoint, default reference/models/countdown), --out FILE (the report, default
// reports/learn/expert-iteration.json), --save DIR (also save the final checkpoint there), --problems N (held-out, default 500),
// --train-problems N (default 512), --iterations N (default 3), --samples K (default 16),
// --minutes M (wall-clock budget: no iteration starts after it, default 20), --lr LR (SFT peak learning rate,
// cosine to LR/10; default 5e-4), --keep K (correct solutions kept per problem, default 4), --temperature T
// (E-step sampling temperature, default 1), --smoke (random-init tiny model, seconds).
import { parseArgs } from 'node:util';
import { expertIteration, expertIterationPreset, policyCandidates } from '@o1lab/learn-expert-iteration';
import {
  formatEstimate,
  greedyPass1,
  loadPolicy,
  MAX_TOKENS,
  task,
  trainingProblems,
  writeRun,
} from './learn-imitation-common.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    out: { type: 'string', default: 'reports/learn/expert-iteration.json' },
    save: { type: 'string' },
    problems: { type: 'string', default: '500' },
    'train-problems': { type: 'string', default: '512' },
    iterations: { type: 'string', default: '3' },
    samples: { type: 'string', default: '16' },
    minutes: { type: 'string', default: '20' },
    lr: { type: 'string', default: '5e-4' },
    keep: { type: 'string', default: '4' },
    temperature: { type: 'string', default: '1' },
    smoke: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke === true;
const numHeldOut = smoke ? 8 : Number(values.problems);
const numTrain = smoke ? 8 : Number(values['train-problems']);
const numIterations = smoke ? 1 : Number(values.iterations);
const samples = smoke ? 2 : Number(values.samples);
const budgetMs = Number(values.minutes) * 60_000;
for (const name of ['lr', 'keep', 'temperature', 'minutes'] as const) {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v <= 0 || (name === 'keep' && !Number.isInteger(v))) {
    console.error(
      `learn-expert-iteration: --${name} must be a positive ${name === 'keep' ? 'integer' : 'number'}, got ${values[name]}`,
    );
    process.exit(2);
  }
}
const log = (line: string) => console.error(`[learn-expert-iteration] ${new Date().toISOString()} ${line}`);

const t0 = performance.now();
const loaded = await loadPolicy(values.dir, smoke);
log(`policy ${loaded.source}, tfjs ${loaded.backend}, ONNX Runtime ${loaded.runtime.executionProvider}`);
const before = await greedyPass1(loaded.policy, numHeldOut);
log(`held-out greedy pass@1 before: ${formatEstimate(before)}`);
const problems = trainingProblems(numTrain, 7);
const config = {
  ...expertIterationPreset('rest-em'),
  numIterations,
  samplesPerProblem: samples,
  maxPerProblem: Number(values.keep),
  maxTokens: MAX_TOKENS,
  temperature: Number(values.temperature),
  sft: { epochs: 2, batchSize: 16, learningRate: Number(values.lr), minLearningRate: Number(values.lr) / 10 },
};
const result = await expertIteration(
  {
    model: loaded.model,
    tokenizer: loaded.tokenizer,
    runtime: loaded.runtime,
    problems,
    prompt: (p) => task.prompt(p),
    generate: policyCandidates(loaded.policy),
    reward: (p, text) => (task.verify(p, text).correct ? 1 : 0),
    // Leave time for the final evaluation (about as long as the first).
    signal: AbortSignal.timeout(Math.max(0, Math.floor(budgetMs - 2 * (performance.now() - t0)))),
    onIteration: (it) => {
      log(
        `iteration ${it.iteration}: sample accuracy ${it.sampleAccuracy.toFixed(3)}, solve rate ${it.solveRate.toFixed(3)}, kept ${it.numKept}, rollout ${(it.rolloutTimeMs / 1000).toFixed(1)} s, update ${(it.updateTimeMs / 1000).toFixed(1)} s, sync ${it.syncTimeMs.toFixed(0)} ms`,
      );
    },
  },
  config,
);
const after = await greedyPass1(loaded.policy, numHeldOut);
const timeMs = performance.now() - t0;
log(`held-out greedy pass@1 after:  ${formatEstimate(after)} (${(timeMs / 60_000).toFixed(1)} min)`);
await writeRun(values.out!, values.save, loaded, {
  algorithm: 'ReST-EM (expert iteration)',
  source: loaded.source,
  tfjsBackend: loaded.backend,
  heldOutProblems: numHeldOut,
  trainProblems: numTrain,
  config: result.config,
  before,
  after,
  timeMs,
  iterations: result.iterations.map(({ sft, ...rest }) => ({ ...rest, sftSteps: sft?.numSteps ?? 0 })),
});
await loaded.runtime.dispose();
