import { STEP_AGGREGATIONS as AGGREGATIONS, aggregateStepScores, createRng } from '@o1lab/core';
import {
  readReferenceJson,
  referenceAggregate,
  referenceArgmax,
  referenceWeightedVote,
  type SearchSelectionCases,
} from '@o1lab/reference';
import { contextOf, createToyEnvironment } from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { bestOfN } from './best-of-n.js';

describe('best-of-N against the scalar oracles in reference/', () => {
  it('aggregates step scores like the oracle, on the hand cases and 200 seeded vectors', () => {
    const cases = readReferenceJson<SearchSelectionCases>('search-selection.json');
    for (const c of cases.aggregate)
      for (const a of AGGREGATIONS) expect(aggregateStepScores(c.scores, a, 0)).toBeCloseTo(c[a], 14);
    const rng = createRng(11);
    for (let i = 0; i < 200; i++) {
      const scores = Array.from({ length: rng.int(6) }, () => rng.nextFloat());
      for (const a of AGGREGATIONS)
        expect(aggregateStepScores(scores, a, 0)).toBeCloseTo(referenceAggregate(scores, a), 14);
    }
  });

  it('selects the same answer as the oracle argmax and weighted vote', async () => {
    for (let seed = 0; seed < 12; seed++) {
      const run = async (selection: 'best' | 'weighted') => {
        const env = createToyEnvironment({
          seed,
          depth: 2,
          branching: 3,
          numAnswers: 2,
          reward: 'noisy',
          noise: 0.3,
        });
        return bestOfN(env.problem, contextOf(env), {
          config: { n: 12, maxTokens: 32, seed, selection, aggregation: 'mean' },
        });
      };
      const best = await run('best');
      expect(best.answer).toBe(best.candidates[referenceArgmax(best.candidates.map((c) => c.score))]!.answer);
      const weighted = await run('weighted');
      expect(weighted.answer).toBe(referenceWeightedVote(weighted.candidates));
    }
  });
});
