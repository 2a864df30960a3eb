import { describe, expect, it } from 'vitest';
import { readReferenceJson } from './index.js';
import {
  referenceAggregate,
  referenceArgmax,
  referenceBeamKeep,
  referenceMajorityVote,
  referenceToyValue,
  referenceWeightedVote,
  type SearchSelectionCases,
} from './search-selection.js';

const cases = readReferenceJson<SearchSelectionCases>('search-selection.json');

describe('search selection oracles', () => {
  it('reproduce the hand-computed aggregations', () => {
    for (const c of cases.aggregate) {
      for (const kind of ['last', 'min', 'product', 'mean'] as const) {
        expect(referenceAggregate(c.scores, kind)).toBeCloseTo(c[kind], 14);
      }
    }
  });

  it('reproduce the hand-computed votes, weighted votes and beam selections', () => {
    for (const c of cases.majorityVote) expect(referenceMajorityVote(c.answers)).toBe(c.winner);
    for (const c of cases.weightedVote) expect(referenceWeightedVote(c.samples)).toBe(c.winner);
    for (const c of cases.beamKeep) expect(referenceBeamKeep(c.candidates, c.keep)).toEqual(c.kept);
  });

  it('argmax takes the first of equal scores and the toy value is a power of pCorrect', () => {
    expect(referenceArgmax([0.1, 0.3, 0.3])).toBe(1);
    expect(referenceArgmax([])).toBe(-1);
    expect(referenceToyValue(0.5, 3, 1)).toBe(0.25);
    expect(referenceToyValue(0.5, 3, 3)).toBe(1);
  });
});
