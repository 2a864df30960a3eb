import { Registry, type Task } from '@o1lab/core';
import { arithmeticTask } from './arithmetic.js';
import { countdownTask } from './countdown.js';
import { game24Task } from './game24.js';
import { gsm8kTask, mathTask } from './real-tasks.js';

/** The tasks of this package by name: arithmetic, countdown, game24, gsm8k, math. */
export const taskRegistry: Registry<Task> = new Registry<Task>('task', [
  ['arithmetic', arithmeticTask],
  ['countdown', countdownTask],
  ['game24', game24Task],
  ['gsm8k', gsm8kTask],
  ['math', mathTask],
]);

/** The task called `name`; throws `NOT_FOUND` listing the known names otherwise. */
export function getTask(name: string): Task {
  return taskRegistry.get(name);
}
