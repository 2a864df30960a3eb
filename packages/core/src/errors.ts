/**
 * Error codes used across o1lab. Each says what kind of thing went wrong, so callers can branch on
 * `error.code` instead of parsing messages.
 */
export type O1labErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'PARSE_ERROR'
  | 'IO_ERROR'
  | 'BUDGET_EXCEEDED'
  | 'UNSUPPORTED'
  | 'CORRUPT_FILE'
  | 'BACKEND_ERROR'
  | 'INTERNAL';

export interface O1labErrorOptions {
  /** Where it happened: a file:line, an option name, a function. */
  readonly where?: string;
  /** What the user can do about it. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/**
 * The one error class of o1lab. The message says what was wrong, `where` says where, `hint` says
 * what to do; all three are folded into `message` so that a plain `console.error` shows them.
 */
export class O1labError extends Error {
  readonly code: O1labErrorCode;
  readonly where: string | undefined;
  readonly hint: string | undefined;

  constructor(code: O1labErrorCode, what: string, options: O1labErrorOptions = {}) {
    const parts = [options.where ? `${options.where}: ${what}` : what];
    if (options.hint) parts.push(`(${options.hint})`);
    super(parts.join(' '), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'O1labError';
    this.code = code;
    this.where = options.where;
    this.hint = options.hint;
  }
}

/** True when `error` is an {@link O1labError}, optionally with the given code. */
export function isO1labError(error: unknown, code?: O1labErrorCode): error is O1labError {
  return error instanceof O1labError && (code === undefined || error.code === code);
}
