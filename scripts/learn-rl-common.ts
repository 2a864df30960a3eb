// Shared runner of scripts/learn-grpo.ts, scripts/learn-ppo.ts and scripts/learn-reinforce.ts: start
// from the countdown reference policy (reference/models/countdown, made by
// scripts/policy-init-train.ts), train on problems outside the held-out split within a wall-clock
// budget, and report held-out greedy pass@1 before and after (95% Wilson intervals).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRng, type Problem, type Task, writeJsonl } from '@o1lab/core';
import { GRPO_VARIANTS, grpoTrain } from '@o1lab/learn-grpo';
import { completionSteps, ppoTrain, type StepRewardFn } from '@o1lab/learn-ppo';
import { reinforceTrain } from '@o1lab/learn-reinforce';
import {
  createSampler,
  type PromptCompletionReward,
  type Rollout,
  rolloutRecords,
  type Sampler,
} from '@o1lab/learn-rollout';
import {
  CharTokenizer,
  type CharTokenizerJson,
  createTinyGptModel,
  initTfBackend,
  initTinyGptWeights,
  loadCheckpoint,
  saveCheckpoint,
  type TinyGptModel,
} from '@o1lab/model';
import { isHeldOut, referenceModelDir } from '@o1lab/policy-init';
import { countdownTask, TRACE_ALPHABET } from '@o1lab/tasks';
import {
  formatEstimate,
  GENERATE_OPTIONS,
  greedyPass1,
  MAX_TOKENS,
  pairedDelta,
  REFERENCE_CONTEXT,
  shownPath,
} from './learn-imitation-common.js';

const task = countdownTask as unknown as Task;
/**
 * Weight of each process term. A step earns it when the task's `checkSteps` accepts it (countdown:
 * right arithmetic on available numbers) and, separately, when its arithmetic `a op b = c` is right
 * whatever the numbers, so the sparse outcome reward of a weak starting policy (greedy pass@1 about
 * 1%) gets a dense signal. GRPO and RLOO add the step shares to the sequence reward; PPO puts each
 * step's part on that step's last token (a ground-truth PRM).
 */
const DEFAULT_STEP_WEIGHT = 0.2;

export type RlAlgorithm = 'grpo' | 'ppo' | 'rloo';

/** Per algorithm: the options of its train function on the countdown reference policy. */
const RECIPES: Record<RlAlgorithm, Record<string, unknown>> = {
  grpo: {
    numPrompts: 16,
    beta: 0.04,
    rollout: { numGenerations: 8, maxCompletionTokens: MAX_TOKENS },
    optimizer: { learningRate: 5e-4, minLearningRate: 5e-4 },
  },
  ppo: {
    numPrompts: 64,
    numPpoEpochs: 2,
    numMiniBatches: 2,
    klCoef: 0.05,
    rollout: { numGenerations: 1, maxCompletionTokens: MAX_TOKENS },
    optimizer: { learningRate: 2e-4, minLearningRate: 2e-4 },
  },
  rloo: {
    estimator: 'rloo',
    numPrompts: 32,
    rollout: { numGenerations: 4, maxCompletionTokens: MAX_TOKENS },
    optimizer: { learningRate: 5e-4, minLearningRate: 5e-4 },
  },
};

