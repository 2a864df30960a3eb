import {
  invalid,
  O1labError,
  type Rng,
  readJsonlStrict,
  type ValidationFailure,
  type Validator,
  writeJsonl,
} from '@o1lab/core';
import type { Tokenizer, TrainBatch } from '@o1lab/model';

/** One preference pair in TRL's prompt/chosen/rejected format. */
export interface PreferencePair {
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
}

/** Completions of one prompt with their verifier outcomes. */
export interface OutcomeGroup {
  readonly prompt: string;
  readonly completions: readonly { readonly text: string; readonly correct: boolean }[];
}

/** Completions of one prompt with reward-model scores (higher is better). */
export interface ScoredGroup {
  readonly prompt: string;
  readonly completions: readonly { readonly text: string; readonly score: number }[];
}

/**
 * Pairs from verifier outcomes: every distinct correct completion against every distinct
 * incorrect one of the same prompt (as in the self-generated pairs of iterative RPO, Pang et al.
 * 2024), at most `maxPairsPerPrompt` per prompt, drawn with `rng` when there are more.
 */
export function pairsFromOutcomes(
  groups: readonly OutcomeGroup[],
  options: { readonly maxPairsPerPrompt?: number; readonly rng?: Rng } = {},
): PreferencePair[] {
  const max = options.maxPairsPerPrompt ?? Number.POSITIVE_INFINITY;
  const out: PreferencePair[] = [];
  for (const g of groups) {
    const correct = [...new Set(g.completions.filter((c) => c.correct).map((c) => c.text))];
    const wrong = [...new Set(g.completions.filter((c) => !c.correct).map((c) => c.text))];
    const all: PreferencePair[] = [];
    for (const chosen of correct)
      for (const rejected of wrong) all.push({ prompt: g.prompt, chosen, rejected });
    if (all.length > max) {
      if (options.rng === undefined) {
        throw new O1labError('INVALID_INPUT', 'pairsFromOutcomes needs `rng` to subsample pairs', {
          where: 'pairsFromOutcomes',
        });
      }
      options.rng.shuffle(all);
      all.length = max;
    }
    out.push(...all);
  }
  return out;
}

/**
 * Pairs from reward-model scores: per prompt the best-scored completion against the worst
 * (UltraFeedback/Zephyr binarisation, Tunstall et al. 2023, with the worst as rejected), kept when
 * the score gap is at least `minMargin`.
 */
export function pairsFromScores(
  groups: readonly ScoredGroup[],
  options: { readonly minMargin?: number } = {},
): PreferencePair[] {
  const minMargin = options.minMargin ?? 0;
  const out: PreferencePair[] = [];
  for (const g of groups) {
    if (g.completions.length < 2) continue;
    let best = g.completions[0]!;
    let worst = g.completions[0]!;
    for (const c of g.completions) {
      if (c.score > best.score) best = c;
      if (c.score < worst.score) worst = c;
    }
    if (best.text !== worst.text && best.score - worst.score >= minMargin && best.score > worst.score) {
      out.push({ prompt: g.prompt, chosen: best.text, rejected: worst.text });
    }
  }
  return out;
}

/**
 * The fields of a search-tree node that step pairs need (the MCTS tree JSON of
 * `@o1lab/search-mcts` has them; `nodes[id].id === id`, the root has parent -1).
 */
export interface StepTreeNode {
  readonly id: number;
  readonly parent: number;
  readonly step: string | null;
  readonly visitCount: number;
  readonly valueSum: number;
  readonly children: readonly number[];
}

/** Options of {@link stepPairsFromTree}. */
export interface StepPairOptions {
  /** The root state's prompt (`Task.prompt`). */
  readonly prompt: string;
  /** @default '\n' */
  readonly stepDelimiter?: string;
  /** Siblings with fewer visits are not compared. @default 1 */
  readonly minVisits?: number;
  /** Smallest Q gap between the chosen and the rejected sibling. @default 0.1 */
  readonly minValueGap?: number;
}

/**
 * Step-level pairs (Step-DPO, Lai et al. 2024; SVPO, Chen et al. 2024): at every node with two or
 * more visited children, the child with the highest mean value Q = W / N against the one with the
 * lowest. Chosen and rejected share the prefix: the prompt is the root prompt plus the steps to
 * the node, the completions are one step each, ending in the delimiter. Train these with
 * `appendEos: false`.
 */
