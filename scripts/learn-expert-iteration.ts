// Expert iteration from the countdown reference policy: each iteration searches for solutions of
// 8192 training problems through ONNX Runtime (verifier-guided step search: of 4 sampled next steps
// keep the first the step checker accepts), keeps one verified solution per problem, and fine-tunes
// the policy on them in tfjs (SFT, prompt masked); reports held-out greedy pass@1 before and after
// (95% Wilson intervals) and the paired change on the same problems:
//   npx tsx --conditions=source scripts/learn-expert-iteration.ts
// Options: --dir DIR (checkpoint, default reference/models/countdown), --out FILE (the report, default
// reports/learn/expert-iteration.json), --save DIR (also save the final checkpoint there), --problems N
// (held-out, default 500), --train-problems N (default 8192), --iterations N (default 3), --samples K
// (candidates per problem, default 2), --minutes M (wall-clock budget: no iteration starts after it,
// default 20), --lr LR (SFT peak learning rate, cosine to LR/10; default 1e-3), --keep K (verified
// solutions kept per problem, default 1), --temperature T (E-step sampling temperature, default 1),
// --epochs E (SFT epochs per iteration, default 4), --batch B (SFT batch size, default 16), --search
// sample|step (E-step: whole sampled completions, or verifier-guided step search, the default),
// --width W (next steps sampled per step with --search step, default 4), --reset (ReST-EM: fine-tune
// from the reference weights each iteration instead of continuing from the last policy), --smoke
// (random-init tiny model, seconds).
import { parseArgs } from 'node:util';
import {
  expertIteration,
  expertIterationPreset,
  policyCandidates,
  stepSearchCandidates,
} from '@o1lab/learn-expert-iteration';
import {
  formatEstimate,
  greedyPass1,
  loadPolicy,
  MAX_TOKENS,
  pairedDelta,
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
    'train-problems': { type: 'string', default: '8192' },
    iterations: { type: 'string', default: '3' },
    samples: { type: 'string', default: '2' },
    minutes: { type: 'string', default: '20' },
    lr: { type: 'string', default: '1e-3' },
    keep: { type: 'string', default: '1' },
    temperature: { type: 'string', default: '1' },
    epochs: { type: 'string', default: '4' },
    batch: { type: 'string', default: '16' },
    reset: { type: 'boolean', default: false },
    search: { type: 'string', default: 'step' },
    width: { type: 'string', default: '4' },
    smoke: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke === true;
const numHeldOut = smoke ? 8 : Number(values.problems);
const numTrain = smoke ? 8 : Number(values['train-problems']);
const numIterations = smoke ? 1 : Number(values.iterations);
const samples = smoke ? 2 : Number(values.samples);
const budgetMs = Number(values.minutes) * 60_000;
if (values.search !== 'sample' && values.search !== 'step') {
  console.error(`learn-expert-iteration: --search must be sample or step, got ${values.search}`);
  process.exit(2);
}
const integerOptions = new Set(['keep', 'epochs', 'batch', 'width']);
for (const name of ['lr', 'keep', 'temperature', 'minutes', 'epochs', 'batch', 'width'] as const) {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v <= 0 || (integerOptions.has(name) && !Number.isInteger(v))) {
    console.error(
      `learn-expert-iteration: --${name} must be a positive ${integerOptions.has(name) ? 'integer' : 'number'}, got ${values[name]}`,
    );
    process.exit(2);
  }
}
const log = (line: string) => console.error(`[learn-expert-iteration] ${new Date().toISOString()} ${line}`);

const t0 = performance.now();
const loaded = await loadPolicy(values.dir, smoke);
log(`policy ${loaded.source}, tfjs ${loaded.backend}, ONNX Runtime ${loaded.runtime.executionProvider}`);
const before = await greedyPass1(loaded.policy, numHeldOut);
log(`held-out greedy pass@1 before: ${formatEstimate(before.estimate)}`);
const problems = trainingProblems(numTrain, 7);
const config = {
  ...expertIterationPreset('rest-em'),
  numIterations,
  samplesPerProblem: samples,
  maxPerProblem: Number(values.keep),
  maxTokens: MAX_TOKENS,
  temperature: Number(values.temperature),
  resetEachIteration: values.reset === true,
  sft: {
    epochs: Number(values.epochs),
    batchSize: Number(values.batch),
    learningRate: Number(values.lr),
    minLearningRate: Number(values.lr) / 10,
  },
};
const result = await expertIteration(
  {
    model: loaded.model,
    tokenizer: loaded.tokenizer,
    runtime: loaded.runtime,
    problems,
    prompt: (p) => task.prompt(p),
    generate:
      values.search === 'step'
        ? stepSearchCandidates(loaded.policy, task, { width: Number(values.width) })
        : policyCandidates(loaded.policy),
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
const delta = pairedDelta(before, after);
log(
  `held-out greedy pass@1 after:  ${formatEstimate(after.estimate)}, change ${formatEstimate(delta)} (+${delta.gained} / -${delta.lost} problems) (${(timeMs / 60_000).toFixed(1)} min)`,
);
await writeRun(values.out!, values.save, loaded, {
  algorithm: values.reset === true ? 'ReST-EM (expert iteration)' : 'expert iteration',
  eStep: values.search === 'step' ? `verifier-guided step search, width ${values.width}` : 'sampling',
  source: loaded.source,
  tfjsBackend: loaded.backend,
  heldOutProblems: numHeldOut,
  trainProblems: numTrain,
  config: result.config,
  before: before.estimate,
  after: after.estimate,
  delta,
  timeMs,
  iterations: result.iterations.map(({ sft, ...rest }) => ({ ...rest, sftSteps: sft?.numSteps ?? 0 })),
});
await loaded.runtime.dispose();
