import { O1labError } from './errors.js';

/**
 * A typed, explicit name -> entry map (tasks, searchers, learners, recipe phases). Built from a list,
 * never filled by import side effects.
 */
export class Registry<T> {
  private readonly entries: ReadonlyMap<string, T>;

  constructor(
    readonly kind: string,
    entries: Iterable<readonly [string, T]>,
  ) {
    const map = new Map<string, T>();
    for (const [name, entry] of entries) {
      if (map.has(name)) throw new O1labError('INVALID_INPUT', `duplicate ${kind} name '${name}'`);
      map.set(name, entry);
    }
    this.entries = map;
  }

  /** The entry called `name`; throws `NOT_FOUND` listing the known names otherwise. */
  get(name: string): T {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      throw new O1labError('NOT_FOUND', `unknown ${this.kind} '${name}'`, {
        hint: `known ${this.kind}s: ${this.names().join(', ')}`,
      });
    }
    return entry;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Known names, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** A new registry with more entries. */
  with(entries: Iterable<readonly [string, T]>): Registry<T> {
    return new Registry(this.kind, [...this.entries, ...entries]);
  }
}
