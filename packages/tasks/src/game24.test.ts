import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRng } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import {
  countGame24Solutions,
  createGame24Task,
  enumerateGame24Puzzles,
  game24Problem,
  game24Task,
  resolveGame24Options,
  solveGame24,
} from './game24.js';
import { loadGame24Ranking, parseGame24Ranking } from './game24-ranking.js';
import { corruptResult, sharedDataDir } from './test-helpers.js';
import { isTraceText } from './text.js';

const csvPath = path.join(sharedDataDir, 'game24', '24.csv');
const hasCsv = existsSync(csvPath);
if (!hasCsv)
  console.warn(`skipping Game of 24 ranking tests: ${csvPath} not found (it is not part of the repository)`);

describe('game24 solver', () => {
  it('solves the classic fraction puzzles', () => {
    for (const numbers of [
      [3, 3, 8, 8],
      [1, 5, 5, 5],
      [3, 3, 7, 7],
      [4, 4, 10, 10],
      [1, 4, 5, 6],
    ]) {
      const p = game24Problem(numbers);
      const steps = game24Task.solve!(p)!;
      const v = game24Task.verify(p, steps.join('\n'));
      expect(v.correct, `${numbers}: ${steps.join(' | ')}: ${v.reason}`).toBe(true);
    }
    expect(solveGame24([3, 3, 8, 8])).toEqual(['8/3=8/3', '3-(8/3)=1/3', '8/(1/3)=24']);
  });

  it('prefers integer steps and returns null for unsolvable puzzles', () => {
    expect(solveGame24([4, 9, 10, 13])).toEqual(['10-4=6', '13-9=4', '6*4=24']);
    expect(solveGame24([1, 1, 1, 1])).toBeNull();
    expect(solveGame24([13, 13, 13, 13])).toBeNull();
    expect(solveGame24([1, 2, 3], 9)).toEqual(['2+1=3', '3*3=9']);
    expect(() => solveGame24([1, 2, 3, 4, 5])).toThrow(/1 to 4 integers/);
    expect(() => countGame24Solutions([1.5, 2, 3, 4])).toThrow(/1 to 4 integers/);
  });

  it('counts distinct solutions up to the order of + and * operands', () => {
    expect(countGame24Solutions([3, 3, 8, 8])).toBe(1);
    expect(countGame24Solutions([1, 1, 1, 1])).toBe(0);
    expect(countGame24Solutions([4, 9, 10, 13])).toBe(7);
  });
});

describe('enumerateGame24Puzzles', () => {
  const puzzles = enumerateGame24Puzzles();

  it('finds 1362 solvable multisets of 1..13, each with solutions', () => {
    expect(puzzles).toHaveLength(1362);
    expect(puzzles.every((p) => p.numSolutions > 0)).toBe(true);
    expect(puzzles[0]!.numbers).toEqual([1, 1, 1, 8]);
    expect(puzzles.find((p) => p.numbers.join(' ') === '3 3 8 8')?.numSolutions).toBe(1);
  });

  it('gives every puzzle a reference trace that verifies', () => {
    for (const puzzle of puzzles) {
      const p = game24Problem(puzzle.numbers);
      expect(game24Task.verify(p, game24Task.solve!(p)!.join('\n')).correct).toBe(true);
    }
  });

  it.skipIf(!hasCsv)('equals the 1362 puzzles of the Tree of Thoughts 24.csv', () => {
    const rows = readFileSync(csvPath, 'utf8').trim().split('\n').slice(1);
    const fromCsv = new Set(
      rows.map((r) =>
        r
          .split(',')[1]!
          .split(' ')
          .map(Number)
          .sort((a, b) => a - b)
          .join(' '),
      ),
    );
    expect(fromCsv.size).toBe(1362);
    expect(new Set(puzzles.map((p) => p.numbers.join(' ')))).toEqual(fromCsv);
  });
});

