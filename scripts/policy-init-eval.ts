// Re-evaluates a reference checkpoint of @o1lab/policy-init exactly as its model card was made
// (same held-out problems, same seeds, ONNX Runtime) and checks the card's numbers:
//   npx tsx --conditions=source scripts/policy-init-eval.ts --task countdown [--dir DIR]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Estimate, Task } from '@o1lab/core';
import {
  evaluatePolicy,
  heldOutProblems,
  loadReferencePolicy,
  REFERENCE_EVALUATION,
  type RecipeConfig,
  referenceModelDir,
  type SynthesisTaskName,
} from '@o1lab/policy-init';
import { getTask } from '@o1lab/tasks';

const { values } = parseArgs({
  options: { task: { type: 'string', default: 'countdown' }, dir: { type: 'string' } },
});
const taskName = values.task as SynthesisTaskName;
const dir = values.dir ?? referenceModelDir(taskName);
const { recipe } = JSON.parse(await readFile(join(dir, 'training.json'), 'utf8')) as { recipe: RecipeConfig };
const card = JSON.parse(await readFile(join(dir, 'evaluation.json'), 'utf8')) as {
  numProblems: number;
  greedyPass1: Estimate;
  passAtK: Record<string, Estimate>;
  config: { maxTokens: number };
};
const task = getTask(taskName) as Task;
const problems = heldOutProblems(task, card.numProblems, {
  seed: REFERENCE_EVALUATION.seed,
  generateOptions: recipe.generateOptions,
  heldOutFraction: recipe.heldOutFraction,
});
const { policy, runtime } = await loadReferencePolicy(taskName, { dir });
const t0 = performance.now();
const evaluation = await evaluatePolicy(policy, task, problems, {
  ...REFERENCE_EVALUATION.config,
  maxTokens: card.config.maxTokens,
});
const seconds = (performance.now() - t0) / 1000;
await runtime.dispose();
const within = (now: Estimate, then: Estimate) =>
  now.value >= then.lo - 1e-12 && now.value <= then.hi + 1e-12;
const rows: [string, Estimate, Estimate][] = [
  ['greedy pass@1', evaluation.greedyPass1, card.greedyPass1],
  ...Object.entries(evaluation.passAtK).map(([k, e]): [string, Estimate, Estimate] => [
    k,
    e,
    card.passAtK[k]!,
  ]),
];
let ok = true;
for (const [name, now, then] of rows) {
  const inside = within(now, then);
  ok &&= inside;
  console.log(
    `${taskName} ${name}: ${now.value.toFixed(3)} [${now.lo.toFixed(3)}, ${now.hi.toFixed(3)}]; card ${then.value.toFixed(3)} [${then.lo.toFixed(3)}, ${then.hi.toFixed(3)}] ${inside ? 'within the card CI' : 'OUTSIDE the card CI'}`,
  );
}
console.log(
  `${evaluation.numProblems} problems, ${seconds.toFixed(1)} s, ONNX Runtime ${runtime.executionProvider}`,
);
process.exitCode = ok ? 0 : 1;
