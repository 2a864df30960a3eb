import { createRng } from '@o1lab/core';
import type { BenchSuite } from '../harness.js';
import { measure } from '../harness.js';

const SEED = 42;
// Draws per timed call: enough that the timer's own cost (~50 ns) is noise, few enough that a call
// (~0.2 ms) usually runs without being preempted on a busy machine.
const NUM_DRAWS = 10_000;

/** PCG32 draw rates: every search and sampler in o1lab draws from this generator. */
export const suite: BenchSuite = {
  name: 'core',
  description: '@o1lab/core: seeded Rng draws and JSONL parsing',
  async run(ctx) {
    const config = { numDraws: NUM_DRAWS };
    const rng = createRng(SEED);
    return [
      await measure(
        {
          name: 'rng/nextUint32',
          unit: 'numbers/s',
          itemsPerIteration: NUM_DRAWS,
          config,
          seed: SEED,
          fn: () => {
            let acc = 0;
            for (let i = 0; i < NUM_DRAWS; i++) acc ^= rng.nextUint32();
            return acc;
          },
        },
        ctx,
      ),
      await measure(
        {
          name: 'rng/nextFloat',
          unit: 'numbers/s',
          itemsPerIteration: NUM_DRAWS,
          config,
          seed: SEED,
          fn: () => {
            let acc = 0;
            for (let i = 0; i < NUM_DRAWS; i++) acc += rng.nextFloat();
            return acc;
          },
        },
        ctx,
      ),
    ];
  },
};
