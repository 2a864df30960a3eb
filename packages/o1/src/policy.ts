import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createRng, type GenerateOptions, O1labError, type Task } from '@o1lab/core';
import {
  CharTokenizer,
  type CharTokenizerJson,
  type Checkpoint,
  createTinyGptModel,
  loadCheckpoint,
  OrtPolicy,
  OrtRuntime,
  type TinyGptModel,
} from '@o1lab/model';
import { REFERENCE_CHECKPOINT_RECIPES, referenceModelDir } from '@o1lab/policy-init';

/** Prefix of a policy spec naming a reference checkpoint of the repository. */
export const REFERENCE_PREFIX = 'reference:';

/** A policy checkpoint loaded for the loop: ONNX Runtime for sampling, tfjs weights for learning. */
export interface LoadedPolicy {
  /** Absolute checkpoint directory. */
  readonly dir: string;
  readonly checkpoint: Checkpoint;
  readonly tokenizer: CharTokenizer;
  readonly runtime: OrtRuntime;
  readonly policy: OrtPolicy;
  /** The task distribution the checkpoint was trained on (its training.json), for problem draws. */
  readonly generateOptions: GenerateOptions;
  /** Completion token limit: the context minus the longest prompt (plus BOS) of the distribution. */
  readonly maxTokens: number;
}

/**
 * Resolves a policy spec (`reference:<task>` or a directory) to a checkpoint directory, failing
 * before any work when it does not hold a checkpoint.
 */
export function resolveCheckpointDir(spec: string, task: string): string {
  let dir: string;
  if (spec.startsWith(REFERENCE_PREFIX)) {
    const name = spec.slice(REFERENCE_PREFIX.length);
    if (!(name in REFERENCE_CHECKPOINT_RECIPES)) {
      throw new O1labError('NOT_FOUND', `unknown reference checkpoint '${spec}'`, {
        where: 'policy',
        hint: `reference checkpoints: ${Object.keys(REFERENCE_CHECKPOINT_RECIPES)
          .map((t) => REFERENCE_PREFIX + t)
          .join(', ')}`,
      });
    }
    if (name !== task) {
      throw new O1labError(
        'INVALID_CONFIG',
        `policy '${spec}' was trained on ${name}, not on task '${task}'`,
        {
          where: 'policy',
          hint: `use ${REFERENCE_PREFIX}${task} or a checkpoint trained on ${task}`,
        },
      );
    }
    dir = referenceModelDir(name as keyof typeof REFERENCE_CHECKPOINT_RECIPES);
  } else {
    dir = resolve(spec);
  }
  for (const file of ['config.json', 'model.safetensors', 'tokenizer.json']) {
    if (!existsSync(join(dir, file))) {
      throw new O1labError('NOT_FOUND', `no checkpoint at ${dir} (missing ${file})`, {
        where: 'policy',
        hint: spec.startsWith(REFERENCE_PREFIX)
          ? 'reference checkpoints ship with the repository (reference/models); outside it, pass a checkpoint directory'
          : 'pass a directory written by saveCheckpoint (config.json, model.safetensors, tokenizer.json)',
      });
    }
  }
  return dir;
}

/** Loads a checkpoint into ONNX Runtime (prefix cache on) as an {@link OrtPolicy}. */
export async function loadPolicy(dir: string, task: Task, seed: number): Promise<LoadedPolicy> {
  const checkpoint = await loadCheckpoint(dir);
  if (checkpoint.tokenizer === undefined) {
    throw new O1labError('CORRUPT_FILE', 'the checkpoint has no tokenizer.json', { where: dir });
  }
  const tokenizer = CharTokenizer.fromJSON(checkpoint.tokenizer as CharTokenizerJson);
  const runtime = await OrtRuntime.fromWeights(checkpoint.config, checkpoint.weights);
  const policy = new OrtPolicy(runtime, tokenizer, {
    seed,
    name: `tinygpt:${dir}`,
    stepDelimiter: task.stepDelimiter,
  });
  const generateOptions = await trainingDistribution(dir, task.name);
  const maxTokens = completionBudget(task, tokenizer, checkpoint.config.context, generateOptions);
  return { dir, checkpoint, tokenizer, runtime, policy, generateOptions, maxTokens };
}

/** A tfjs model over the checkpoint's weights (for learning). */
export function trainableModel(loaded: LoadedPolicy): TinyGptModel {
  return createTinyGptModel(loaded.checkpoint.config, loaded.checkpoint.weights);
}

/** `generateOptions` of the checkpoint's training recipe, else the reference recipe of the task, else none. */
async function trainingDistribution(dir: string, task: string): Promise<GenerateOptions> {
  try {
    const training = JSON.parse(await readFile(join(dir, 'training.json'), 'utf8')) as {
      recipe?: { generateOptions?: GenerateOptions };
    };
    if (training.recipe?.generateOptions !== undefined) return training.recipe.generateOptions;
  } catch {
    // no training record: fall through to the task's reference recipe
  }
  const recipes = REFERENCE_CHECKPOINT_RECIPES as Readonly<
    Record<string, { readonly generateOptions: GenerateOptions }>
  >;
  return recipes[task]?.generateOptions ?? {};
}

function completionBudget(
  task: Task,
  tokenizer: CharTokenizer,
  context: number,
  generateOptions: GenerateOptions,
): number {
  const rng = createRng(1);
  let longest = 0;
  for (let i = 0; i < 256; i++) {
    const prompt = task.prompt(task.generate(rng, generateOptions));
    longest = Math.max(longest, tokenizer.encode(prompt).length + 1);
  }
  const budget = context - longest;
  if (budget < 8) {
    throw new O1labError(
      'INVALID_CONFIG',
      `the checkpoint's context (${context}) leaves ${budget} tokens after the prompt`,
      {
        where: 'policy',
      },
    );
  }
  return budget;
}
