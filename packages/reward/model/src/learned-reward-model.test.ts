import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, type Problem, type Rng, type State, type Task } from '@o1lab/core';
import { initTfBackend } from '@o1lab/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rocAuc } from './evaluate.js';
import { loadRewardModel, saveRewardModel } from './learned-reward-model.js';
import { encodeSolution } from './reward-sequences.js';
import type { RewardTrainingConfig } from './reward-training-config.js';
import {
  type PreferencePair,
  type RewardExample,
  type TrainedRewardModel,
  type TrainRewardModelInputs,
  trainRewardModel,
} from './train-reward-model.js';

/**
 * A copy task small enough to learn in seconds: the problem names a digit, a solution writes three
 * steps, and a step is right when it repeats the digit. Steps are labelled on their own (right
 * with probability 0.6 at every position), so the step index alone tells nothing: a PRM must
 * attend from each step back to the prompt.
 */
interface CopyData {
  readonly digits: string;
}

const copyTask: Task<CopyData> = {
  name: 'copy',
  stepDelimiter: '\n',
  generate(rng: Rng): Problem<CopyData> {
    const digits = String(rng.int(10)).repeat(3);
    return { id: `copy-${digits}`, task: 'copy', question: `copy ${digits}`, data: { digits } };
  },
  prompt: (p) => `copy: ${p.data.digits[0]}\n`,
  parseAnswer: () => null,
  verify: (p, text) => {
    const ok =
      text
        .split('\n')
        .filter((s) => s.length > 0)
        .join('') === p.data.digits;
    return { correct: ok, answer: null };
  },
};

/** A solution whose steps are each right with probability `pRight`, and each step's own label. */
function drawSolution(
  rng: Rng,
  pRight: number,
): { problem: Problem<CopyData>; steps: string[]; labels: number[] } {
  const problem = copyTask.generate(rng);
  const steps = [...problem.data.digits].map((d) =>
    rng.bernoulli(pRight) ? d : String((Number(d) + 1 + rng.int(9)) % 10),
  );
  const labels = steps.map((s, k) => (s === problem.data.digits[k] ? 1 : 0));
  return { problem, steps, labels };
}

const asState = (problem: Problem<CopyData>, steps: readonly string[]): State => ({
  problem: problem as unknown as Problem,
  prompt: copyTask.prompt(problem),
  steps: steps.map((text) => ({ text })),
});

const TINY = {
  dModel: 32,
  nLayer: 2,
  nHead: 2,
  context: 24,
  batchSize: 32,
  learningRate: 3e-3,
  warmupSteps: 5,
};

async function stepAuc(
  trained: TrainedRewardModel,
  held: ReturnType<typeof drawSolution>[],
): Promise<number> {
  const scores = await trained.rewardModel.scoreSteps(held.map((h) => asState(h.problem, h.steps)));
  return rocAuc(
    scores.flat(),
    held.flatMap((h) => h.labels.map((l) => l === 1)),
  );
}

const trained: TrainedRewardModel[] = [];

/** The same data and seed trained for one step and for `config.numSteps` (both kept for disposal). */
async function trainOneAndMany(
  inputs: Omit<TrainRewardModelInputs, 'task'>,
  config: Partial<RewardTrainingConfig>,
): Promise<[TrainedRewardModel, TrainedRewardModel]> {
  const task = copyTask as unknown as Task;
  const one = await trainRewardModel({ ...inputs, task }, { ...TINY, ...config, numSteps: 1 });
  const many = await trainRewardModel({ ...inputs, task }, { ...TINY, ...config });
  trained.push(one, many);
  return [one, many];
}

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

afterAll(async () => {
  for (const t of trained) await t.dispose();
});

