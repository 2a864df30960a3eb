import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Problem } from '@o1lab/core';
import {
  createToyModel,
  createToyPolicy,
  toyAnswer,
  toyGreedyAccuracy,
  toyPrompt,
  toyTokenizer,
} from '@o1lab/learn-rollout';
import { readSftDataset } from '@o1lab/learn-sft';
import { initTfBackend } from '@o1lab/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { expertIterationPreset, resolveExpertIterationConfig } from './config.js';
import { type CandidateFn, expertIteration, policyCandidates } from './expert-iteration.js';

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

const problems: Problem<number>[] = Array.from({ length: 10 }, (_, d) => ({
  id: `toy-${d}`,
  task: 'toy',
  question: toyPrompt(d),
  data: d,
  answer: toyAnswer(d),
}));
const reward = (p: Problem<number>, completion: string) => (completion === toyAnswer(p.data) ? 1 : 0);

describe('resolveExpertIterationConfig', () => {
  it('merges the nested SFT config, applies presets and names wrong options', () => {
    const c = resolveExpertIterationConfig({ ...expertIterationPreset('rft'), sft: { epochs: 2 } });
    expect(c.numIterations).toBe(1);
    expect(c.dedupe).toBe(true);
    expect(c.sft.epochs).toBe(2);
    expect(c.sft.batchSize).toBe(16);
    expect(resolveExpertIterationConfig(expertIterationPreset('star')).rationalize).toBe(true);
    expect(() => resolveExpertIterationConfig({ samplesPerProblem: 0 })).toThrow(
      /`samplesPerProblem` must be >= 1/,
    );
    expect(() => resolveExpertIterationConfig({ sft: { epochs: 0 } })).toThrow(/`epochs`/);
    expect(() => resolveExpertIterationConfig({ k: 3 } as never)).toThrow(/unknown option `k`/);
    expect(() => expertIterationPreset('alphazero' as never)).toThrow(/unknown variant/);
  });
});

describe('expertIteration', () => {
  it('ReST-EM learns the toy task from scratch through ONNX Runtime samples: greedy accuracy rises by >= 0.6', async () => {
    const model = createToyModel(1);
    const policy = await createToyPolicy(model);
    const before = await toyGreedyAccuracy(policy);
    const result = await expertIteration(
      {
        model,
        tokenizer: toyTokenizer,
        runtime: policy.runtime,
        problems,
        prompt: (p) => toyPrompt(p.data),
        generate: policyCandidates(policy),
        reward,
      },
      {
        ...expertIterationPreset('rest-em'),
        numIterations: 3,
        samplesPerProblem: 32,
        maxTokens: 1,
        sft: { epochs: 20, batchSize: 16, learningRate: 1e-2, minLearningRate: 1e-3 },
      },
    );
    const after = await toyGreedyAccuracy(policy);
    const [first, , last] = result.iterations;
    console.log(
      `ReST-EM toy greedy accuracy ${before} -> ${after}; sample accuracy ${first!.sampleAccuracy.toFixed(2)} -> ${last!.sampleAccuracy.toFixed(2)}`,
    );
    expect(first!.numKept).toBeGreaterThan(0);
    expect(last!.sampleAccuracy - first!.sampleAccuracy).toBeGreaterThanOrEqual(0.3);
    expect(after - before).toBeGreaterThanOrEqual(0.6);
    expect(first!.syncTimeMs).toBeGreaterThan(0);
    await policy.runtime.dispose();
    model.dispose();
  });

  it('RFT keeps distinct paths; STaR trains hinted rationales without the hint; data goes to JSONL', async () => {
    const model = createToyModel(2);
    const policy = await createToyPolicy(model);
    const dir = await mkdtemp(join(tmpdir(), 'ei-'));
    // A scripted generator: problem 0 answers right twice (the same path twice), problem 1
    // fails unless hinted, problem 2 never succeeds.
    const seen: string[] = [];
    const generate: CandidateFn<number> = async (requests, { n }) =>
      requests.map(({ problem, prompt }) => {
        seen.push(prompt);
        const d = problem.data as number;
        if (d === 0) return ['1', '1', '5'].slice(0, n);
        if (d === 1) return prompt.startsWith('2') ? ['2'] : ['7', '8'];
        return ['0'];
      });
    const hintPrompt = (p: Problem<number>) => `${toyAnswer(p.data)}${toyPrompt(p.data)}`;
    const inputs = {
      model,
      tokenizer: toyTokenizer,
      runtime: policy.runtime,
      problems: problems.slice(0, 3),
      prompt: (p: Problem<number>) => toyPrompt(p.data),
      generate,
      reward: (p: Problem<number>, c: string) => (c.trim() === toyAnswer(p.data) ? 1 : 0),
      hintPrompt,
      outDir: dir,
    };
    const sft = { epochs: 1, batchSize: 4 };
    const rft = await expertIteration(inputs, { ...expertIterationPreset('rft'), samplesPerProblem: 3, sft });
    expect(rft.iterations[0]!.numKept).toBe(1);
    expect(rft.iterations[0]!.sampleAccuracy).toBeCloseTo(2 / 6, 12);
    expect(rft.iterations[0]!.solveRate).toBeCloseTo(1 / 3, 12);
    expect(await readSftDataset(join(dir, 'iteration-0.jsonl'))).toEqual([
      { prompt: '0>', completion: '1', reward: 1 },
    ]);
    seen.length = 0;
    const star = await expertIteration(inputs, {
      ...expertIterationPreset('star'),
      numIterations: 1,
      samplesPerProblem: 3,
      sft,
    });
    expect(seen).toEqual(['0>', '1>', '2>', '21>', '32>']);
    expect(star.iterations[0]!.numKept).toBe(2);
    expect(star.iterations[0]!.numRationalized).toBe(1);
    expect(await readSftDataset(join(dir, 'iteration-0.jsonl'))).toEqual([
      { prompt: '0>', completion: '1', reward: 1 },
      { prompt: '0>', completion: '1', reward: 1 },
      { prompt: '1>', completion: '2', reward: 1 },
    ]);
    await expect(
      expertIteration({ ...inputs, hintPrompt: undefined }, { rationalize: true }),
    ).rejects.toThrow(/needs `hintPrompt`/);
    await rm(dir, { recursive: true });
    await policy.runtime.dispose();
    model.dispose();
  });
});
