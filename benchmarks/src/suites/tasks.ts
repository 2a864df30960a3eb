import type { Json, Problem, Task } from '@o1lab/core';
import { createRng } from '@o1lab/core';
import {
  arithmeticTask,
  countdownTask,
  extractBoxedAnswer,
  extractGsm8kAnswer,
  game24Task,
  MAX_COMPLETION_LENGTH,
  mathAnswersEqual,
} from '@o1lab/tasks';
import type { BenchContext, BenchRecord, BenchSuite } from '../harness.js';
import { measure } from '../harness.js';

const SEED = 2024;
const NUM_PROBLEMS = 1000;
/**
 * Traces verified per timed call, taken round robin from the 1000: short calls are rarely
 * preempted, so the median stays meaningful on a shared machine.
 */
const CHUNK_PROBLEMS = 10;
/** Size of the hostile inputs: far past every verifier's length cap. */
const HOSTILE_BYTES = 1_000_000;

/**
 * Verifier throughput of the synthetic tasks, and their cost on hostile input. Verifiers read
 * untrusted model text in every search and every reward, so both must stay cheap: reference-solver
 * traces of 1000 seeded problems per task, then 1 MB inputs built to make a naive parser blow up
 * (nested parentheses, huge numbers, endless steps).
 */
export const suite: BenchSuite = {
  name: 'tasks',
  description: '@o1lab/tasks: verifier throughput on reference traces and on hostile input',
  async run(ctx) {
    const records: BenchRecord[] = [];
    const synthetic = [countdownTask, arithmeticTask, game24Task] as unknown as Task<Json>[];
    for (const task of synthetic) records.push(await verifyTraces(task, ctx));
    const hostile = hostileCompletions();
    for (const task of synthetic) {
      for (const [kind, input] of Object.entries(hostile))
        records.push(await verifyHostile(task, kind, input, ctx));
    }
    records.push(await answerExtraction(ctx));
    return records;
  },
};

/** verifications/s over reference-solver traces of NUM_PROBLEMS seeded problems. */
async function verifyTraces(task: Task<Json>, ctx: BenchContext): Promise<BenchRecord> {
  const rng = createRng(SEED);
  const cases: { problem: Problem<Json>; text: string }[] = [];
  for (let i = 0; i < NUM_PROBLEMS; i++) {
    const problem = task.generate(rng);
    const steps = task.solve?.(problem);
    if (steps === null || steps === undefined)
      throw new Error(`${task.name}: no reference solution for ${problem.id}`);
    cases.push({ problem, text: steps.join(task.stepDelimiter) });
  }
  // A reference trace that fails its own verifier is a bug, not a data point.
  const failing = cases.filter(({ problem, text }) => !task.verify(problem, text).correct);
  if (failing.length > 0) throw new Error(`${task.name}: ${failing.length} reference traces fail verify`);
  let next = 0;
  return measure(
    {
      name: `verify/${task.name}`,
      unit: 'verifications/s',
      itemsPerIteration: CHUNK_PROBLEMS,
      config: { task: task.name, numProblems: NUM_PROBLEMS, chunkProblems: CHUNK_PROBLEMS },
      seed: SEED,
      fn: () => {
        let correct = 0;
        for (let i = 0; i < CHUNK_PROBLEMS; i++) {
          const { problem, text } = cases[next]!;
          next = (next + 1) % cases.length;
          if (task.verify(problem, text).correct) correct++;
        }
        return correct;
      },
    },
    ctx,
  );
}

/** MB/s of verifying one hostile completion against a fixed problem, `reps` times per call. */
async function verifyHostile(
  task: Task<Json>,
  kind: string,
  input: HostileInput,
  ctx: BenchContext,
): Promise<BenchRecord> {
  const problem = task.generate(createRng(SEED));
  const { text, reps } = input;
  const bytes = Buffer.byteLength(text, 'utf8');
  return measure(
    {
      name: `hostile/${task.name}/${kind}`,
      unit: 'MB/s',
      itemsPerIteration: (reps * bytes) / 1e6,
      config: { task: task.name, input: kind, bytes, reps },
      seed: SEED,
      fn: () => {
        let correct = 0;
        for (let i = 0; i < reps; i++) if (task.verify(problem, text).correct) correct++;
        return correct;
      },
    },
    ctx,
  );
}

/** MB/s of GSM8K and MATH answer extraction and comparison on a 1 MB hostile completion. */
async function answerExtraction(ctx: BenchContext): Promise<BenchRecord> {
  // Unclosed \boxed{ openers and '####' markers everywhere: the worst case for a scanner that
  // restarts at each marker.
  const text = '\\boxed{\\frac{1}{#### 2'.repeat(Math.ceil(HOSTILE_BYTES / 22)).slice(0, HOSTILE_BYTES);
  return measure(
    {
      name: 'hostile/answers/gsm8k+math',
      unit: 'MB/s',
      itemsPerIteration: HOSTILE_BYTES / 1e6,
      config: { bytes: HOSTILE_BYTES },
      seed: SEED,
      fn: () => {
        const gsm = extractGsm8kAnswer(text);
        const boxed = extractBoxedAnswer(text);
        return [gsm, boxed === null ? false : mathAnswersEqual(boxed, '\\frac{1}{2}')];
      },
    },
    ctx,
  );
}

interface HostileInput {
  readonly text: string;
  /** Verifications per timed call, fixed so that each call takes well over a microsecond. */
  readonly reps: number;
}

/**
 * Hostile completions in the trace alphabet: `oversized` is 1 MB (past the length cap, so it
 * measures that the cap holds); the others are just under the cap, so the parser really reads them.
 */
function hostileCompletions(): Record<string, HostileInput> {
  const underCap = MAX_COMPLETION_LENGTH - 64;
  const fill = (unit: string, length: number): string =>
    unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  return {
    oversized: { text: `${fill('((((1+', HOSTILE_BYTES - 16)}\nanswer: 24`, reps: 1000 },
    nested: { text: `answer: ${fill('(', underCap / 2)}1${fill(')', underCap / 2 - 16)}`, reps: 10 },
    'long-number': { text: `${fill('9', underCap - 16)} = 1\nanswer: 24`, reps: 100 },
    'many-steps': { text: `${fill('1 + 1 = 2\n', underCap - 16)}answer: 24`, reps: 1 },
  };
}
