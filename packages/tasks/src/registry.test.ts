import { isO1labError } from '@o1lab/core';
import { describe, expect, it } from 'vitest';
import { arithmeticTask } from './arithmetic.js';
import { countdownTask } from './countdown.js';
import { game24Task } from './game24.js';
import { gsm8kTask, mathTask } from './real-tasks.js';
import { getTask, taskRegistry } from './registry.js';

describe('taskRegistry', () => {
  it('holds the five tasks under their own names', () => {
    expect(taskRegistry.names()).toEqual(['arithmetic', 'countdown', 'game24', 'gsm8k', 'math']);
    expect(getTask('countdown')).toBe(countdownTask);
    expect(getTask('arithmetic')).toBe(arithmeticTask);
    expect(getTask('game24')).toBe(game24Task);
    expect(getTask('gsm8k')).toBe(gsm8kTask);
    expect(getTask('math')).toBe(mathTask);
    for (const name of taskRegistry.names()) expect(getTask(name).name).toBe(name);
  });

  it('names the known tasks when asked for an unknown one', () => {
    try {
      getTask('sudoku');
      expect.unreachable();
    } catch (error) {
      expect(isO1labError(error, 'NOT_FOUND')).toBe(true);
      expect((error as Error).message).toMatch(/arithmetic, countdown, game24, gsm8k, math/);
    }
  });
});
