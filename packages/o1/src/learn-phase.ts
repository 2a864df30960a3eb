import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng, type GenerateOptions, type Problem, type Task } from '@o1lab/core';
import { createReferenceModel, dpoTrain, pairsFromOutcomes } from '@o1lab/learn-dpo';
import { sftTrain } from '@o1lab/learn-sft';
import {
  type CharTokenizer,
  flopsPerToken,
  initTfBackend,
  numParameters,
  saveCheckpoint,
} from '@o1lab/model';
import type { LoadedPolicy } from './policy.js';
import { trainableModel } from './policy.js';
import type { LearnerName, LearnerRecipe } from './recipe.js';

/** What train-time search found for one training problem. */
export interface SearchRecord {
  readonly key: string;
  readonly problemId: string;
  /** Distinct completions the search produced, with their verifier outcome. */
  readonly completions: readonly { readonly text: string; readonly correct: boolean }[];
  /** Whether the search's chosen answer was correct. */
  readonly solved: boolean;
  readonly generatedTokens: number;
  readonly flops: number;
}

/** What one learning phase did. */
export interface LearnOutcome {
  readonly learner: LearnerName;
  /** Training examples (SFT) or preference pairs (DPO). */
  readonly numExamples: number;
  readonly numSteps: number;
  readonly numTokens: number;
  /** Training FLOPs, estimated as 6 x parameters x tokens (Kaplan et al. 2020). */
  readonly flops: number;
  readonly finalLoss: number;
  readonly backend: string;
  readonly timeMs: number;
}

/** One learning algorithm over train-time search data: updates `model` in place. */
export type LearnerFn = (inputs: {
  readonly loaded: LoadedPolicy;
  readonly task: Task;
  readonly problems: ReadonlyMap<string, Problem>;
  readonly records: readonly SearchRecord[];
  readonly recipe: LearnerRecipe;
  readonly seed: number;
  readonly outDir: string;
  readonly log: (line: string) => void;
}) => Promise<LearnOutcome>;

/**
 * The learners of the loop, by name (no registration side effects: this table is the registry).
 * - `expert-iteration`: behaviour cloning of the verified-correct solutions that search found
 *   (expert iteration / ReST-EM's M-step, Anthony et al. 2017; Singh et al. 2024);
 * - `dpo`: direct preference optimisation on (correct, incorrect) pairs from the same search
 *   (Rafailov et al. 2023; iterative RPO pairs, Pang et al. 2024).
 */
