import { createRng } from '@o1lab/core';
import { buildSftBatch, createTrainer, initTfBackend } from '@o1lab/model';
import { referenceSearchDistillLoss, referenceSequenceLogprob } from '@o1lab/reference';
import { mctsSearch } from '@o1lab/search-mcts';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSearchDistillConfig, resolveSearchDistillConfig } from './config.js';
import { searchDistillLoop, searchDistillTrain } from './distill.js';
import { distillBatch, searchDistillLoss } from './loss.js';
import { type DistillTreeNode, distillExamples } from './targets.js';
import {
  createToyModel,
  createToyPolicy,
  toyAnswer,
  toyGreedyAccuracy,
  toyProblems,
  toyTask,
  toyTokenizer,
} from './test-toy.js';

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

const node = (
  id: number,
  parent: number,
  step: string | null,
  visitCount: number,
  valueSum: number,
  children: number[],
  terminal = false,
  value: number | null = null,
): DistillTreeNode => ({ id, parent, step, visitCount, valueSum, value, terminal, children });

// Root with three steps; the most visited ('1') leads to a correct terminal ('12').
const tree = {
  prompt: 'p>\n',
  nodes: [
    node(0, -1, null, 8, 5, [1, 2, 3]),
    node(1, 0, '1', 6, 5, [4, 5]),
    node(2, 0, '2', 2, 0, [], true, 0),
    node(3, 0, '3', 0, 0, []),
    node(4, 1, '12', 4, 4, [], true, 1),
    node(5, 1, '13', 1, 0.5, [], true, 0),
  ],
};

describe('resolveSearchDistillConfig', () => {
  it('fills defaults and names the wrong option', () => {
    expect(resolveSearchDistillConfig()).toEqual(defaultSearchDistillConfig);
    expect(() => resolveSearchDistillConfig({ visitTemperature: 0 })).toThrow(
      /`visitTemperature` must be > 0/,
    );
    expect(() => resolveSearchDistillConfig({ valueTarget: 'mc' as never })).toThrow(/`valueTarget`/);
    expect(() => resolveSearchDistillConfig({ stepDelimiter: '' })).toThrow(/`stepDelimiter`/);
  });
});

describe('distillExamples', () => {
  it('reads visit distributions, the principal outcome z and Q off the tree', () => {
    const c = resolveSearchDistillConfig();
    const ex = distillExamples(tree, c);
    expect(ex).toEqual([
      { prefix: 'p>\n', steps: ['1', '2', '3'], visitProbs: [0.75, 0.25, 0], valueTarget: 1 },
      { prefix: 'p>\n1\n', steps: ['12', '13'], visitProbs: [0.8, 0.2], valueTarget: 1 },
    ]);
    const q = distillExamples(tree, { ...c, valueTarget: 'q', visitTemperature: 0.5 });
    expect(q[0]!.valueTarget).toBeCloseTo(5 / 8, 12);
    expect(q[0]!.visitProbs[0]).toBeCloseTo(36 / 40, 12);
    expect(distillExamples(tree, { ...c, minVisits: 7 })).toHaveLength(1);
    expect(distillExamples(tree, c, () => 0.5).map((e) => e.valueTarget)).toEqual([0.5, 0.5]);
    // A principal path that stops at a node whose children were never visited: its mean value.
    const cut = {
      prompt: 'p>\n',
      nodes: [
        node(0, -1, null, 3, 1, [1, 2]),
        node(1, 0, '1', 2, 0.5, [3]),
        node(2, 0, '2', 1, 0.5, []),
        node(3, 1, '12', 0, 0, []),
      ],
    };
    expect(distillExamples(cut, c).map((e) => e.valueTarget)).toEqual([0.25]);
  });
});

describe('searchDistillLoss', () => {
  it('matches the float64 oracle within 1e-5, normalised over siblings or not', () => {
    const model = createToyModel(4);
    const examples = [
      { prefix: '3>\n', steps: ['4', '5', '45'], visitProbs: [0.5, 0.3, 0.2], valueTarget: 1 },
      { prefix: '7>\n8\n', steps: ['9', '0'], visitProbs: [0.1, 0.9], valueTarget: 0 },
      { prefix: '1>\n', steps: ['2'], visitProbs: [1], valueTarget: 0.25 },
    ];
    const batch = distillBatch(toyTokenizer, examples, { context: 16, stepDelimiter: '\n' });
    // Oracle from the model's logits and values.
    const { R, T } = batch;
    const V = model.config.vocabSize;
    const fwd = model.forward(batch.inputIds, { batchSize: R, attentionMask: batch.attentionMask });
    const rowLogp: number[] = [];
    for (let r = 0; r < R; r++) {
      const rows: number[][] = [];
      for (let t = 0; t < T; t++)
        rows.push(Array.from(fwd.logits.subarray((r * T + t) * V, (r * T + t + 1) * V)));
      rowLogp.push(
        referenceSequenceLogprob(
          rows,
          Array.from(batch.targets.subarray(r * T, (r + 1) * T)),
          Array.from(batch.lossMask.subarray(r * T, (r + 1) * T)),
        ),
      );
    }
    for (const normalise of [true, false]) {
      const out = searchDistillLoss(model, batch, 0.7, normalise);
      const got = [out.loss, out.policyLoss, out.valueLoss].map((t) => t.dataSync()[0]!);
      tf.dispose([out.loss, out.policyLoss, out.valueLoss]);
      let loss = 0;
      let policy = 0;
      let value = 0;
      let r0 = 0;
      for (const ex of examples) {
        const P = toyTokenizer.encode(ex.prefix).length;
        const v = fwd.values![r0 * T + P]!;
        const o = referenceSearchDistillLoss(
          ex.visitProbs,
          rowLogp.slice(r0, r0 + ex.steps.length),
          v,
          ex.valueTarget,
          0.7,
          normalise,
        );
        loss += o.loss / examples.length;
        policy += o.policyLoss / examples.length;
        value += o.valueLoss / examples.length;
        r0 += ex.steps.length;
      }
      expect(Math.abs(got[0]! - loss)).toBeLessThan(1e-5);
      expect(Math.abs(got[1]! - policy)).toBeLessThan(1e-5);
      expect(Math.abs(got[2]! - value)).toBeLessThan(1e-5);
    }
    expect(() => searchDistillLoss(createToyModel(4, false), batch, 1)).toThrow(/value head/);
    model.dispose();
  });
});

