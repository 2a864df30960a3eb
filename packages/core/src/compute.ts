import { O1labError } from './errors.js';

/**
 * What a run spent. Prompt tokens are split into those computed in prefill (`prefillTokens`) and
 * those served from a prefix cache (`cachedPrefillTokens`); their sum is every prompt token read.
 */
export interface ComputeSnapshot {
  /** Prompt tokens whose keys and values were computed. */
  readonly prefillTokens: number;
  /** Prompt tokens whose keys and values were read from a prefix cache instead. */
  readonly cachedPrefillTokens: number;
  /** Tokens sampled by the policy. */
  readonly generatedTokens: number;
  /** Batched calls into the policy (one per frontier, not one per sequence). */
  readonly policyCalls: number;
  /** Sequences sampled by the policy (a call with n = 4 over 3 states samples 12). */
  readonly samples: number;
  /** Batched calls into a reward model. */
  readonly rewardCalls: number;
  /** Tokens a reward model read. */
  readonly rewardTokens: number;
  /** Estimated floating-point operations of the forward passes (policy and reward models). */
  readonly flops: number;
  /** Wall time in milliseconds. */
  readonly wallTimeMs: number;
}

/** Names of the counters, in a fixed order (for tables and CSV). */
export const COMPUTE_FIELDS: readonly (keyof ComputeSnapshot)[] = Object.freeze([
  'prefillTokens',
  'cachedPrefillTokens',
  'generatedTokens',
  'policyCalls',
  'samples',
  'rewardCalls',
  'rewardTokens',
  'flops',
  'wallTimeMs',
]);

/** All counters zero. */
export const ZERO_COMPUTE: ComputeSnapshot = Object.freeze({
  prefillTokens: 0,
  cachedPrefillTokens: 0,
  generatedTokens: 0,
  policyCalls: 0,
  samples: 0,
  rewardCalls: 0,
  rewardTokens: 0,
  flops: 0,
  wallTimeMs: 0,
});

/**
 * Accumulates compute. Policies and reward models own one each and add to it on every call; a
 * searcher takes a snapshot before and after and reports the difference.
 */
export class ComputeMeter {
  private counts: Record<keyof ComputeSnapshot, number> = { ...ZERO_COMPUTE };

  /** Adds non-negative amounts to the counters. */
  add(delta: Partial<ComputeSnapshot>): void {
    for (const [key, value] of Object.entries(delta) as [keyof ComputeSnapshot, number | undefined][]) {
      if (value === undefined) continue;
      if (!(key in this.counts)) {
        throw new O1labError('INVALID_INPUT', `unknown compute counter \`${key}\``, {
          where: 'ComputeMeter.add',
        });
      }
      if (!Number.isFinite(value) || value < 0) {
        throw new O1labError(
          'INVALID_INPUT',
          `compute counter \`${key}\` must grow by a finite amount >= 0, got ${value}`,
          {
            where: 'ComputeMeter.add',
          },
        );
      }
      this.counts[key] += value;
    }
  }

  /** Runs `fn` and adds its wall time. */
  async time<T>(fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.add({ wallTimeMs: performance.now() - start });
    }
  }

  /** The counters now, frozen. */
  snapshot(): ComputeSnapshot {
    return Object.freeze({ ...this.counts });
  }

  /** Sets every counter back to zero. */
  reset(): void {
    this.counts = { ...ZERO_COMPUTE };
  }
}

/** `after - before`, counter by counter (what was spent between two snapshots). */
export function diffCompute(after: ComputeSnapshot, before: ComputeSnapshot): ComputeSnapshot {
  const out: Record<string, number> = {};
  for (const key of COMPUTE_FIELDS) out[key] = after[key] - before[key];
  return Object.freeze(out) as unknown as ComputeSnapshot;
}

/** The sum of several snapshots (e.g. policy and reward model meters, or many problems). */
export function mergeCompute(...snapshots: readonly ComputeSnapshot[]): ComputeSnapshot {
  const out: Record<string, number> = { ...ZERO_COMPUTE };
  for (const s of snapshots) for (const key of COMPUTE_FIELDS) out[key] = (out[key] ?? 0) + s[key];
  return Object.freeze(out) as unknown as ComputeSnapshot;
}

/**
 * A compute budget. Every limit that is set must hold; an empty budget is unlimited. Searchers check
 * it before each batched call and never start a call that could exceed it.
 */
