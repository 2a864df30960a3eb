// Trains a reference policy of @o1lab/policy-init from scratch, evaluates it on held-out problems
// through ONNX Runtime, and writes the checkpoint and its model card:
//   npx tsx --conditions=source scripts/policy-init-train.ts --task countdown
// Options: --out DIR (default reference/models/<task>), --checkpoint-dir DIR (resumable state,
// default /tmp/o1lab-policy-init-<task>), --resume, --problems N (held-out problems, default 100),
// --smoke (a seconds-long run of the same pipeline).
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Task } from '@o1lab/core';
import { saveCheckpoint } from '@o1lab/model';
import {
  createOrtPolicy,
  evaluatePolicy,
  heldOutProblems,
  REFERENCE_EVALUATION,
  REFERENCE_RECIPES,
  referenceModelDir,
  renderModelCard,
  type SynthesisTaskName,
  trainPolicy,
} from '@o1lab/policy-init';
import { getTask } from '@o1lab/tasks';

const { values } = parseArgs({
  options: {
    task: { type: 'string', default: 'countdown' },
    out: { type: 'string' },
    'checkpoint-dir': { type: 'string' },
    resume: { type: 'boolean', default: false },
    problems: { type: 'string', default: String(REFERENCE_EVALUATION.numProblems) },
    smoke: { type: 'boolean', default: false },
  },
});
const taskName = values.task as SynthesisTaskName;
const reference = REFERENCE_RECIPES[taskName];
if (reference === undefined)
  throw new Error(`--task must be one of ${Object.keys(REFERENCE_RECIPES).join(', ')}`);
// --smoke: the same pipeline in seconds (2 + 2 steps, 200 traces), to check a setup; not a reference.
const recipe = values.smoke ? { ...reference, numTraces: 200, pretrainSteps: 2, sftSteps: 2, checkpointEvery: 1 } : reference;
const out = values.out ?? referenceModelDir(taskName);
const checkpointDir = values['checkpoint-dir'] ?? `/tmp/o1lab-policy-init-${taskName}`;
const log = (line: string) => console.error(`[policy-init ${taskName}] ${new Date().toISOString()} ${line}`);

const trained = await trainPolicy(recipe, { checkpointDir, resume: values.resume, log });
await mkdir(out, { recursive: true });
await saveCheckpoint(out, {
  model: trained.model,
  tokenizer: trained.tokenizer,
  metadata: { recipe: JSON.stringify(trained.recipe) },
});
log(`saved ${out} after ${(trained.timeMs / 1000).toFixed(0)} s`);

const task = getTask(taskName) as Task;
const problems = heldOutProblems(task, Number(values.problems), {
  seed: REFERENCE_EVALUATION.seed,
  generateOptions: trained.recipe.generateOptions,
  heldOutFraction: trained.recipe.heldOutFraction,
});
const { policy, runtime } = await createOrtPolicy(
  trained.modelConfig,
  trained.model.getWeights(),
  trained.tokenizer,
);
const t0 = performance.now();
const evaluation = await evaluatePolicy(policy, task, problems, {
  ...REFERENCE_EVALUATION.config,
  maxTokens: trained.modelConfig.context - 40,
});
const evalMs = performance.now() - t0;
await runtime.dispose();
const training = {
  backend: trained.backend.reason,
  timeMs: trained.timeMs,
  resumedFromStep: trained.resumedFromStep,
  phases: trained.phases,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  date: new Date().toISOString(),
  command: `npx tsx --conditions=source scripts/policy-init-train.ts --task ${taskName}`,
};
await writeFile(
  join(out, 'training.json'),
  `${JSON.stringify({ recipe: trained.recipe, modelConfig: trained.modelConfig, training }, null, 2)}\n`,
);
await writeFile(
  join(out, 'evaluation.json'),
  `${JSON.stringify({ ...evaluation, evalMs, executionProvider: runtime.executionProvider }, null, 2)}\n`,
);
await writeFile(
  join(out, 'README.md'),
  renderModelCard(taskName, trained.recipe, trained.modelConfig, training, evaluation, evalMs),
);
log(
  `greedy pass@1 ${evaluation.greedyPass1.value.toFixed(3)} [${evaluation.greedyPass1.lo.toFixed(3)}, ${evaluation.greedyPass1.hi.toFixed(3)}], ` +
    Object.entries(evaluation.passAtK)
      .map(([k, e]) => `${k} ${e.value.toFixed(3)}`)
      .join(', '),
);
trained.model.dispose();
