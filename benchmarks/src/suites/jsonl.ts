import type { Json } from '@o1lab/core';
import { createRng, formatJsonl, parseJsonl } from '@o1lab/core';
import type { BenchSuite } from '../harness.js';
import { measure, rescaleRecord } from '../harness.js';

const SEED = 7;
const NUM_LINES = 10_000;
/** Lines per timed call; see {@link suite}. */
const CHUNK_LINES = 100;

/**
 * parseJsonl over a fixed generated file shaped like the trajectories o1lab writes (an id, a
 * prompt, a few steps, a reward, a compute snapshot), about 3 MB. Each timed call parses the next
 * 100-line chunk of the file, round robin: calls of ~50 us are rarely preempted, so the median stays
 * meaningful on a shared machine, while every line of the file is still parsed again and again.
 */
export const suite: BenchSuite = {
  name: 'core',
  description: '@o1lab/core: seeded Rng draws and JSONL parsing',
  async run(ctx) {
    const text = generateJsonl(NUM_LINES, SEED);
    const bytes = Buffer.byteLength(text, 'utf8');
    const lines = text.split('\n').filter((line) => line.length > 0);
    const chunks: string[] = [];
    for (let i = 0; i < lines.length; i += CHUNK_LINES) {
      chunks.push(`${lines.slice(i, i + CHUNK_LINES).join('\n')}\n`);
    }
    const config = { numLines: NUM_LINES, chunkLines: CHUNK_LINES, bytes };
    let next = 0;
    const parse = (): number => {
      const chunk = chunks[next]!;
      next = (next + 1) % chunks.length;
      const { records, errors } = parseJsonl(chunk);
      if (errors.length > 0 || records.length !== CHUNK_LINES)
        throw new Error('generated JSONL did not parse');
      return records.length;
    };
    const perLine = await measure(
      {
        name: 'parseJsonl/lines',
        unit: 'lines/s',
        itemsPerIteration: CHUNK_LINES,
        config,
        seed: SEED,
        fn: parse,
      },
      ctx,
    );
    return [perLine, rescaleRecord(perLine, 'parseJsonl/bytes', 'MB/s', bytes / 1e6 / NUM_LINES)];
  },
};

/** A deterministic JSONL text of `numLines` trajectory-like records. */
export function generateJsonl(numLines: number, seed: number): string {
  const rng = createRng(seed);
  const records: Json[] = [];
  for (let i = 0; i < numLines; i++) {
    const numbers = Array.from({ length: 4 }, () => rng.intBetween(1, 99));
    const steps = Array.from({ length: rng.intBetween(2, 6) }, () => {
      const a = rng.intBetween(1, 99);
      const b = rng.intBetween(1, 99);
      return `${a} + ${b} = ${a + b}`;
    });
    records.push({
      id: `countdown-${numbers.join('-')}-${i}`,
      task: 'countdown',
      prompt: `Use ${numbers.join(', ')} to reach ${rng.intBetween(10, 200)}.`,
      steps,
      answer: steps[steps.length - 1] ?? '',
      reward: rng.bernoulli(0.3) ? 1 : 0,
      logprob: -rng.nextFloat() * 20,
      compute: { tokensGenerated: rng.intBetween(20, 400), policyCalls: steps.length },
    });
  }
  return formatJsonl(records);
}
