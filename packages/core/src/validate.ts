import { O1labError } from './errors.js';

/** Bounds for {@link assertNumber} and {@link assertInteger}. */
export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound. */
  readonly gt?: number;
  /** Exclusive upper bound. */
  readonly lt?: number;
}

/**
 * Checks a numeric config option and throws `INVALID_CONFIG` naming the option:
 * `` `numSimulations` must be >= 1, got 0 ``.
 */
export function assertNumber(
  name: string,
  value: unknown,
  bounds: NumberBounds = {},
  where?: string,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw configError(`\`${name}\` must be a finite number, got ${describe(value)}`, where);
  }
  if (bounds.min !== undefined && value < bounds.min) {
    throw configError(`\`${name}\` must be >= ${bounds.min}, got ${value}`, where);
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw configError(`\`${name}\` must be <= ${bounds.max}, got ${value}`, where);
  }
  if (bounds.gt !== undefined && !(value > bounds.gt)) {
    throw configError(`\`${name}\` must be > ${bounds.gt}, got ${value}`, where);
  }
  if (bounds.lt !== undefined && !(value < bounds.lt)) {
    throw configError(`\`${name}\` must be < ${bounds.lt}, got ${value}`, where);
  }
  return value;
}

/** Like {@link assertNumber}, and the value must be an integer. */
export function assertInteger(
  name: string,
  value: unknown,
  bounds: NumberBounds = {},
  where?: string,
): number {
  assertNumber(name, value, bounds, where);
  if (!Number.isInteger(value)) {
    throw configError(`\`${name}\` must be an integer, got ${value as number}`, where);
  }
  return value as number;
}

/** Checks that `value` is one of `allowed`, listing them in the error. */
export function assertOneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  where?: string,
): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw configError(
      `\`${name}\` must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
      where,
    );
  }
  return value as T;
}

/** Checks a boolean option. */
export function assertBoolean(name: string, value: unknown, where?: string): boolean {
  if (typeof value !== 'boolean') {
    throw configError(`\`${name}\` must be true or false, got ${describe(value)}`, where);
  }
  return value;
}

/**
 * Merges user options over frozen defaults and rejects unknown keys (a typo must not silently fall
 * back to a default). The result is frozen.
 */
export function mergeConfig<C extends object>(
  defaults: C,
  options: Partial<C> | undefined,
  where: string,
): C {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw configError(`options must be an object, got ${describe(options)}`, where);
  }
  const known = Object.keys(defaults);
  for (const key of Object.keys(options ?? {})) {
    if (!known.includes(key)) {
      throw configError(`unknown option \`${key}\``, where, `known options: ${known.join(', ')}`);
    }
  }
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value !== undefined) merged[key] = value;
  }
  return Object.freeze(merged) as C;
}

function configError(message: string, where: string | undefined, hint?: string): O1labError {
  return new O1labError('INVALID_CONFIG', message, {
    ...(where === undefined ? {} : { where }),
    ...(hint === undefined ? {} : { hint }),
  });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