export const LEARNERS: Readonly<Record<LearnerName, LearnerFn>> = Object.freeze({
  'expert-iteration': async ({ loaded, task, problems, records, recipe, seed, outDir, log }) => {
    const rng = createRng(seed);
    const data: { prompt: string; completion: string }[] = [];
    for (const r of records) {
      const problem = problems.get(r.problemId);
      if (problem === undefined) continue;
      const correct = [...new Set(r.completions.filter((c) => c.correct).map((c) => c.text))];
      rng.shuffle(correct);
      for (const text of correct.slice(0, recipe.maxPerProblem)) {
        data.push({ prompt: task.prompt(problem), completion: text });
      }
    }
    if (data.length === 0) {
      log(
        'expert iteration: search found no correct solution; the policy is kept as it was (raise search.level or search.problems)',
      );
      return keepPolicy('expert-iteration', outDir, loaded);
    }
    log(`expert iteration: ${data.length} verified solutions from ${records.length} problems`);
    const backend = (await initTfBackend({ log: () => {} })).name;
    const model = trainableModel(loaded);
    const t0 = performance.now();
    const result = await sftTrain(model, loaded.tokenizer, data, {
      config: optimiserConfig(recipe, seed),
    });
    await saveRound(outDir, model, loaded);
    return {
      learner: 'expert-iteration',
      numExamples: data.length,
      numSteps: result.numSteps,
      numTokens: result.numTokens,
      flops: 6 * numParameters(model.config) * result.numTokens,
      finalLoss: result.epochLosses[result.epochLosses.length - 1] ?? Number.NaN,
      backend,
      timeMs: performance.now() - t0,
    };
  },
  dpo: async ({ loaded, task, problems, records, recipe, seed, outDir, log }) => {
    const groups = records.flatMap((r) => {
      const problem = problems.get(r.problemId);
      return problem === undefined ? [] : [{ prompt: task.prompt(problem), completions: r.completions }];
    });
    const pairs = pairsFromOutcomes(groups, {
      maxPairsPerPrompt: recipe.maxPerProblem,
      rng: createRng(seed),
    });
    if (pairs.length === 0) {
      log(
        'DPO: search produced no (correct, incorrect) pair; the policy is kept as it was (raise search.level)',
      );
      return keepPolicy('dpo', outDir, loaded);
    }
    log(`DPO: ${pairs.length} preference pairs from ${records.length} problems`);
    const backend = (await initTfBackend({ log: () => {} })).name;
    const model = trainableModel(loaded);
    const reference = createReferenceModel(model);
    const t0 = performance.now();
    const result = await dpoTrain(model, reference, loaded.tokenizer, pairs, {
      config: optimiserConfig(recipe, seed),
    });
    reference.dispose();
    await saveRound(outDir, model, loaded);
    // Each pair is a forward+backward pass of the policy over chosen and rejected, plus the reference's forward.
    const tokens = pairs.reduce((s, p) => s + 2 * p.prompt.length + p.chosen.length + p.rejected.length, 0);
    const numTokens = tokens * recipe.epochs;
    return {
      learner: 'dpo',
      numExamples: pairs.length,
      numSteps: result.numSteps,
      numTokens,
      flops: 6 * numParameters(model.config) * numTokens + 2 * flopsPerToken(model.config) * numTokens,
      finalLoss: result.history[result.history.length - 1]?.loss ?? Number.NaN,
      backend,
      timeMs: performance.now() - t0,
    };
  },
});

/** The knobs both learners share: passes, batch, a cosine schedule from the peak rate down to a tenth. */
function optimiserConfig(recipe: LearnerRecipe, seed: number) {
  return {
    epochs: recipe.epochs,
    batchSize: recipe.batchSize,
    learningRate: recipe.learningRate,
    minLearningRate: recipe.learningRate / 10,
    seed,
  };
}

/** A round without data: the policy is saved unchanged so the round's later phases run as usual. */
async function keepPolicy(learner: LearnerName, outDir: string, loaded: LoadedPolicy): Promise<LearnOutcome> {
  await saveRound(outDir, trainableModel(loaded), loaded);
  const backend = (await initTfBackend({ log: () => {} })).name;
  return {
    learner,
    numExamples: 0,
    numSteps: 0,
    numTokens: 0,
    flops: 0,
    finalLoss: Number.NaN,
    backend,
    timeMs: 0,
  };
}

/**
 * Saves the updated policy as `<outDir>/policy`: written to a temporary directory and renamed, so a
 * kill leaves either no checkpoint (the phase reruns) or a complete one.
 */
async function saveRound(
  outDir: string,
  model: Parameters<typeof saveCheckpoint>[1]['model'] & { dispose?: () => void },
  loaded: LoadedPolicy,
): Promise<void> {
  const final = join(outDir, 'policy');
  const tmp = join(outDir, 'policy.tmp');
  await rm(tmp, { recursive: true, force: true });
  await saveCheckpoint(tmp, { model, tokenizer: loaded.tokenizer as CharTokenizer });
  await writeTrainingDistribution(tmp, loaded.generateOptions);
  if (existsSync(final)) await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  model.dispose?.();
}

/** Records the task distribution with the checkpoint (read back by `loadPolicy`). */
async function writeTrainingDistribution(dir: string, generateOptions: GenerateOptions): Promise<void> {
  await writeFile(
    join(dir, 'training.json'),
    `${JSON.stringify({ recipe: { generateOptions } }, null, 2)}\n`,
  );
}
