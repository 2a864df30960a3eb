import { describe, expect, it } from 'vitest';
import { readReferenceJson } from './index.js';
import {
  type MctsGameTree,
  mctsBackupReference,
  mctsGameTreeMax,
  mctsGameTreeRandom,
  mctsPuctScoreReference,
  mctsSelectReference,
} from './mcts.js';

describe('MCTS oracle', () => {
  it('game tree values in the data file match exact max and random play', () => {
    const tree = readReferenceJson<MctsGameTree>('mcts-game-tree.json');
    expect(Object.keys(tree.leaves)).toHaveLength(27);
    expect(mctsGameTreeMax(tree)).toBe(tree.optimalValue);
    expect(mctsGameTreeRandom(tree)).toBeCloseTo(tree.randomValue, 12);
    const best = tree.actions.map((a) => mctsGameTreeMax(tree, [a]));
    expect(tree.actions[best.indexOf(Math.max(...best))]).toBe(tree.optimalAction);
  });

  it('PUCT score at a hand-worked point', () => {
    // N = 10, c(s) = 1.25 + log(19663 / 19652); u = c * 0.5 * sqrt(10) / 3; Q = (0.6 - 0.2) / 0.8.
    const c = 1.25 + Math.log(19663 / 19652);
    const expected = (c * 0.5 * Math.sqrt(10)) / 3 + 0.5;
    const got = mctsPuctScoreReference(10, { prior: 0.5, visitCount: 2, valueSum: 1.2 }, 1.25, 19652, {
      min: 0.2,
      max: 1,
    });
    expect(got).toBeCloseTo(expected, 14);
  });

  it('an unvisited child scores its exploration term only, and ties go to the first child', () => {
    const children = [
      { prior: 0.5, visitCount: 0, valueSum: 0 },
      { prior: 0.5, visitCount: 0, valueSum: 0 },
    ];
    expect(mctsSelectReference(4, children, 1.25, 19652, null)).toBe(0);
  });

  it('backup adds one visit and the value along the path and widens the bounds', () => {
    const out = mctsBackupReference(
      { visitCounts: [2, 1, 1], valueSums: [1, 0.5, 0.5], bounds: { min: 0.5, max: 0.5 } },
      [0, 2],
      0.9,
    );
    expect(out.visitCounts).toEqual([3, 1, 2]);
    expect(out.valueSums[0]).toBeCloseTo(1.9, 15);
    expect(out.valueSums[2]).toBeCloseTo(1.4, 15);
    expect(out.bounds).toEqual({ min: 0.5, max: 0.7 });
  });
});