describe('game24 ranking', () => {
  it.skipIf(!hasCsv)('loads the human difficulty ranking', async () => {
    const ranking = await loadGame24Ranking(csvPath);
    expect(ranking).toHaveLength(1362);
    expect(ranking[0]).toEqual({
      rank: 1,
      numbers: [1, 1, 4, 6],
      amtSeconds: 4.4,
      solvedRate: 0.992,
      meanSeconds: 4.67,
      stdSeconds: 1.48,
    });
    expect(ranking.at(-1)!.rank).toBe(1362);
  });

  it.skipIf(!hasCsv)(
    'draws by rank range from a path or a loaded ranking (ranks 901-1000 as in ToT)',
    async () => {
      const rng = createRng(11);
      const ranking = await loadGame24Ranking(csvPath);
      const byRank = new Map(ranking.map((e) => [e.rank, e.numbers.join(' ')]));
      const fromPath = Array.from({ length: 50 }, () =>
        game24Task.generate(rng, { rankingPath: csvPath, minRank: 901, maxRank: 1000 }),
      );
      const task = createGame24Task(ranking);
      const fromLoaded = Array.from({ length: 50 }, () =>
        task.generate(rng, { minRank: 901, maxRank: 1000 }),
      );
      for (const p of [...fromPath, ...fromLoaded]) {
        expect(p.data.rank).toBeGreaterThanOrEqual(901);
        expect(p.data.rank).toBeLessThanOrEqual(1000);
        expect(p.data.numbers.join(' ')).toBe(byRank.get(p.data.rank!));
      }
      expect(new Set(fromPath.map((p) => p.id)).size).toBeGreaterThan(20);
    },
  );

  it('rejects a file with another header, naming the line', () => {
    expect(() => parseGame24Ranking('a,b\n1,2', 'x.csv')).toThrow(/x\.csv:1/);
    expect(() =>
      parseGame24Ranking(
        'Rank,Puzzles,AMT (s),Solved rate,1-sigma Mean (s),1-sigma STD (s)\n1,1 1 4 66,4.4,99.20%,4.67,1.48',
        'x.csv',
      ),
    ).toThrow(/x\.csv:2/);
  });
});

describe('game24 generator', () => {
  it('draws uniformly from the set by default, deterministically', () => {
    const a = Array.from({ length: 10 }, (_, i) => game24Task.generate(createRng(i)).id);
    expect(Array.from({ length: 10 }, (_, i) => game24Task.generate(createRng(i)).id)).toEqual(a);
    expect(game24Task.prompt(game24Problem([13, 4, 10, 9]))).toBe('game24: 4 9 10 13\n');
    expect(game24Problem([13, 4, 10, 9]).id).toBe('game24-4-9-10-13');
  });

  it('filters by number of solutions', () => {
    const rng = createRng(4);
    for (let i = 0; i < 30; i++) {
      expect(game24Task.generate(rng, { maxSolutions: 1 }).data.numSolutions).toBe(1);
      expect(game24Task.generate(rng, { minSolutions: 50 }).data.numSolutions).toBeGreaterThanOrEqual(50);
    }
  });

  it('rejects rank ranges without a ranking and bad options by name', () => {
    expect(() => game24Task.generate(createRng(1), { minRank: 901 })).toThrow(
      /`minRank` \/ `maxRank` need a ranking/,
    );
    expect(() => resolveGame24Options({ minSolutions: 0 })).toThrow(/`minSolutions` must be >= 1/);
    expect(() => resolveGame24Options({ minRank: 10, maxRank: 5 })).toThrow(/`maxRank`/);
    expect(() => game24Task.generate(createRng(1), { minSolutions: 100000 })).toThrow(/no puzzle/);
  });
});

describe('game24 reference traces (1000 generated problems)', () => {
  const rng = createRng(24);
  const problems = Array.from({ length: 1000 }, () => game24Task.generate(rng));

  it('all verify and fit the alphabet and a short context', () => {
    for (const p of problems) {
      const text = game24Task.solve!(p)!.join('\n');
      const v = game24Task.verify(p, text);
      expect(v.correct, `${p.id}: ${v.reason}`).toBe(true);
      const full = game24Task.prompt(p) + text;
      expect(isTraceText(full)).toBe(true);
      expect(full.length).toBeLessThanOrEqual(128);
    }
  });

  it('the step checker marks every step (answer line included) correct and each corrupted one incorrect', () => {
    for (const p of problems) {
      const steps = game24Task.solve!(p)!;
      expect(game24Task.checkSteps!(p, steps).every((c) => c.correct)).toBe(true);
      for (let k = 0; k < steps.length; k++) {
        const corrupted = steps.map((s, i) => (i === k ? corruptResult(s) : s));
        const checks = game24Task.checkSteps!(p, corrupted);
        expect(checks[k]!.correct).toBe(false);
        expect(checks.slice(0, k).every((c) => c.correct)).toBe(true);
        expect(game24Task.verify(p, corrupted.join('\n')).correct).toBe(false);
      }
    }
  });
});