export interface Budget {
  /** Maximum tokens the policy may generate. */
  readonly generatedTokens?: number;
  /** Maximum batched policy calls. */
  readonly policyCalls?: number;
  /** Maximum sampled sequences. */
  readonly samples?: number;
}

const BUDGET_FIELDS = ['generatedTokens', 'policyCalls', 'samples'] as const;

/** Validates a budget: each limit set is an integer >= 0, and no unknown keys. */
export function resolveBudget(budget: Budget, where = 'budget'): Budget {
  if (typeof budget !== 'object' || budget === null) {
    throw new O1labError('INVALID_CONFIG', 'a budget must be an object', { where });
  }
  for (const key of Object.keys(budget)) {
    if (!(BUDGET_FIELDS as readonly string[]).includes(key)) {
      throw new O1labError('INVALID_CONFIG', `unknown budget field \`${key}\``, {
        where,
        hint: `use ${BUDGET_FIELDS.join(', ')}`,
      });
    }
    const v = (budget as Record<string, unknown>)[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      throw new O1labError('INVALID_CONFIG', `budget \`${key}\` must be an integer >= 0, got ${String(v)}`, {
        where,
      });
    }
  }
  return Object.freeze({ ...budget });
}

/** What is left of `budget` after `spent` (Infinity for limits not set; never negative). */
export function budgetRemaining(
  budget: Budget,
  spent: ComputeSnapshot,
): { generatedTokens: number; policyCalls: number; samples: number } {
  const left = (limit: number | undefined, used: number) =>
    limit === undefined ? Infinity : Math.max(0, limit - used);
  return {
    generatedTokens: left(budget.generatedTokens, spent.generatedTokens),
    policyCalls: left(budget.policyCalls, spent.policyCalls),
    samples: left(budget.samples, spent.samples),
  };
}

/**
 * True when a call that would sample `samples` sequences of up to `maxTokens` tokens each fits in
 * what is left of `budget`.
 */
export function budgetAllows(
  budget: Budget,
  spent: ComputeSnapshot,
  samples: number,
  maxTokens: number,
): boolean {
  const left = budgetRemaining(budget, spent);
  return left.policyCalls >= 1 && left.samples >= samples && left.generatedTokens >= samples * maxTokens;
}

/** True when any limit of `budget` is used up. */
export function isBudgetExhausted(budget: Budget, spent: ComputeSnapshot): boolean {
  const left = budgetRemaining(budget, spent);
  return left.generatedTokens <= 0 || left.policyCalls <= 0 || left.samples <= 0;
}

/**
 * What a policy and an optional reward model spend from now on: the returned function gives the
 * merged meter deltas since this call. A reward model that shares the policy's meter is counted
 * once. Searchers report this as their compute.
 */
export function computeTracker(
  policy: { readonly meter: ComputeMeter },
  reward?: { readonly meter: ComputeMeter },
): () => ComputeSnapshot {
  const p0 = policy.meter.snapshot();
  const own = reward !== undefined && reward.meter !== policy.meter ? reward.meter : undefined;
  const r0 = own?.snapshot();
  return () =>
    mergeCompute(
      diffCompute(policy.meter.snapshot(), p0),
      own === undefined || r0 === undefined ? ZERO_COMPUTE : diffCompute(own.snapshot(), r0),
    );
}

/** How many states one batched policy call continues, and how many samples each. */
export interface BatchedCallPlan {
  readonly numStates: number;
  readonly perState: number;
}

/**
 * Sizes one batched policy call to what is left of `budget`: `numStates` states with `perState`
 * samples of up to `maxTokens` tokens each if that fits, else fewer samples per state, else the
 * first states with one sample each; null when not even one sample fits. Frontier searchers (beam,
 * DVTS) call it before every round.
 */
export function planBatchedCall(
  budget: Budget,
  spent: ComputeSnapshot,
  numStates: number,
  perState: number,
  maxTokens: number,
): BatchedCallPlan | null {
  const left = budgetRemaining(budget, spent);
  if (left.policyCalls < 1) return null;
  const maxSamples = Math.min(left.samples, Math.floor(left.generatedTokens / maxTokens));
  if (!(maxSamples >= 1) || numStates < 1 || perState < 1) return null;
  if (numStates * perState <= maxSamples) return { numStates, perState };
  const per = Math.floor(maxSamples / numStates);
  if (per >= 1) return { numStates, perState: per };
  return { numStates: maxSamples, perState: 1 };
}
