import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createToyModel,
  createToyPolicy,
  toyGreedyAccuracy,
  toyPairs,
  toyTokenizer,
} from '@o1lab/learn-rollout';
import { initTfBackend, loadCheckpoint } from '@o1lab/model';
import { referenceMaskedCrossEntropy } from '@o1lab/reference';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSftConfig, resolveSftConfig } from './config.js';
import { readSftDataset, writeSftDataset } from './dataset.js';
import { sftBatch, sftEvaluate, sftTrain } from './sft.js';

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

describe('resolveSftConfig', () => {
  it('fills defaults and names the wrong option', () => {
    expect(resolveSftConfig()).toEqual(defaultSftConfig);
    expect(() => resolveSftConfig({ epochs: 0 })).toThrow(/`epochs` must be >= 1/);
    expect(() => resolveSftConfig({ lossOn: 'prompt' as never })).toThrow(/`lossOn`/);
    expect(() => resolveSftConfig({ minLearningRate: 1 })).toThrow(/`minLearningRate`/);
    expect(() => resolveSftConfig({ lr: 1 } as never)).toThrow(/unknown option `lr`/);
  });
});

describe('sftEvaluate', () => {
  it('matches the float64 masked cross-entropy oracle on the model logits', () => {
    const model = createToyModel(3);
    const pairs = [
      { prompt: '3>', completion: '45' },
      { prompt: '12>', completion: '9' },
      { prompt: '7>', completion: '' },
    ];
    for (const lossOn of ['completion', 'all'] as const) {
      const batch = sftBatch(toyTokenizer, pairs, 8, { lossOn });
      const { logits } = model.forward(batch.inputIds, {
        batchSize: batch.B,
        attentionMask: batch.attentionMask!,
      });
      const V = model.config.vocabSize;
      const rows: number[][] = [];
      for (let i = 0; i < batch.B * batch.T; i++) rows.push(Array.from(logits.subarray(i * V, (i + 1) * V)));
      const oracle = referenceMaskedCrossEntropy(
        rows,
        Array.from(batch.targets!),
        Array.from(batch.lossMask!),
      );
      expect(Math.abs(sftEvaluate(model, toyTokenizer, pairs, { lossOn }) - oracle)).toBeLessThan(1e-5);
    }
    model.dispose();
  });
});

describe('sft datasets', () => {
  it('round-trips TRL prompt/completion JSONL and rejects a bad line by number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sft-'));
    const path = join(dir, 'train.jsonl');
    await writeSftDataset(path, toyPairs());
    expect(await readSftDataset(path)).toEqual(toyPairs());
    expect((await readFile(path, 'utf8')).split('\n')[0]).toBe('{"prompt":"0>","completion":"1"}');
    await writeSftDataset(path, [{ prompt: '1>', completion: 2 } as never]);
    await expect(readSftDataset(path)).rejects.toThrow(/completion/);
    await rm(dir, { recursive: true });
  });
});

describe('sftTrain', () => {
  it('learns the toy task: eval loss falls below 0.1 nats and greedy ORT accuracy reaches 1', async () => {
    const model = createToyModel(1);
    const policy = await createToyPolicy(model);
    const before = await toyGreedyAccuracy(policy);
    const evalBefore = sftEvaluate(model, toyTokenizer, toyPairs());
    const dir = await mkdtemp(join(tmpdir(), 'sft-ckpt-'));
    const steps: number[] = [];
    const result = await sftTrain(model, toyTokenizer, toyPairs(), {
      config: { epochs: 60, batchSize: 10, learningRate: 1e-2, minLearningRate: 1e-3, evalEvery: 20 },
      evalData: toyPairs(),
      checkpointDir: dir,
      onStep: (s) => steps.push(s.loss),
    });
    await policy.runtime.updateWeights(model.getWeights());
    const after = await toyGreedyAccuracy(policy);
    console.log(
      `sftTrain toy greedy accuracy ${before} -> ${after}; eval loss ${evalBefore.toFixed(3)} -> ${result.evals.at(-1)!.loss.toFixed(4)}`,
    );
    expect(result.numSteps).toBe(60);
    expect(result.evals.map((e) => e.step)).toEqual([20, 40, 60]);
    expect(evalBefore).toBeGreaterThan(2);
    expect(result.evals.at(-1)!.loss).toBeLessThan(0.1);
    expect(before).toBeLessThanOrEqual(0.3);
    expect(after).toBe(1);
    // The checkpoint holds the trained weights.
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.weights.get('wte')).toEqual(model.getWeights().get('wte'));
    expect(ckpt.trainerState?.step).toBe(60);
    await policy.runtime.dispose();
    await rm(dir, { recursive: true });
    model.dispose();
  });
});
