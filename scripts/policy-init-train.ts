// Trains a reference policy of @o1lab/policy-init from scratch, evaluates it on held-out problems
// through ONNX Runtime, and writes the checkpoint and its model card:
//   npx tsx --conditions=source scripts/policy-init-train.ts --task countdown
// Options: --out DIR (default reference/models/<task>), --checkpoint-dir DIR (resumable state,
// default /tmp/o1lab-policy-init-<task>), --resume, --problems N (held-out problems, default 100),
// --smoke (a seconds-long run of the same pipeline), --trained DIR (skip training: evaluate and
// card a run made elsewhere by the same recipe, from DIR/final and DIR/training.json), --committed
// (the recipe the checkpoints in reference/models were trained with, REFERENCE_CHECKPOINT_RECIPES,
// instead of the current REFERENCE_RECIPES).
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Task } from '@o1lab/core';
import { CharTokenizer, type CharTokenizerJson, loadCheckpoint, saveCheckpoint } from '@o1lab/model';
import {
  type CardTraining,
  createOrtPolicy,
  evaluatePolicy,
  heldOutProblems,
  REFERENCE_CHECKPOINT_RECIPES,
  REFERENCE_EVALUATION,
  REFERENCE_RECIPES,
  type RecipeConfig,
  referenceModelDir,
  renderModelCard,
  resolveRecipeConfig,
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
    trained: { type: 'string' },
    committed: { type: 'boolean', default: false },
  },
});
const taskName = values.task as SynthesisTaskName;
const reference = (values.committed ? REFERENCE_CHECKPOINT_RECIPES : REFERENCE_RECIPES)[taskName];
if (reference === undefined)
  throw new Error(`--task must be one of ${Object.keys(REFERENCE_RECIPES).join(', ')}`);
// --smoke: the same pipeline in seconds (2 + 2 steps, 200 traces), to check a setup; not a reference.
const recipeOptions = values.smoke
  ? { ...reference, numTraces: 200, pretrainSteps: 2, sftSteps: 2, checkpointEvery: 1 }
  : reference;
const out = values.out ?? referenceModelDir(taskName);
const checkpointDir = values['checkpoint-dir'] ?? `/tmp/o1lab-policy-init-${taskName}`;
const log = (line: string) => console.error(`[policy-init ${taskName}] ${new Date().toISOString()} ${line}`);
const command = `npx tsx --conditions=source scripts/policy-init-train.ts --task ${taskName}${values.committed ? ' --committed' : ''}`;

let recipe: RecipeConfig;
let training: CardTraining;
if (values.trained === undefined) {
  const trained = await trainPolicy(recipeOptions, { checkpointDir, resume: values.resume, log });
  recipe = trained.recipe;
  training = {
    backend: trained.backend.reason,
    timeMs: trained.timeMs,
    phases: trained.phases,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    date: new Date().toISOString(),
    command,
  };
  await saveCheckpoint(out, {
    model: trained.model,
    tokenizer: trained.tokenizer,
    metadata: { recipe: JSON.stringify(recipe) },
  });
  trained.model.dispose();
} else {
  const final = await loadCheckpoint(join(values.trained, 'final'));
  recipe = JSON.parse(final.metadata.recipe ?? 'null') as RecipeConfig;
  if (JSON.stringify(recipe) !== JSON.stringify(resolveRecipeConfig(recipeOptions))) {
    throw new Error(`${values.trained} was not trained by the reference recipe of ${taskName}`);
  }
  const made = JSON.parse(await readFile(join(values.trained, 'training.json'), 'utf8')) as Omit<
    CardTraining,
    'command'
  >;
  training = { ...made, command };
  await saveCheckpoint(out, {
    model: { config: final.config, getWeights: () => final.weights },
    tokenizer: CharTokenizer.fromJSON(final.tokenizer as CharTokenizerJson),
    metadata: { recipe: JSON.stringify(recipe) },
  });
}
log(`saved ${out}`);

// Evaluation of the saved checkpoint, as scripts/policy-init-eval.ts does it
const saved = await loadCheckpoint(out);
const tokenizer = CharTokenizer.fromJSON(saved.tokenizer as CharTokenizerJson);
const task = getTask(taskName) as Task;
const problems = heldOutProblems(task, Number(values.problems), {
  seed: REFERENCE_EVALUATION.seed,
  generateOptions: recipe.generateOptions,
  heldOutFraction: recipe.heldOutFraction,
});
const { policy, runtime } = await createOrtPolicy(saved.config, saved.weights, tokenizer);
const t0 = performance.now();
const evaluation = await evaluatePolicy(policy, task, problems, {
  ...REFERENCE_EVALUATION.config,
  maxTokens: saved.config.context - 30,
});
const evalMs = performance.now() - t0;
const executionProvider = runtime.executionProvider;
await runtime.dispose();
await writeFile(
  join(out, 'training.json'),
  `${JSON.stringify({ recipe, modelConfig: saved.config, training }, null, 2)}\n`,
);
await writeFile(
  join(out, 'evaluation.json'),
  // Per-problem greedy outcomes stay out of the card's JSON (the summary is greedyPass1).
  `${JSON.stringify({ ...evaluation, greedyCorrect: undefined, evalMs, executionProvider }, null, 2)}\n`,
);
await writeFile(
  join(out, 'README.md'),
  renderModelCard(taskName, recipe, saved.config, training, evaluation, evalMs),
);
log(
  `greedy pass@1 ${evaluation.greedyPass1.value.toFixed(3)} [${evaluation.greedyPass1.lo.toFixed(3)}, ${evaluation.greedyPass1.hi.toFixed(3)}], ` +
    Object.entries(evaluation.passAtK)
      .map(([k, e]) => `${k} ${e.value.toFixed(3)} [${e.lo.toFixed(3)}, ${e.hi.toFixed(3)}]`)
      .join(', '),
);
