import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertBoolean, assertInteger, assertNumber, assertOneOf, type Json, O1labError } from '@o1lab/core';

/** Reward models a recipe can put in front of the reward-guided searchers. */
export const REWARD_MODEL_KINDS = ['prm', 'orm', 'verifier'] as const;
export type RewardModelKind = (typeof REWARD_MODEL_KINDS)[number];

/** Learners the loop can run on train-time search data. */
export const LEARNER_NAMES = ['expert-iteration', 'dpo'] as const;
export type LearnerName = (typeof LEARNER_NAMES)[number];

/** The reward-model phase: learned PRM/ORM trained on the policy's own samples, or the verifier oracle. */
export interface RewardModelRecipe {
  /**
   * `prm`: a TinyGPT PRM trained on Monte-Carlo step labels (Math-Shepherd); `orm`: on outcome labels;
   * `verifier`: the task's rule-based checker as an oracle reward model (an ablation, not a model).
   * @default 'prm'
   */
  readonly kind: RewardModelKind;
  /** Training problems whose sampled solutions are labelled. @default 64 */
  readonly problems: number;
  /** Solutions sampled per problem. @default 4 */
  readonly samplesPerProblem: number;
  /** Monte-Carlo rollouts per step prefix (Math-Shepherd's N). @default 4 */
  readonly rolloutsPerStep: number;
  /** Optimiser steps of reward-model training. @default 150 */
  readonly numSteps: number;
  /** Retrain the reward model on the new policy's samples after each learning round. @default true */
  readonly refresh: boolean;
  /**
   * Also label each training problem's reference solution (the task's solver), so every problem has
   * a right solution beside the policy's samples: on countdown this turns a PRM that ranks the
   * policy's samples below random (best-of-8 0.31 vs 0.32) into one above it (0.36).
   * @default true
   */
  readonly referenceSolutions: boolean;
}

/** What a budget level is: a method's knob (N, beam N, simulations / 4) or a cap on generated tokens. */
export const BUDGET_KINDS = ['level', 'generatedTokens'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];

/** Test-time scaling evaluation: every method at every budget level on held-out problems. */
export interface EvaluationRecipe {
  /** Held-out problems per sweep point. @default 100 */
  readonly problems: number;
  /** Search seeds per problem (accuracy pools problems x seeds). @default 1 */
  readonly seeds: number;
  /** Methods (see `o1lab methods`). @default ['majority-vote', 'best-of-n-prm', 'beam-prm', 'mcts-prm', 'tot-prm'] */
  readonly methods: readonly string[];
  /** Budget levels (N for best-of-N, beam N, MCTS simulations, ...). Powers of two read best on log axes. @default [1, 2, 4, 8, 16] */
  readonly levels: readonly number[];
  /** Held-out problems of the greedy pass@1 estimate. @default 200 */
  readonly greedyProblems: number;
  /**
   * `level`: levels set each method's knob; `generatedTokens`: levels are token budgets per problem,
   * each search runs under `Budget.generatedTokens` = level with its knob sized to spend about that.
   * @default 'level'
   */
  readonly budget: BudgetKind;
}

/** Train-time search: the searcher that turns training problems into data. */
export interface SearchRecipe {
  /** A method name, as in `evaluation.methods`. @default 'best-of-n-oracle' */
  readonly method: string;
  /** Its budget level. @default 8 */
  readonly level: number;
  /** Training problems searched per round (drawn outside the held-out split). @default 256 */
  readonly problems: number;
}

/** The learner and its main knobs (the rest keep the learner package's defaults). */
export interface LearnerRecipe {
  /** @default 'expert-iteration' */
  readonly name: LearnerName;
  /** Passes over the round's data. @default 2 */
  readonly epochs: number;
  /** @default 16 */
  readonly batchSize: number;
  /** Peak learning rate. @default 5e-4 */
  readonly learningRate: number;
  /** Most training examples (or preference pairs) kept per problem. @default 4 */
  readonly maxPerProblem: number;
}

/**
 * A run of the o1 loop: policy initialization -> reward model -> for `rounds` rounds { train-time
 * search -> data -> learning -> reward-model refresh -> test-time scaling evaluation }. Plain JSON.
 */
