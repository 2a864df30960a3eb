import { sftEvaluate, sftTrain } from '@o1lab/learn-sft';
import type { BenchRecord, BenchSuite } from '../harness.js';
import { measure } from '../harness.js';
import { createImitationWorkload } from '../learn-imitation-workload.js';

const SEED = 41;
const NUM_PAIRS = 32;
const SFT = { epochs: 1, batchSize: 16, shuffle: false } as const;

/**
 * `@o1lab/learn-sft` on the imitation workload (learn-imitation-workload.ts: random-init TinyGPT, 2 layers,
 * dModel 64, countdown): one epoch of masked cross-entropy steps over 32 prompt/solution pairs in
 * batches of 16 (`sft/update`, pairs/s), and the eval loss over them (`sft/eval`). SFT has no
 * rollouts. Update numbers depend on the tfjs backend, recorded with each result.
 */
export const suite: BenchSuite = {
  name: 'learn',
  description: 'learning algorithms on TinyGPT: rollout samples/s (ONNX Runtime) and update samples/s (tfjs)',
  async run(ctx): Promise<BenchRecord[]> {
    const w = await createImitationWorkload(NUM_PAIRS, SEED);
    try {
      const backend = { tfjs: w.tfjsBackend };
      const config = { ...w.description, ...SFT };
      return [
        await measure(
          {
            name: 'sft/update',
            unit: 'samples/s',
            itemsPerIteration: NUM_PAIRS,
            config,
            seed: SEED,
            backend,
            fn: () => sftTrain(w.model, w.tokenizer, w.pairs, { config: SFT }),
          },
          ctx,
        ),
        await measure(
          {
            name: 'sft/eval',
            unit: 'samples/s',
            itemsPerIteration: NUM_PAIRS,
            config,
            seed: SEED,
            backend,
            fn: () => sftEvaluate(w.model, w.tokenizer, w.pairs, SFT),
          },
          ctx,
        ),
      ];
    } finally {
      await w.dispose();
    }
  },
};
