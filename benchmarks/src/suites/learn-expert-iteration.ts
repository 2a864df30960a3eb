import { policyCandidates } from '@o1lab/learn-expert-iteration';
import { syncWeights } from '@o1lab/learn-rollout';
import { sftTrain } from '@o1lab/learn-sft';
import type { BenchRecord, BenchSuite } from '../harness.js';
import { measure } from '../harness.js';
import { createImitationWorkload } from '../learn-imitation-workload.js';

const SEED = 43;
const NUM_PROBLEMS = 8;
const SAMPLES_PER_PROBLEM = 8;
const MAX_TOKENS = 64;
const SFT = { epochs: 1, batchSize: 16, shuffle: false } as const;

/**
 * `@o1lab/learn-expert-iteration` phases on the imitation workload (learn-imitation-workload.ts):
 * `expert-iteration/rollout` is the E-step's sampling (K = 8 completions for each of 8 countdown
 * problems, up to 64 tokens, temperature 1) through ONNX Runtime, samples/s; `expert-iteration/update`
 * the M-step (one SFT epoch over 64 kept pairs, batches of 16), samples/s; `expert-iteration/sync`
 * the tfjs -> ONNX Runtime weight sync after the M-step (export + new sessions), syncs/s.
 */
export const suite: BenchSuite = {
  name: 'learn',
  description: 'learning algorithms on TinyGPT: rollout samples/s (ONNX Runtime) and update samples/s (tfjs)',
  async run(ctx): Promise<BenchRecord[]> {
    const w = await createImitationWorkload(NUM_PROBLEMS, SEED);
    try {
      const generate = policyCandidates(w.policy, { stop: ['answer:'] });
      const requests = w.states.map((s) => ({ problem: s.problem, prompt: s.prompt }));
      const options = { n: SAMPLES_PER_PROBLEM, temperature: 1, maxTokens: MAX_TOKENS };
      let seed = SEED;
      const kept = Array.from({ length: SAMPLES_PER_PROBLEM }, () => w.pairs).flat();
      const config = { ...w.description, samplesPerProblem: SAMPLES_PER_PROBLEM, maxTokens: MAX_TOKENS };
      return [
        await measure(
          {
            name: 'expert-iteration/rollout',
            unit: 'samples/s',
            itemsPerIteration: NUM_PROBLEMS * SAMPLES_PER_PROBLEM,
            config,
            seed: SEED,
            backend: { ort: w.runtime.executionProvider },
            fn: () => generate(requests, { ...options, seed: seed++ }),
          },
          ctx,
        ),
        await measure(
          {
            name: 'expert-iteration/update',
            unit: 'samples/s',
            itemsPerIteration: kept.length,
            config: { ...config, ...SFT, numKept: kept.length },
            seed: SEED,
            backend: { tfjs: w.tfjsBackend },
            fn: () => sftTrain(w.model, w.tokenizer, kept, { config: SFT }),
          },
          ctx,
        ),
        await measure(
          {
            name: 'expert-iteration/sync',
            unit: 'syncs/s',
            itemsPerIteration: 1,
            config,
            seed: SEED,
            backend: { tfjs: w.tfjsBackend, ort: w.runtime.executionProvider },
            fn: () => syncWeights(w.model, w.runtime),
          },
          ctx,
        ),
      ];
    } finally {
      await w.dispose();
    }
  },
};
