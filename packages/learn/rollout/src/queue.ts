import { assertInteger } from '@o1lab/core';

/** A batch of rollouts with the policy versions it came from and is used at. */
export interface QueuedRollouts<R> {
  readonly rollouts: R;
  /** Policy version (updates applied) when its generation started. */
  readonly generatedAt: number;
  /** Policy version when it was handed to the learner. */
  readonly usedAt: number;
  /** `usedAt - generatedAt`: updates between sampling and learning; never above `maxStaleness`. */
  readonly staleness: number;
}

/** Staleness over the batches a queue handed out. */
export interface StalenessStats {
  readonly batches: number;
  readonly maxStaleness: number;
  readonly meanStaleness: number;
}

/**
 * Asynchronous rollouts with bounded staleness: rollouts for step t + 1 are generated while step t
 * updates. `next()` returns the oldest batch in flight and starts new generations so that
 * `maxStaleness` batches stay in flight; `markUpdated()` counts one policy update. A batch started
 * at version v is taken before the (v + maxStaleness + 1)-th update, so its staleness is at most
 * `maxStaleness`. `maxStaleness` 0 is the synchronous on-policy loop (nothing generated ahead).
 *
 * Overlap is real when generation runs off the JS thread (ONNX Runtime session runs) while the
 * update runs on it; the per-token sampling between session runs still needs the JS thread.
 */
export class RolloutQueue<R> {
  readonly maxStaleness: number;
  private version = 0;
  private readonly inFlight: { readonly generatedAt: number; readonly promise: Promise<R> }[] = [];
  private readonly seen: number[] = [];

  constructor(
    private readonly generate: (policyVersion: number) => Promise<R>,
    options: { readonly maxStaleness: number },
  ) {
    this.maxStaleness = assertInteger('maxStaleness', options.maxStaleness, { min: 0 }, 'RolloutQueue');
  }

  /** Policy updates counted so far. */
  get policyVersion(): number {
    return this.version;
  }

  /** The next batch to learn from. */
  async next(): Promise<QueuedRollouts<R>> {
    if (this.inFlight.length === 0) this.start();
    const head = this.inFlight.shift()!;
    const rollouts = await head.promise;
    while (this.inFlight.length < this.maxStaleness) this.start();
    const staleness = this.version - head.generatedAt;
    this.seen.push(staleness);
    return { rollouts, generatedAt: head.generatedAt, usedAt: this.version, staleness };
  }

  /** Counts one policy update (call after the update, and after the weights reached the sampler). */
  markUpdated(): void {
    this.version++;
  }

  stats(): StalenessStats {
    const n = this.seen.length;
    return {
      batches: n,
      maxStaleness: n === 0 ? 0 : Math.max(...this.seen),
      meanStaleness: n === 0 ? 0 : this.seen.reduce((a, b) => a + b, 0) / n,
    };
  }

  /** Waits for the generations still in flight (call before disposing the sampler). */
  async drain(): Promise<void> {
    const pending = this.inFlight.splice(0);
    await Promise.allSettled(pending.map((p) => p.promise));
  }

  private start(): void {
    const generatedAt = this.version;
    const promise = this.generate(generatedAt);
    // A failure surfaces when the batch is taken; do not report it as unhandled before that.
    promise.catch(() => {});
    this.inFlight.push({ generatedAt, promise });
  }
}
