import { describe, expect, it } from 'vitest';
import { createToyEnvironment } from './environment.js';
import { createCountdownEnvironments, runSearchWorkload, type WorkloadSearch } from './workload.js';

// One whole-solution sample, answer as sampled: a baseline that exercises the workload plumbing.
const oneSample: WorkloadSearch = async (problem, context) => {
  const start = performance.now();
  const before = context.policy.meter.snapshot();
  const out = await context.policy.sampleCompletions(
    [{ problem, prompt: context.task.prompt(problem), steps: [] }],
    {
      n: 1,
      maxTokens: 128,
      seed: 1,
    },
  );
  const s = out[0]![0]!;
  const after = context.policy.meter.snapshot();
  const steps = s.text.split(context.task.stepDelimiter);
  const answer = context.task.parseAnswer(s.text);
  return {
    answer,
    steps,
    candidates: [{ steps, answer, score: 0 }],
    compute: { ...after, samples: after.samples - before.samples, wallTimeMs: performance.now() - start },
    config: {},
  };
};

describe('runSearchWorkload', () => {
  it('totals samples and correct answers and splits wall time into model and bookkeeping time', async () => {
    const envs = Array.from({ length: 5 }, (_, seed) => createToyEnvironment({ seed, pCorrect: 1 }));
    const stats = await runSearchWorkload(envs as never, oneSample);
    expect(stats).toMatchObject({ problems: 5, correct: 5, samples: 5 });
    expect(stats.policyTimeMs).toBeLessThanOrEqual(stats.wallTimeMs);
    expect(stats.bookkeepingShare).toBeGreaterThanOrEqual(0);
    expect(stats.bookkeepingShare).toBeLessThanOrEqual(1);
  });

  it('builds countdown environments whose answers the verifier checks', async () => {
    const envs = createCountdownEnvironments(10, { noise: 0, seed: 3 });
    const stats = await runSearchWorkload(envs, oneSample);
    expect(stats.correct).toBe(10);
  });
});