/** Parses the command line and runs `algorithm`; see each script's header for the options. */
export async function runRlScript(algorithm: RlAlgorithm): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      out: { type: 'string', default: `runs/learn-${algorithm}/report.json` },
      save: { type: 'string' },
      problems: { type: 'string', default: '100' },
      'train-problems': { type: 'string', default: '2000' },
      steps: { type: 'string', default: '100000' },
      minutes: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      lr: { type: 'string' },
      temperature: { type: 'string', default: '1' },
      'step-weight': { type: 'string', default: String(DEFAULT_STEP_WEIGHT) },
      supervision: { type: 'string', default: 'outcome' },
      variant: { type: 'string', default: 'grpo' },
      'mini-batches': { type: 'string' },
      prompts: { type: 'string' },
      smoke: { type: 'boolean', default: false },
    },
  });
  const smoke = values.smoke === true;
  const numHeldOut = smoke ? 8 : Number(values.problems);
  const numSteps = smoke ? 2 : Number(values.steps);
  const budgetMs = Number(values.minutes) * 60_000;
  const temperature = Number(values.temperature);
  const stepWeight = Number(values['step-weight']);
  const miniBatches = Number(values['mini-batches'] ?? 1);
  const numPrompts = Number(values.prompts ?? 1);
  for (const [name, v] of [
    ['mini-batches', miniBatches],
    ['prompts', numPrompts],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      console.error(`learn-${algorithm}: --${name} must be a positive integer, got ${values[name]}`);
      process.exit(2);
    }
  }
  for (const [name, v, min] of [
    ['temperature', temperature, Number.MIN_VALUE],
    ['step-weight', stepWeight, 0],
  ] as const) {
    if (!Number.isFinite(v) || v < min) {
      console.error(
        `learn-${algorithm}: --${name} must be a ${min === 0 ? 'non-negative' : 'positive'} number, got ${values[name]}`,
      );
      process.exit(2);
    }
  }
  const supervision = values.supervision;
  if (supervision !== 'outcome' && supervision !== 'process') {
    console.error(`learn-${algorithm}: --supervision must be outcome or process, got ${supervision}`);
    process.exit(2);
  }
  const variant = values.variant as keyof typeof GRPO_VARIANTS;
  if (!Object.hasOwn(GRPO_VARIANTS, variant) || (algorithm !== 'grpo' && variant !== 'grpo')) {
    console.error(
      algorithm === 'grpo'
        ? `learn-grpo: --variant must be one of ${Object.keys(GRPO_VARIANTS).join(', ')}, got ${variant}`
        : `learn-${algorithm}: --variant is for GRPO`,
    );
    process.exit(2);
  }
  if (supervision === 'process' && algorithm === 'rloo') {
    console.error('learn-rloo: --supervision process is for GRPO and PPO');
    process.exit(2);
  }
  const log = (line: string) => console.error(`[learn-${algorithm}] ${new Date().toISOString()} ${line}`);

  const t0 = performance.now();
  const loaded = await loadPolicy(values.dir, smoke);
  log(
    `policy ${loaded.source}, tfjs ${loaded.backend}, ONNX Runtime ${loaded.sampler.runtime.executionProvider}`,
  );
  // PPO's critic is the value head, which the reference checkpoint lacks: it starts from the
  // initialisation of the same config with valueHead on, every other weight from the checkpoint.
  const learner = algorithm === 'ppo' ? await withValueHead(loaded) : loaded;
  const sampler: Sampler = learner.sampler;
  const before = await greedyPass1(learner.sampler.policy, numHeldOut);
  const evalMs = performance.now() - t0;
  log(`held-out greedy pass@1 before: ${formatEstimate(before.estimate)}`);

  const problems = trainingProblems(smoke ? 16 : Number(values['train-problems']), Number(values.seed));
  const accepted = (problem: Problem, steps: readonly string[]) =>
    steps.length === 0 ? [] : task.checkSteps!(problem, steps).map((c) => c.correct);
  const checks = (problem: Problem, steps: readonly string[]) =>
    accepted(problem, steps).map((ok, i) => (ok ? 1 : 0) + (rightArithmetic(steps[i]!) ? 1 : 0));
  const outcome = (r: Rollout) => (task.verify(r.state.problem, r.text).correct ? 1 : 0);
  const processShare = (r: Rollout) => {
    const ok = checks(
      r.state.problem,
      r.text.split(task.stepDelimiter).filter((x) => x.length > 0),
    );
    return ok.length === 0 ? 0 : ok.reduce((a, b) => a + b, 0) / ok.length;
  };
  const stepRewards: StepRewardFn = async (rollouts) =>
    rollouts.map((r) => {
      const { steps } = completionSteps(r.completionIds, learner.tokenizer, task.stepDelimiter);
      return checks(r.state.problem, steps).map((score) => (stepWeight * score) / steps.length);
    });
  // GRPO process supervision (DeepSeekMath sec. 4.1.3) with the step checker as a ground-truth
  // PRM that only penalises: 0 for a step `checkSteps` accepts, -1 for one it rejects, and the last
  // step carries the outcome (1 or 0) instead. Rewarding accepted steps with +1 instead pays for
  // long derivations whatever their outcome (the suffix sums add a bonus per accepted step), and
  // held-out accuracy fell within 80 steps.
  const checkerStepRewards: StepRewardFn = async (rollouts) =>
    rollouts.map((r) => {
      const { steps } = completionSteps(r.completionIds, learner.tokenizer, task.stepDelimiter);
      const rewards: number[] = accepted(r.state.problem, steps).map((ok) => (ok ? 0 : -1));
      rewards[rewards.length - 1] = outcome(r);
      return rewards;
    });
  // PPO with the same checker as a dense reward: -1 on the last token of each step it rejects; the
  // outcome stays PPO's reward on the completion's last token, so the final step adds nothing.
  const checkerPenalties: StepRewardFn = async (rollouts) =>
    rollouts.map((r) => {
      const { steps } = completionSteps(r.completionIds, learner.tokenizer, task.stepDelimiter);
      const rewards = accepted(r.state.problem, steps).map((ok) => (ok ? 0 : -1));
      rewards[rewards.length - 1] = 0;
      return rewards;
    });
  const base = { model: learner.model, sampler, tokenizer: learner.tokenizer, task, problems };
  const context =
    algorithm === 'ppo'
      ? { ...base, reward: outcome, stepRewards: supervision === 'process' ? checkerPenalties : stepRewards }
      : supervision === 'process'
        ? { ...base, reward: outcome, stepRewards: checkerStepRewards }
        : { ...base, reward: (r: Rollout) => outcome(r) + stepWeight * processShare(r) };
  const recipe = {
    ...RECIPES[algorithm],
    ...(algorithm === 'grpo' ? GRPO_VARIANTS[variant] : {}),
    numSteps,
    seed: Number(values.seed),
    rollout: { ...(RECIPES[algorithm].rollout as Record<string, unknown>), temperature },
    ...(smoke ? { numPrompts: 4 } : {}),
    ...(supervision === 'process' && algorithm === 'grpo' ? { supervision: 'process' as const } : {}),
    ...(values['mini-batches'] === undefined ? {} : { numMiniBatches: miniBatches }),
    ...(values.prompts === undefined ? {} : { numPrompts }),
    ...(values.lr === undefined
      ? {}
      : { optimizer: { learningRate: Number(values.lr), minLearningRate: Number(values.lr) } }),
  };
  // Stop in time for the final evaluation (about as long as the first).
  const stopAt = t0 + budgetMs - 1.5 * evalMs;
  const onStep = (s: {
    step: number;
    meanReward: number;
    loss: number;
    rolloutMs: number;
    updateMs: number;
    syncMs: number;
  }) => {
    if (s.step % 10 === 0 || smoke) {
      log(
        `step ${s.step}: reward ${s.meanReward.toFixed(3)}, loss ${s.loss.toFixed(4)}, rollout ${(s.rolloutMs / 1000).toFixed(1)} s, update ${(s.updateMs / 1000).toFixed(1)} s, sync ${s.syncMs.toFixed(0)} ms`,
      );
    }
    return performance.now() > stopAt;
  };
  // Every rollout out as TRL prompt/completion/reward JSONL next to the report.
  const records: PromptCompletionReward[] = [];
  const onRollouts = (rollouts: readonly Rollout[], rewards: readonly number[]) => {
    records.push(...rolloutRecords(rollouts, rewards));
  };
  const hooks = { onStep, onRollouts };
  let steps: readonly { readonly meanReward: number }[];
  if (algorithm === 'grpo') steps = (await grpoTrain(context, recipe, hooks)).steps;
  else if (algorithm === 'ppo') steps = (await ppoTrain(context, recipe, hooks)).steps;
  else steps = (await reinforceTrain(context, recipe, hooks)).steps;

  const after = await greedyPass1(learner.sampler.policy, numHeldOut);
  const delta = pairedDelta(before, after);
  const timeMs = performance.now() - t0;
  log(
    `held-out greedy pass@1 after:  ${formatEstimate(after.estimate)}, change ${formatEstimate(delta)} (+${delta.gained} / -${delta.lost} problems) (${steps.length} steps, ${(timeMs / 60_000).toFixed(1)} min)`,
  );
  const rewards = steps.map((s) => s.meanReward);
  await mkdir(dirname(values.out!), { recursive: true });
  await writeFile(
    values.out!,
    `${JSON.stringify(
      {
        algorithm,
        source: learner.source,
        tfjsBackend: learner.backend,
        heldOutProblems: numHeldOut,
        recipe,
        supervision,
        stepWeight: supervision === 'process' ? undefined : stepWeight,
        before: before.estimate,
        after: after.estimate,
        delta,
        numSteps: steps.length,
        firstRewards: rewards.slice(0, 10),
        lastRewards: rewards.slice(-10),
        timeMs,
        steps,
      },
      null,
      2,
    )}\n`,
  );
  await writeJsonl(join(dirname(values.out!), 'rollouts.jsonl'), records);
  if (values.save !== undefined) {
    await saveCheckpoint(values.save, { model: learner.model, tokenizer: learner.tokenizer });
  }
  await learner.sampler.runtime.dispose();
  if (learner !== loaded) await loaded.sampler.runtime.dispose();
}