export function stepPairsFromTree(
  nodes: readonly StepTreeNode[],
  options: StepPairOptions,
): PreferencePair[] {
  const delimiter = options.stepDelimiter ?? '\n';
  const minVisits = options.minVisits ?? 1;
  const minGap = options.minValueGap ?? 0.1;
  const prefix = (id: number): string => {
    const steps: string[] = [];
    for (let n = nodes[id]; n !== undefined && n.parent >= 0; n = nodes[n.parent]) steps.push(n.step ?? '');
    return (
      options.prompt +
      steps
        .reverse()
        .map((s) => s + delimiter)
        .join('')
    );
  };
  const out: PreferencePair[] = [];
  for (const node of nodes) {
    const kids = node.children
      .map((id) => nodes[id]!)
      .filter((c) => c.visitCount >= minVisits && c.visitCount > 0 && c.step !== null);
    if (kids.length < 2) continue;
    const q = (c: StepTreeNode) => c.valueSum / c.visitCount;
    let best = kids[0]!;
    let worst = kids[0]!;
    for (const c of kids) {
      if (q(c) > q(best)) best = c;
      if (q(c) < q(worst)) worst = c;
    }
    if (q(best) - q(worst) < minGap || best.step === worst.step) continue;
    out.push({ prompt: prefix(node.id), chosen: best.step! + delimiter, rejected: worst.step! + delimiter });
  }
  return out;
}

/** Validates one TRL prompt/chosen/rejected record. */
export const validatePreferencePair: Validator<PreferencePair> = (
  value: unknown,
): PreferencePair | ValidationFailure => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return invalid('expected an object with string fields `prompt`, `chosen` and `rejected`');
  const r = value as Record<string, unknown>;
  for (const key of ['prompt', 'chosen', 'rejected']) {
    if (typeof r[key] !== 'string') return invalid(`\`${key}\` must be a string`);
  }
  return r as unknown as PreferencePair;
};

/** Reads prompt/chosen/rejected JSONL (TRL's preference format); a bad line throws. */
export function readPreferenceDataset(path: string): Promise<PreferencePair[]> {
  return readJsonlStrict(path, validatePreferencePair);
}

/** Writes pairs as prompt/chosen/rejected JSONL, atomically. */
export function writePreferenceDataset(path: string, pairs: Iterable<PreferencePair>): Promise<void> {
  return writeJsonl(path, pairs);
}

/**
 * `[2N, T]` batch of N pairs: rows 0..N-1 are BOS + prompt + chosen (+ EOS), rows N..2N-1 the
 * same with rejected, shifted into inputs and targets, right-padded; the loss mask covers the
 * completion tokens (and EOS).
 */
export function preferenceBatch(
  tokenizer: Tokenizer,
  pairs: readonly PreferencePair[],
  options: { readonly context: number; readonly appendEos?: boolean },
): TrainBatch {
  const where = 'preferenceBatch';
  if (pairs.length === 0) throw new O1labError('INVALID_INPUT', 'no preference pairs', { where });
  const eos = options.appendEos ?? true;
  const rows = [...pairs.map((p) => [p.prompt, p.chosen]), ...pairs.map((p) => [p.prompt, p.rejected])].map(
    ([prompt, completion]) => {
      const p = tokenizer.encode(prompt!);
      const c = tokenizer.encode(completion!);
      return {
        seq: [tokenizer.bosId, ...p, ...c, ...(eos ? [tokenizer.eosId] : [])],
        promptLength: p.length,
      };
    },
  );
  const T = Math.max(...rows.map((r) => r.seq.length - 1));
  rows.forEach((r, i) => {
    if (r.seq.length - 1 <= r.promptLength) {
      throw new O1labError('INVALID_INPUT', `row ${i} has an empty completion and no EOS`, { where });
    }
  });
  if (T > options.context) {
    throw new O1labError(
      'INVALID_INPUT',
      `a pair needs ${T} positions, more than the context ${options.context}`,
      {
        where,
        hint: 'drop or shorten the longest pairs',
      },
    );
  }
  const B = rows.length;
  const inputIds = new Int32Array(B * T).fill(tokenizer.padId);
  const targets = new Int32Array(B * T).fill(tokenizer.padId);
  const lossMask = new Float32Array(B * T);
  const attentionMask = new Int32Array(B * T);
  rows.forEach(({ seq, promptLength }, b) => {
    for (let t = 0; t < seq.length - 1; t++) {
      const i = b * T + t;
      inputIds[i] = seq[t]!;
      targets[i] = seq[t + 1]!;
      attentionMask[i] = 1;
      if (t >= promptLength) lossMask[i] = 1;
    }
  });
  return { B, T, inputIds, targets, lossMask, attentionMask };
}