export interface Recipe {
  readonly name: string;
  readonly description: string;
  /** Task name (`countdown`, `game24`, `arithmetic`). */
  readonly task: string;
  /** Seed of everything: problem draws, sampling, training. @default 0 */
  readonly seed: number;
  /**
   * The initial policy: `reference:<task>` for the repository's reference checkpoint, or a
   * checkpoint directory (relative paths resolve against the working directory).
   * @default 'reference:<task>'
   */
  readonly policy: string;
  /** Token limit of one completion. @default the checkpoint's context minus the longest prompt */
  readonly maxTokens: number | null;
  readonly rewardModel: RewardModelRecipe;
  readonly evaluation: EvaluationRecipe;
  /** Rounds of search + learning (0: evaluate the initial policy only). @default 1 */
  readonly rounds: number;
  readonly search: SearchRecipe;
  readonly learner: LearnerRecipe;
}

export const defaultRewardModelRecipe: RewardModelRecipe = Object.freeze({
  kind: 'prm',
  problems: 64,
  samplesPerProblem: 4,
  rolloutsPerStep: 4,
  numSteps: 150,
  refresh: true,
  referenceSolutions: true,
});

export const defaultEvaluationRecipe: EvaluationRecipe = Object.freeze({
  problems: 100,
  seeds: 1,
  methods: Object.freeze(['majority-vote', 'best-of-n-prm', 'beam-prm', 'mcts-prm', 'tot-prm']),
  levels: Object.freeze([1, 2, 4, 8, 16]),
  greedyProblems: 200,
  budget: 'level',
});

export const defaultSearchRecipe: SearchRecipe = Object.freeze({
  method: 'best-of-n-oracle',
  level: 8,
  problems: 256,
});

export const defaultLearnerRecipe: LearnerRecipe = Object.freeze({
  name: 'expert-iteration',
  epochs: 2,
  batchSize: 16,
  learningRate: 5e-4,
  maxPerProblem: 4,
});

/** The recipes that ship in `packages/o1/recipes` (`o1lab run quick`). */
export const RECIPES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'recipes');

const TOP_LEVEL_KEYS = [
  'name',
  'description',
  'task',
  'seed',
  'policy',
  'maxTokens',
  'rewardModel',
  'evaluation',
  'rounds',
  'search',
  'learner',
] as const;

/**
 * Validates a parsed recipe and fills defaults. Errors name the field (`recipe.evaluation.levels[2]`)
 * and, for choices, the allowed values. `knownTasks` and `knownMethods` are the registries' names.
 */
export function resolveRecipe(
  input: unknown,
  known: { readonly tasks: readonly string[]; readonly methods: readonly string[] },
  where = 'recipe',
): Recipe {
  const raw = asObject(input, where);
  rejectUnknownKeys(raw, TOP_LEVEL_KEYS, where);
  const name = asString(raw.name ?? 'unnamed', `${where}.name`);
  const description = raw.description === undefined ? '' : asString(raw.description, `${where}.description`);
  const task = asString(raw.task, `${where}.task`);
  assertOneOf(`${where}.task`, task, known.tasks, 'recipe');
  const seed = raw.seed ?? 0;
  assertInteger(`${where}.seed`, seed, { min: 0 }, 'recipe');
  const policy = asString(raw.policy ?? `reference:${task}`, `${where}.policy`);
  const maxTokens = raw.maxTokens ?? null;
  if (maxTokens !== null) assertInteger(`${where}.maxTokens`, maxTokens, { min: 1 }, 'recipe');
  const rounds = raw.rounds ?? 1;
  assertInteger(`${where}.rounds`, rounds, { min: 0, max: 100 }, 'recipe');

  const rm = section(raw.rewardModel, defaultRewardModelRecipe, `${where}.rewardModel`);
  assertOneOf(`${where}.rewardModel.kind`, rm.kind, REWARD_MODEL_KINDS, 'recipe');
  for (const key of ['problems', 'samplesPerProblem', 'rolloutsPerStep', 'numSteps'] as const) {
    assertInteger(`${where}.rewardModel.${key}`, rm[key], { min: 1 }, 'recipe');
  }
  assertBoolean(`${where}.rewardModel.refresh`, rm.refresh, 'recipe');
  assertBoolean(`${where}.rewardModel.referenceSolutions`, rm.referenceSolutions, 'recipe');

  const ev = section(raw.evaluation, defaultEvaluationRecipe, `${where}.evaluation`);
  for (const key of ['problems', 'seeds', 'greedyProblems'] as const) {
    assertInteger(`${where}.evaluation.${key}`, ev[key], { min: 1 }, 'recipe');
  }
  const methods = asList<string>(ev.methods, `${where}.evaluation.methods`);
  methods.forEach((m, i) => {
    assertOneOf(`${where}.evaluation.methods[${i}]`, m, known.methods, 'recipe');
  });
  if (new Set(methods).size !== methods.length) {
    throw new O1labError('INVALID_CONFIG', `\`${where}.evaluation.methods\` lists a method twice`, {
      where: 'recipe',
    });
  }
  assertOneOf(`${where}.evaluation.budget`, ev.budget, BUDGET_KINDS, 'recipe');
  const maxLevel = ev.budget === 'level' ? 4096 : 2 ** 24;
  const levels = asList<number>(ev.levels, `${where}.evaluation.levels`);
  levels.forEach((l, i) => {
    assertInteger(`${where}.evaluation.levels[${i}]`, l, { min: 1, max: maxLevel }, 'recipe');
  });

  const search = section(raw.search, defaultSearchRecipe, `${where}.search`);
  assertOneOf(`${where}.search.method`, search.method, known.methods, 'recipe');
  assertInteger(`${where}.search.level`, search.level, { min: 1, max: 4096 }, 'recipe');
  assertInteger(`${where}.search.problems`, search.problems, { min: 1 }, 'recipe');

  const learner = section(raw.learner, defaultLearnerRecipe, `${where}.learner`);
  assertOneOf(`${where}.learner.name`, learner.name, LEARNER_NAMES, 'recipe');
  for (const key of ['epochs', 'batchSize', 'maxPerProblem'] as const) {
    assertInteger(`${where}.learner.${key}`, learner[key], { min: 1 }, 'recipe');
  }
  assertNumber(`${where}.learner.learningRate`, learner.learningRate, { gt: 0, max: 1 }, 'recipe');

  return Object.freeze({
    name,
    description,
    task,
    seed: seed as number,
    policy,
    maxTokens: maxTokens as number | null,
    rewardModel: Object.freeze(rm),
    evaluation: Object.freeze({ ...ev, methods: Object.freeze(methods), levels: Object.freeze(levels) }),
    rounds: rounds as number,
    search: Object.freeze(search),
    learner: Object.freeze(learner),
  });
}