interface LoadedPolicy {
  readonly model: TinyGptModel;
  readonly tokenizer: CharTokenizer;
  readonly sampler: Sampler;
  readonly backend: string;
  readonly source: string;
}

/** The reference checkpoint, or with `smoke` a random-init tiny model (to check the pipeline). */
async function loadPolicy(dir: string | undefined, smoke: boolean): Promise<LoadedPolicy> {
  const backend = (await initTfBackend({ log: () => {} })).name;
  let model: TinyGptModel;
  let tokenizer: CharTokenizer;
  let source: string;
  if (smoke) {
    tokenizer = new CharTokenizer(TRACE_ALPHABET);
    model = createTinyGptModel({
      vocabSize: tokenizer.vocabSize,
      nLayer: 1,
      nHead: 2,
      dModel: 32,
      context: REFERENCE_CONTEXT,
    });
    source = 'random-init smoke model';
  } else {
    const path = dir ?? referenceModelDir('countdown');
    source = shownPath(path);
    const ckpt = await loadCheckpoint(path);
    tokenizer = CharTokenizer.fromJSON(ckpt.tokenizer as CharTokenizerJson);
    model = createTinyGptModel(ckpt.config, ckpt.weights);
  }
  return { model, tokenizer, sampler: await createSampler(model, tokenizer), backend, source };
}

