import { describe, expect, it } from 'vitest';
import { isO1labError, type O1labError } from './errors.js';
import { Registry } from './registry.js';
import { assertInteger, assertNumber, assertOneOf, mergeConfig } from './validate.js';

describe('config validation', () => {
  it('names the option and the bound in its errors', () => {
    expect(() => assertInteger('numSimulations', 0, { min: 1 })).toThrow(
      '`numSimulations` must be >= 1, got 0',
    );
    expect(() => assertInteger('numSimulations', 2.5)).toThrow(
      '`numSimulations` must be an integer, got 2.5',
    );
    expect(() => assertNumber('temperature', Number.NaN)).toThrow(/`temperature` must be a finite number/);
    expect(() => assertOneOf('aggregation', 'max', ['min', 'prod'])).toThrow(
      "`aggregation` must be one of 'min', 'prod', got 'max'",
    );
    expect(assertNumber('beta', 0.1, { gt: 0 })).toBe(0.1);
  });

  it('merges options over defaults and rejects unknown keys', () => {
    const defaults: { beamWidth: number; temperature: number } = Object.freeze({
      beamWidth: 4,
      temperature: 1,
    });
    expect(mergeConfig(defaults, { beamWidth: 8 }, 'beamSearch')).toEqual({ beamWidth: 8, temperature: 1 });
    try {
      mergeConfig(defaults, { beamwidth: 8 } as never, 'beamSearch');
      expect.unreachable();
    } catch (error) {
      expect(isO1labError(error, 'INVALID_CONFIG')).toBe(true);
      expect((error as O1labError).message).toMatch(
        /beamSearch: unknown option `beamwidth`.*known options: beamWidth, temperature/,
      );
    }
  });

  it('registry lists known names on a miss', () => {
    const reg = new Registry('task', [
      ['countdown', 1],
      ['arithmetic', 2],
    ]);
    expect(reg.get('countdown')).toBe(1);
    expect(() => reg.get('chess')).toThrow("unknown task 'chess' (known tasks: arithmetic, countdown)");
    expect(
      () =>
        new Registry('task', [
          ['a', 1],
          ['a', 2],
        ]),
    ).toThrow(/duplicate task name 'a'/);
  });
});