/**
 * Reads a recipe: a built-in name (`quick`, `micro`, `full`: files in {@link RECIPES_DIR}) or a path
 * to a JSON file. Unreadable files and invalid JSON fail with the path in the message.
 */
export async function readRecipe(nameOrPath: string): Promise<{ path: string; json: unknown }> {
  const isName = /^[a-z0-9-]+$/.test(nameOrPath) && !nameOrPath.endsWith('.json');
  const path = isName
    ? join(RECIPES_DIR, `${nameOrPath}.json`)
    : isAbsolute(nameOrPath)
      ? nameOrPath
      : resolve(nameOrPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new O1labError('NOT_FOUND', `cannot read recipe '${nameOrPath}' (${path})`, {
      where: 'recipe',
      hint: isName
        ? `built-in recipes: ${(await builtInRecipes()).join(', ')}; or pass a path to a .json file`
        : 'check the path',
      cause,
    });
  }
  try {
    return { path, json: JSON.parse(text) as Json };
  } catch (cause) {
    throw new O1labError('PARSE_ERROR', `recipe ${path} is not valid JSON: ${(cause as Error).message}`, {
      where: 'recipe',
      cause,
    });
  }
}

/** Names of the recipes in {@link RECIPES_DIR}. */
export async function builtInRecipes(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  try {
    return (await readdir(RECIPES_DIR))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new O1labError('INVALID_CONFIG', `\`${where}\` must be a JSON object`, { where: 'recipe' });
  }
  return v as Record<string, unknown>;
}

function asString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`${where}\` must be a non-empty string, got ${JSON.stringify(v)}`,
      {
        where: 'recipe',
      },
    );
  }
  return v;
}

function asList<T>(v: readonly T[] | unknown, where: string): T[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw new O1labError('INVALID_CONFIG', `\`${where}\` must be a non-empty list`, { where: 'recipe' });
  }
  return [...(v as T[])];
}

function rejectUnknownKeys(raw: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      throw new O1labError('INVALID_CONFIG', `unknown field \`${where}.${key}\``, {
        where: 'recipe',
        hint: `allowed fields: ${allowed.join(', ')}`,
      });
    }
  }
}

function section<T extends object>(v: unknown, defaults: T, where: string): T {
  if (v === undefined) return { ...defaults };
  const raw = asObject(v, where);
  rejectUnknownKeys(raw, Object.keys(defaults), where);
  return { ...defaults, ...raw } as T;
}