/**
 * PPO's critic is the value head, which the reference checkpoint lacks: it starts from the
 * initialisation of the same config with `valueHead` on, every other weight from the checkpoint.
 */
async function withValueHead(loaded: LoadedPolicy): Promise<LoadedPolicy> {
  const config = { ...loaded.model.config, valueHead: true };
  const weights = new Map(initTinyGptWeights(config));
  for (const [name, w] of loaded.model.getWeights()) weights.set(name, w);
  const model = createTinyGptModel(config, weights);
  return { ...loaded, model, sampler: await createSampler(model, loaded.tokenizer) };
}

/** Training problems: seeded, outside the held-out split the evaluation draws from. */
function trainingProblems(count: number, seed: number): Problem[] {
  const rng = createRng(seed);
  const out: Problem[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const p = task.generate(rng, GENERATE_OPTIONS);
    if (isHeldOut(p.id, 0.1) || seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}

/** `a op b = c` with c the exact result (integers; division exact), parsed, never evaluated. */
function rightArithmetic(step: string): boolean {
  const m = /^(\d+)([+\-*/])(\d+)=(\d+)$/.exec(step.trim());
  if (m === null) return false;
  const a = Number(m[1]);
  const b = Number(m[3]);
  const c = Number(m[4]);
  if (m[2] === '+') return a + b === c;
  if (m[2] === '-') return a - b === c;
  if (m[2] === '*') return a * b === c;
  return b !== 0 && a === b * c;
}
