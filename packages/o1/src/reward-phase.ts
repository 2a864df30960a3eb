import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Problem, RewardModel, Task } from '@o1lab/core';
import { initTfBackend } from '@o1lab/model';
import {
  createVerifierRewardModel,
  loadRewardModel,
  mcPrmExamples,
  type RewardExample,
  saveRewardModel,
  trainRewardModel,
} from '@o1lab/reward-model';
import type { LoadedPolicy } from './policy.js';
import type { Progress } from './progress.js';
import type { RewardModelRecipe } from './recipe.js';
import type { RunDir } from './run-dir.js';

/** The reward model of a round and how to release it. */
export interface RewardPhaseResult {
  readonly rewardModel: RewardModel;
  /** Shown in reports: `prm (round 0, 64 problems x 4 samples, MC labels)`, `verifier (oracle)`. */
  readonly label: string;
  dispose(): Promise<void>;
}

/** What {@link rewardPhase} needs. */
export interface RewardPhaseInputs {
  readonly run: RunDir;
  /** Round directory inside the run (`round-0`). */
  readonly dir: string;
  readonly task: Task;
  readonly loaded: LoadedPolicy;
  readonly problems: readonly Problem[];
  readonly recipe: RewardModelRecipe;
  readonly seed: number;
  readonly maxTokens: number;
  readonly progress: Progress;
  readonly log: (line: string) => void;
}

/**
 * The reward-model phase: the verifier as an oracle, or a TinyGPT PRM / ORM initialised from the
 * policy and trained on the policy's own samples, labelled by Monte-Carlo rollouts (Math-Shepherd,
 * Wang et al. 2024: a step's label is whether rollouts from it reach a correct answer) for the PRM,
 * by the verifier for the ORM. Saved in the round directory; a resumed run loads it.
 */
export async function rewardPhase(inputs: RewardPhaseInputs): Promise<RewardPhaseResult> {
  const { run, dir, task, loaded, recipe } = inputs;
  if (recipe.kind === 'verifier') {
    return {
      rewardModel: createVerifierRewardModel(task),
      label: 'verifier (oracle)',
      dispose: async () => {},
    };
  }
  const label = `${recipe.kind} (${dir}, ${inputs.problems.length} problems x ${recipe.samplesPerProblem} samples, MC labels with ${recipe.rolloutsPerStep} rollouts${recipe.referenceSolutions ? ', plus reference solutions' : ''})`;
  const modelDir = run.file(dir, 'reward');
  if (existsSync(modelDir)) {
    const rewardModel = await loadRewardModel(modelDir);
    inputs.log(`reward model: loaded ${modelDir}`);
    return { rewardModel, label, dispose: () => rewardModel.dispose() };
  }
  // Data: sampled solutions with Monte-Carlo step labels
  const bar = inputs.progress.bar(`${dir.replace('-', ' ')} reward labels`, 1);
  loaded.runtime.clearPrefixCache();
  const { examples } = await mcPrmExamples(loaded.policy, task, inputs.problems, {
    samplesPerProblem: recipe.samplesPerProblem,
    rolloutsPerStep: recipe.rolloutsPerStep,
    maxTokens: inputs.maxTokens,
    seed: inputs.seed,
    labels: 'soft',
    addReferenceSolutions: recipe.referenceSolutions,
  });
  bar.done();
  const data: RewardExample[] =
    recipe.kind === 'orm'
      ? examples.map((e) => ({
          problem: e.problem,
          steps: e.steps,
          outcome: task.verify(e.problem, e.steps.join(task.stepDelimiter)).correct ? 1 : 0,
        }))
      : examples;
  // Training: a TinyGPT with a value head, from the policy's weights (tfjs on the best backend present)
  const backend = (await initTfBackend({ log: () => {} })).name;
  await run.setBackend('tfjs', backend);
  const train = inputs.progress.bar(`${dir.replace('-', ' ')} ${recipe.kind} training`, recipe.numSteps);
  const trained = await trainRewardModel(
    {
      kind: recipe.kind,
      task,
      examples: data,
      init: {
        config: loaded.checkpoint.config,
        weights: loaded.checkpoint.weights,
        tokenizer: loaded.tokenizer,
      },
      onProgress: (p) => train.tick(1, `loss ${p.loss.toFixed(3)}`),
    },
    { numSteps: recipe.numSteps, seed: inputs.seed },
  );
  train.done();
  const positives = data.filter(
    (e) => (e.stepLabels?.[e.stepLabels.length - 1] ?? e.outcome ?? 0) > 0.5,
  ).length;
  inputs.log(
    `reward model: ${recipe.kind} on ${data.length} solutions (${positives} reach a correct answer), ${trained.stats.numSteps} steps, loss ${trained.stats.finalLoss.toFixed(3)}, ${(trained.stats.timeMs / 1000).toFixed(1)} s`,
  );
  const tmp = `${modelDir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await saveRewardModel(tmp, trained);
  await rename(tmp, modelDir);
  return { rewardModel: trained.rewardModel, label, dispose: () => trained.dispose() };
}