describe('trainRewardModel', () => {
  const rng = createRng(11);
  const train = Array.from({ length: 800 }, () => drawSolution(rng, 0.6));
  const held = Array.from({ length: 120 }, () => drawSolution(rng, 0.6));
  const examples: RewardExample[] = train.map((t) => ({
    problem: t.problem as unknown as Problem,
    steps: t.steps,
    stepLabels: t.labels,
    outcome: t.labels.every((l) => l === 1) ? 1 : 0,
  }));

  it('a PRM ranks right steps above wrong ones once trained (step AUC from about 0.5 to past 0.75)', async () => {
    const [early, prm] = await trainOneAndMany({ kind: 'prm', examples }, { numSteps: 300 });
    const before = await stepAuc(early, held);
    const after = await stepAuc(prm, held);
    expect(after).toBeGreaterThan(0.75);
    expect(after).toBeGreaterThan(before + 0.2);
    expect(prm.stats.finalLoss).toBeLessThan(prm.stats.losses[0]!);
    expect(prm.stats.numTokens).toBeGreaterThan(0);
  });

  it('ONNX Runtime scores equal the tfjs value head to 1e-4, rows of different lengths batched', async () => {
    const prm = trained.at(-1)!;
    // 1, 2 or 3 steps per row, so the batched ORT call pads rows and must read each at its place.
    const steps = held.slice(0, 16).map((h, i) => h.steps.slice(0, 1 + (i % 3)));
    const states = held.slice(0, 16).map((h, i) => asState(h.problem, steps[i]!));
    const ort = await prm.rewardModel.scoreSteps(states);
    states.forEach((s, i) => {
      const e = encodeSolution(prm.tokenizer, s.prompt, steps[i]!, '\n', 24);
      const values = prm.model.forward([e.ids]).values!;
      e.stepEnds.forEach((p, k) => {
        const tfjs = 1 / (1 + Math.exp(-values[p]!));
        expect(Math.abs(ort[i]![k]! - tfjs)).toBeLessThan(1e-4);
      });
    });
    const meter = prm.rewardModel.meter.snapshot();
    expect(meter.rewardCalls).toBeGreaterThan(0);
    expect(meter.rewardTokens).toBeGreaterThan(0);
    expect(meter.flops).toBeGreaterThan(0);
  });

  it('save and load give the same scores', async () => {
    const prm = trained.at(-1)!;
    const dir = await mkdtemp(join(tmpdir(), 'o1lab-rm-'));
    try {
      await saveRewardModel(dir, prm);
      const loaded = await loadRewardModel(dir);
      const states = held.slice(0, 8).map((h) => asState(h.problem, h.steps));
      expect(loaded.kind).toBe('prm');
      expect(await loaded.scoreSteps(states)).toEqual(await prm.rewardModel.scoreSteps(states));
      expect(await loaded.scoreOutcome(states)).toEqual(await prm.rewardModel.scoreOutcome(states));
      await loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a Bradley–Terry model prefers the chosen solution of held-out pairs after training', async () => {
    const pairRng = createRng(5);
    const makePair = (): PreferencePair => {
      const right = drawSolution(pairRng, 1);
      const wrong = [...right.steps];
      const k = pairRng.int(3);
      wrong[k] = String((Number(wrong[k]) + 1 + pairRng.int(9)) % 10);
      return { problem: right.problem as unknown as Problem, chosen: right.steps, rejected: wrong };
    };
    const pairs = Array.from({ length: 300 }, makePair);
    const heldPairs = Array.from({ length: 60 }, makePair);
    const accuracy = async (t: TrainedRewardModel) => {
      const chosen = await t.rewardModel.scoreOutcome(
        heldPairs.map((p) => asState(p.problem as never, p.chosen)),
      );
      const rejected = await t.rewardModel.scoreOutcome(
        heldPairs.map((p) => asState(p.problem as never, p.rejected)),
      );
      return chosen.filter((c, i) => c > rejected[i]!).length / heldPairs.length;
    };
    const [early, bt] = await trainOneAndMany({ kind: 'pairwise', pairs }, { batchSize: 16, numSteps: 300 });
    const before = await accuracy(early);
    const after = await accuracy(bt);
    expect(after).toBeGreaterThan(0.85);
    expect(after).toBeGreaterThan(before + 0.2);
  });

  it('an ORM scores each prefix as a whole solution: one sequence per step, read at EOS', async () => {
    const [, orm] = await trainOneAndMany({ kind: 'orm', examples }, { numSteps: 2 });
    const states = held.slice(0, 4).map((h) => asState(h.problem, h.steps));
    const before = orm.rewardModel.meter.snapshot();
    const steps = await orm.rewardModel.scoreSteps(states);
    const after = orm.rewardModel.meter.snapshot();
    // "copy: d\n" is 8 tokens, each step 2, plus BOS and EOS: prefixes of 1, 2, 3 steps read 12, 14, 16.
    expect(after.rewardTokens - before.rewardTokens).toBe(4 * (12 + 14 + 16));
    expect(after.rewardCalls - before.rewardCalls).toBe(1);
    const outcome = await orm.rewardModel.scoreOutcome(states);
    states.forEach((_, i) => {
      expect(steps[i]).toHaveLength(3);
      expect(Math.abs(steps[i]![2]! - outcome[i]!)).toBeLessThan(1e-6);
      for (const x of steps[i]!) expect(x > 0 && x < 1).toBe(true);
    });
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop here'));
    await expect(
      trainRewardModel(
        { kind: 'prm', task: copyTask as unknown as Task, examples, signal: controller.signal },
        { ...TINY, numSteps: 5 },
      ),
    ).rejects.toThrow('stop here');
  });

  it('rejects a PRM example whose labels do not match its steps', async () => {
    await expect(
      trainRewardModel(
        { kind: 'prm', task: copyTask as unknown as Task, examples: [{ ...examples[0]!, stepLabels: [1] }] },
        { ...TINY, numSteps: 1 },
      ),
    ).rejects.toThrow(/1 step labels for 3 steps/);
  });
});
