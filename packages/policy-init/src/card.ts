import type { TinyGptConfig } from '@o1lab/model';
import { numParameters } from '@o1lab/model';
import { BEHAVIOURS } from './behaviours.js';
import type { PolicyEvaluation } from './evaluate.js';
import type { PhaseSummary } from './recipe.js';
import type { RecipeConfig } from './recipe-config.js';

/** Training facts a model card reports. */
export interface CardTraining {
  readonly backend: string;
  readonly timeMs: number;
  readonly phases: readonly PhaseSummary[];
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string };
  readonly date: string;
  readonly command: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The Markdown model card of a reference checkpoint: config, data, seed, command, time, backend, pass@k, behaviours. */
export function renderModelCard(
  task: string,
  recipe: RecipeConfig,
  model: TinyGptConfig,
  training: CardTraining,
  evaluation: PolicyEvaluation,
  evalMs: number,
): string {
  const g = evaluation.greedyPass1;
  const rows = Object.entries(evaluation.passAtK).map(
    ([k, e]) =>
      `| ${k} (n = ${evaluation.config.numSamples}, T = ${evaluation.config.temperature}) | ${pct(e.value)} | [${pct(e.lo)}, ${pct(e.hi)}] |`,
  );
  const behaviourRows = BEHAVIOURS.map(
    (b) =>
      `| ${b} | ${pct(recipe.synthesis.rates[b])} | ${pct(evaluation.greedyBehaviours[b])} | ${pct(evaluation.sampledBehaviours[b])} |`,
  );
  const phases = training.phases.map(
    (p) => `| ${p.phase} | ${p.steps} | ${p.finalLoss.toFixed(4)} | ${p.tokensPerSecond.toFixed(0)} |`,
  );
  const examples = evaluation.examples
    .map((e) => `${e.prompt}${e.completion}\n# ${e.correct ? 'correct' : 'wrong'}`)
    .join('\n\n');
  return `# ${task} reference policy (@o1lab/policy-init)

TinyGPT trained by the policy-initialisation recipe of \`@o1lab/policy-init\`: behaviour-trace
synthesis from the task's reference solver, pre-training on the corpus, then SFT with the prompt
masked. Loaded by \`loadReferencePolicy('${task}')\` as an ONNX Runtime \`OrtPolicy\`.

Reproduce from scratch (deterministic for the seed; a killed run continues with \`--resume\`):

\`\`\`sh
${training.command}
\`\`\`

Re-evaluate this checkpoint: \`npx tsx --conditions=source scripts/policy-init-eval.ts --task ${task}\`.

## Evaluation

${evaluation.numProblems} held-out problems (ids never in the training corpus), ONNX Runtime CPU,
95% intervals (Wilson for greedy, normal over problems for pass@k; unbiased pass@k of Chen et al. 2021).
The task's own \`verify\` judges the whole completion.

| metric | value | 95% CI |
| --- | --- | --- |
| greedy pass@1 | ${pct(g.value)} | [${pct(g.lo)}, ${pct(g.hi)}] |
${rows.join('\n')}

Evaluation took ${(evalMs / 1000).toFixed(1)} s.

## Behaviours

| behaviour | rate in the training corpus (switch) | greedy completions | sampled completions |
| --- | --- | --- | --- |
${behaviourRows.join('\n')}

Greedy examples:

\`\`\`
${examples}
\`\`\`

## Training

- backend: ${training.backend}
- machine: ${training.machine.cpus} cores (${training.machine.model}), Node ${training.machine.node}; tfjs-backend-wasm trains on one thread, so this is one core's time
- wall time: ${(training.timeMs / 1000 / 60).toFixed(1)} min (corpus synthesis included), ${training.date}

| phase | steps | loss (mean of last 20 steps) | tokens/s |
| --- | --- | --- | --- |
${phases.join('\n')}

## Config

Model: ${numParameters(model).toLocaleString('en-US')} parameters, \`${JSON.stringify(model)}\`

Recipe (\`RecipeConfig\`):

\`\`\`json
${JSON.stringify(recipe, null, 2)}
\`\`\`
`;
}
