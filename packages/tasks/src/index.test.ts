import { describe, expect, it } from 'vitest';
import * as tasks from './index.js';

describe('public API', () => {
  it('exports the names benchmarks and models depend on', () => {
    const names = [
      'arithmeticTask',
      'countdownTask',
      'enumerateGame24Puzzles',
      'extractBoxedAnswer',
      'extractGsm8kAnswer',
      'game24Task',
      'getTask',
      'gsm8kTask',
      'loadGame24Ranking',
      'loadGsm8k',
      'loadMath500',
      'mathAnswersEqual',
      'mathTask',
      'normalizeMathAnswer',
      'solveCountdown',
      'solveGame24',
      'taskRegistry',
    ];
    for (const name of names) expect(tasks, name).toHaveProperty(name);
  });
});
