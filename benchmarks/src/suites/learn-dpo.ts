import { createReferenceModel, dpoTrain } from '@o1lab/learn-dpo';
import type { BenchRecord, BenchSuite } from '../harness.js';
import { measure } from '../harness.js';
import { createImitationWorkload } from '../learn-imitation-workload.js';

const SEED = 47;
const NUM_PROBLEMS = 8;
const SAMPLES_PER_PROBLEM = 4;
const MAX_TOKENS = 64;
const DPO = { epochs: 1, batchSize: 8, beta: 0.1 } as const;

/**
 * `@o1lab/learn-dpo` on the imitation workload (learn-imitation-workload.ts): `dpo/rollout` samples 4
 * completions for each of 8 countdown problems (up to 64 tokens) through ONNX Runtime, samples/s;
 * `dpo/update` is one epoch of DPO over 16 pairs (reference solution chosen, a sampled completion
 * rejected) in batches of 8, frozen-reference forward included, pairs/s.
 */
export const suite: BenchSuite = {
  name: 'learn',
  description: 'learning algorithms on TinyGPT: rollout samples/s (ONNX Runtime) and update samples/s (tfjs)',
  async run(ctx): Promise<BenchRecord[]> {
    const w = await createImitationWorkload(NUM_PROBLEMS, SEED);
    const reference = createReferenceModel(w.model);
    try {
      const sampleOptions = { n: SAMPLES_PER_PROBLEM, maxTokens: MAX_TOKENS, stop: ['answer:'] };
      const sampled = await w.policy.sampleCompletions(w.states, { ...sampleOptions, seed: SEED });
      const pairs = w.pairs.flatMap((p, i) =>
        sampled[i]!.slice(0, 2).map((s) => ({ prompt: p.prompt, chosen: p.completion, rejected: s.text })),
      );
      let seed = SEED;
      const config = { ...w.description, samplesPerProblem: SAMPLES_PER_PROBLEM, maxTokens: MAX_TOKENS };
      return [
        await measure(
          {
            name: 'dpo/rollout',
            unit: 'samples/s',
            itemsPerIteration: NUM_PROBLEMS * SAMPLES_PER_PROBLEM,
            config,
            seed: SEED,
            backend: { ort: w.runtime.executionProvider },
            fn: () => w.policy.sampleCompletions(w.states, { ...sampleOptions, seed: seed++ }),
          },
          ctx,
        ),
        await measure(
          {
            name: 'dpo/update',
            unit: 'pairs/s',
            itemsPerIteration: pairs.length,
            config: { ...config, ...DPO, numPairs: pairs.length },
            seed: SEED,
            backend: { tfjs: w.tfjsBackend },
            fn: () => dpoTrain(w.model, reference, w.tokenizer, pairs, { config: DPO }),
          },
          ctx,
        ),
      ];
    } finally {
      reference.dispose();
      await w.dispose();
    }
  },
};