describe('searchDistillTrain', () => {
  it('fits the visit distribution and the outcome: both losses fall', async () => {
    const model = createToyModel(2);
    const examples = toyProblems.map((p) => ({
      prefix: toyTask.prompt(p),
      steps: [toyAnswer(p.data), String(p.data), '0'],
      visitProbs: [0.7, 0.2, 0.1],
      valueTarget: p.data % 2,
    }));
    const result = await searchDistillTrain(model, toyTokenizer, examples, {
      config: {
        epochs: 40,
        batchSize: 10,
        learningRate: 1e-2,
        minLearningRate: 1e-2,
        siblingNormalise: true,
      },
    });
    const first = result.history[0]!;
    const last = result.history.at(-1)!;
    // The floor of the policy loss is the entropy of pi (0.80 nats) where steps are distinct.
    expect(first.policyLoss).toBeGreaterThan(1);
    expect(last.policyLoss).toBeLessThan(0.9);
    expect(last.valueLoss).toBeLessThan(0.5 * first.valueLoss);
    model.dispose();
  });
});

describe('searchDistillLoop', () => {
  it('MCTS -> distill -> repeat raises greedy accuracy through ONNX Runtime by >= 0.5', async () => {
    const model = createToyModel(1);
    // Format warm-up: a few SFT steps on `<digit>\n` steps with uniformly random digits, so that
    // the policy writes one-digit steps but knows nothing of the answers.
    const rng = createRng(3);
    const format = toyProblems.flatMap((p) =>
      Array.from({ length: 4 }, () => ({ prompt: toyTask.prompt(p), completion: `${rng.int(10)}\n` })),
    );
    const trainer = createTrainer(model, { learningRate: 1e-2, warmupSteps: 0, totalSteps: 100 });
    for (let i = 0; i < 10; i++) trainer.step(buildSftBatch(toyTokenizer, format));
    const policy = await createToyPolicy(model);
    const before = await toyGreedyAccuracy(policy);
    const rounds = await searchDistillLoop(
      {
        model,
        tokenizer: toyTokenizer,
        runtime: policy.runtime,
        numRounds: 3,
        search: async (round) => {
          const trees = [];
          for (const problem of toyProblems) {
            const result = await mctsSearch(
              problem,
              { policy, task: toyTask },
              {
                config: {
                  numSimulations: 48,
                  numActions: 16,
                  maxDepth: 1,
                  maxStepTokens: 2,
                  evaluator: 'rollout',
                  rolloutScorer: 'verifier',
                  terminalValue: 'verifier',
                  seed: 10 * round + problem.data,
                },
              },
            );
            trees.push({ prompt: toyTask.prompt(problem), nodes: result.tree!.nodes });
          }
          return trees;
        },
      },
      { epochs: 60, batchSize: 10, learningRate: 1e-2, minLearningRate: 1e-2, valueCoef: 0.5 },
    );
    const after = await toyGreedyAccuracy(policy);
    console.log(
      `searchDistillLoop toy greedy accuracy ${before} -> ${after}; examples per round ${rounds.map((r) => r.numExamples).join(' ')}`,
    );
    expect(rounds.every((r) => r.numExamples > 0 && r.syncTimeMs > 0)).toBe(true);
    expect(after - before).toBeGreaterThanOrEqual(0.5);
    await policy.runtime.dispose();
    model.dispose();
  });

  it('async mode starts the next round searches before distilling', async () => {
    const model = createToyModel(5);
    const policy = await createToyPolicy(model);
    const events: string[] = [];
    await searchDistillLoop(
      {
        model,
        tokenizer: toyTokenizer,
        runtime: policy.runtime,
        numRounds: 3,
        async: true,
        search: async (round) => {
          events.push(`search ${round}`);
          return [
            {
              prompt: '1>\n',
              nodes: tree.nodes.map((n) => ({ ...n, step: n.step === null ? null : n.step.slice(-1) })),
            },
          ];
        },
        onRound: (r) => events.push(`distill ${r.round}`),
      },
      { batchSize: 4 },
    );
    expect(events).toEqual(['search 0', 'search 1', 'distill 0', 'search 2', 'distill 1', 'distill 2']);
    await policy.runtime.dispose();
    model.dispose();
  });
});
