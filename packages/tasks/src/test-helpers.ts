import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `/work/shared/data` style folder beside the repository; users' clones do not have it. */
export const sharedDataDir: string = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'shared',
  'data',
);

/**
 * The step with its result's last digit changed (`25+3=28` -> `25+3=29`): a deliberately wrong step
 * for the per-step checkers.
 */
export function corruptResult(step: string): string {
  const last = step.length - 1;
  const digit = step.charCodeAt(last) - 48;
  if (digit < 0 || digit > 9) throw new Error(`step does not end in a digit: ${step}`);
  return step.slice(0, last) + String((digit + 1) % 10);
}
