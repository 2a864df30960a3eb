import type { FinishReason, Policy, Sample, SampleOptions, State } from '@o1lab/core';
import { appendStep, ComputeMeter, createRng, O1labError, type Rng, renderState } from '@o1lab/core';

/**
 * One next step a table-driven policy can take from a state, with its probability under the model
 * (temperature 1). `end` marks a step after which the policy ends the sequence (end of sequence
 * instead of the step delimiter): the solution is complete.
 */
export interface TableStep {
  readonly text: string;
  readonly p: number;
  readonly end?: boolean;
}

/**
 * The policy's whole model: the distribution over next steps in a state. Probabilities need not sum
 * to one (they are normalised); an empty list means the policy ends the sequence at once.
 */
export type StepDistribution = (state: State) => readonly TableStep[];

/** Options of {@link createTablePolicy}. */
export interface TablePolicyOptions {
  /** The model: next-step distribution per state. */
  readonly distribution: StepDistribution;
  /** The task's step delimiter; the policy renders states with it and ends steps at it. */
  readonly stepDelimiter: string;
  /** @default 'table-policy' */
  readonly name?: string;
  /**
   * Nominal FLOPs of one forward token (prefilled or generated); cached prefill tokens cost none.
   * @default 2000
   */
  readonly flopsPerToken?: number;
  /**
   * Model a prefix cache: prompt tokens of a prefix this policy has read or written before are
   * counted as `cachedPrefillTokens` instead of `prefillTokens`. @default true
   */
  readonly prefixCache?: boolean;
}

/** Token id of end of sequence; every other token is one UTF-16 code unit, its id the char code. */
export const EOS_TOKEN_ID = 0;

/** Default nominal FLOPs per token of the toy policies. */
export const DEFAULT_TOY_FLOPS_PER_TOKEN = 2000;

const EOS_CHAR = '\u0000';

/** A {@link Policy} whose model is a table of next-step distributions, plus test hooks. */
export interface TablePolicy extends Policy {
  readonly flopsPerToken: number;
  /** The model behind the policy. */
  readonly distribution: StepDistribution;
  /** Forgets every cached prefix (the meter is left alone). */
  clearPrefixCache(): void;
}

/**
 * A policy that samples from an explicit next-step table, so that every quantity a search sees is
 * known exactly. It implements the core {@link Policy} contract to the letter:
 *
 * - Tokens: one token per character (id = char code), plus {@link EOS_TOKEN_ID}. A step's tokens are
 *   its characters followed by the step delimiter's characters, or by EOS for an `end` step; the
 *   delimiter tokens are generated (and counted) but, being the stop string, are not in `text`.
 * - Log-probabilities: per token, the model's (temperature 1) conditional probability of that
 *   character given the characters before it in the step, marginalised over the table's steps; they
 *   sum to the log-probability of the step. Temperature, `topK` and `topP` act on whole steps and
 *   change which step is drawn, not the reported log-probabilities (as vLLM reports raw logprobs).
 *   Temperature 0 picks the most probable step (first in table order on ties).
 * - Determinism: sample `j` of state `i` draws from `createRng(seed, i * n + j)`; the same call with
 *   the same seed returns the same samples.
 * - Compute: per call `policyCalls` 1, `samples` states x n, `generatedTokens` every generated token
 *   (EOS included), `flops` = flopsPerToken x (computed prefill + generated tokens), wall time. The
 *   rendered prompt of each state is prefilled once per call (shared by its n samples); with
 *   `prefixCache`, the longest prefix of it that this policy has read or generated before is counted
 *   as `cachedPrefillTokens`, the rest as `prefillTokens` (a radix-tree KV cache that never evicts).
 */
export function createTablePolicy(options: TablePolicyOptions): TablePolicy {
  const { distribution, stepDelimiter } = options;
  if (stepDelimiter.length === 0) {
    throw new O1labError('INVALID_CONFIG', '`stepDelimiter` must not be empty', {
      where: 'createTablePolicy',
    });
  }
  const flopsPerToken = options.flopsPerToken ?? DEFAULT_TOY_FLOPS_PER_TOKEN;
  const useCache = options.prefixCache ?? true;
  const meter = new ComputeMeter();
  let cache = new PrefixTrie();

  // Prefill accounting for one state; returns its rendered text.
  const prefill = (state: State, counts: CallCounts): string => {
    const text = renderState(state, stepDelimiter);
    const cached = useCache ? cache.longestPrefix(text) : 0;
    counts.cachedPrefillTokens += cached;
    counts.prefillTokens += text.length - cached;
    if (useCache) cache.insert(text);
    return text;
  };

  const finish = (counts: CallCounts): void => {
    meter.add({
      ...counts,
      policyCalls: 1,
      flops: flopsPerToken * (counts.prefillTokens + counts.generatedTokens),
    });
  };

  return {
    name: options.name ?? 'table-policy',
    meter,
    flopsPerToken,
    distribution,
    clearPrefixCache() {
      cache = new PrefixTrie();
    },
    sampleSteps(states, sampleOptions) {
      if (sampleOptions.stepDelimiter !== stepDelimiter) {
        throw new O1labError(
          'INVALID_INPUT',
          `\`stepDelimiter\` ${JSON.stringify(sampleOptions.stepDelimiter)} differs from the policy's ${JSON.stringify(stepDelimiter)}`,
          { where: 'TablePolicy.sampleSteps' },
        );
      }
      return meter.time(async () => {
        const n = checkSampleOptions(sampleOptions, 'TablePolicy.sampleSteps');
        const counts = newCounts(states.length * n);
        const out = states.map((state, i) => {
          const text = prefill(state, counts);
          return Array.from({ length: n }, (_, j) => {
            const rng = createRng(sampleOptions.seed ?? 0, i * n + j);
            const sample = sampleStep(
              distribution(state),
              stepDelimiter,
              sampleOptions,
              sampleOptions.maxTokens,
              rng,
            );
            counts.generatedTokens += sample.tokenIds.length;
            if (useCache) cache.insert(text + generatedText(sample, stepDelimiter));
            return sample;
          });
        });
        finish(counts);
        return out;
      });
    },
    sampleCompletions(states, sampleOptions) {
      return meter.time(async () => {
        const n = checkSampleOptions(sampleOptions, 'TablePolicy.sampleCompletions');
        const counts = newCounts(states.length * n);
        const out = states.map((state, i) => {
          const text = prefill(state, counts);
          return Array.from({ length: n }, (_, j) => {
            const rng = createRng(sampleOptions.seed ?? 0, i * n + j);
            const sample = sampleCompletion(distribution, state, stepDelimiter, sampleOptions, rng);
            counts.generatedTokens += sample.tokenIds.length;
            if (useCache) cache.insert(text + generatedText(sample, stepDelimiter));
            return sample;
          });
        });
        finish(counts);
        return out;
      });
    },
  };
}

interface CallCounts {
  prefillTokens: number;
  cachedPrefillTokens: number;
  generatedTokens: number;
  samples: number;
}

function newCounts(samples: number): CallCounts {
  return { prefillTokens: 0, cachedPrefillTokens: 0, generatedTokens: 0, samples };
}

function checkSampleOptions(options: SampleOptions, where: string): number {
  const n = options.n ?? 1;
  if (!Number.isInteger(n) || n < 1)
    throw new O1labError('INVALID_INPUT', `\`n\` must be an integer >= 1, got ${n}`, { where });
  if (!Number.isInteger(options.maxTokens) || options.maxTokens < 1) {
    throw new O1labError('INVALID_INPUT', `\`maxTokens\` must be an integer >= 1, got ${options.maxTokens}`, {
      where,
    });
  }
  const t = options.temperature ?? 1;
  if (!(t >= 0) || !Number.isFinite(t)) {
    throw new O1labError('INVALID_INPUT', `\`temperature\` must be >= 0, got ${t}`, { where });
  }
  return n;
}

// The characters a sample added to the sequence (its text plus the delimiter or stop it generated).
function generatedText(sample: Sample, stepDelimiter: string): string {
  if (sample.finishReason === 'stop') return sample.text + (sample.stop ?? stepDelimiter);
  return sample.text;
}

/** Draws one step from `table` and turns it into a {@link Sample} (see {@link createTablePolicy}). */
function sampleStep(
  table: readonly TableStep[],
  stepDelimiter: string,
  options: SampleOptions,
  maxTokens: number,
  rng: Rng,
): Sample {
  if (table.length === 0) {
    return { text: '', tokenIds: [EOS_TOKEN_ID], tokenLogprobs: [0], finishReason: 'eos' };
  }
  const chosen = table[drawIndex(table, options, rng)]!;
  const sequences = table.map((s) => ({ seq: s.text + (s.end ? EOS_CHAR : stepDelimiter), p: s.p }));
  const seq = chosen.text + (chosen.end ? EOS_CHAR : stepDelimiter);
  const logprobs = tokenLogprobs(sequences, seq);

  // Extra stop strings end the step early, inside its text.
  let cut = seq.length;
  let stop: string | undefined;
  for (const s of options.stop ?? []) {
    if (s.length === 0) continue;
    const at = chosen.text.indexOf(s);
    if (at >= 0 && at + s.length < cut) {
      cut = at + s.length;
      stop = s;
    }
  }
  let finishReason: FinishReason = chosen.end ? 'eos' : 'stop';
  let text = chosen.text;
  if (stop !== undefined) {
    finishReason = 'stop';
    text = chosen.text.slice(0, cut - stop.length);
  } else if (!chosen.end) {
    stop = stepDelimiter;
  }
  if (cut > maxTokens) {
    cut = maxTokens;
    finishReason = 'length';
    stop = undefined;
    text = seq.slice(0, cut).replace(EOS_CHAR, '');
  }
  const tokens = seq.slice(0, cut);
  return {
    text,
    tokenIds: Array.from(tokens, (c) => (c === EOS_CHAR ? EOS_TOKEN_ID : c.charCodeAt(0))),
    tokenLogprobs: logprobs.slice(0, cut),
    finishReason,
    ...(finishReason === 'stop' && stop !== undefined ? { stop } : {}),
  };
}

/** Chains steps until end of sequence, a stop string, or `maxTokens`. */
function sampleCompletion(
  distribution: StepDistribution,
  start: State,
  stepDelimiter: string,
  options: SampleOptions,
  rng: Rng,
): Sample {
  let state = start;
  let text = '';
  const tokenIds: number[] = [];
  const logprobs: number[] = [];
  for (;;) {
    const left = options.maxTokens - tokenIds.length;
    const step = sampleStep(distribution(state), stepDelimiter, options, left, rng);
    tokenIds.push(...step.tokenIds);
    logprobs.push(...step.tokenLogprobs);
    if (step.finishReason === 'stop' && step.stop === stepDelimiter) {
      const stopHere = (options.stop ?? []).find((s) => s.length > 0 && stepDelimiter.includes(s));
      if (stopHere !== undefined)
        return {
          text: text + step.text,
          tokenIds,
          tokenLogprobs: logprobs,
          finishReason: 'stop',
          stop: stopHere,
        };
      text += step.text + stepDelimiter;
      state = appendStep(state, { text: step.text });
      if (tokenIds.length >= options.maxTokens)
        return { text, tokenIds, tokenLogprobs: logprobs, finishReason: 'length' };
      continue;
    }
    text += step.text;
    return {
      text,
      tokenIds,
      tokenLogprobs: logprobs,
      finishReason: step.finishReason,
      ...(step.stop === undefined ? {} : { stop: step.stop }),
    };
  }
}

function drawIndex(table: readonly TableStep[], options: SampleOptions, rng: Rng): number {
  const temperature = options.temperature ?? 1;
  const order = table.map((_, i) => i).sort((a, b) => table[b]!.p - table[a]!.p || a - b);
  let keep = order;
  const topK = options.topK ?? 0;
  if (topK > 0) keep = keep.slice(0, topK);
  const topP = options.topP ?? 1;
  if (topP < 1) {
    const total = keep.reduce((s, i) => s + table[i]!.p, 0);
    let mass = 0;
    const nucleus: number[] = [];
    for (const i of keep) {
      nucleus.push(i);
      mass += table[i]!.p / total;
      if (mass >= topP) break;
    }
    keep = nucleus;
  }
  if (temperature === 0) return keep[0]!;
  const weights = keep.map((i) => table[i]!.p ** (1 / temperature));
  return keep[rng.categorical(weights)]!;
}

// log p(token_t | tokens_<t) under the table, marginalising over steps sharing the prefix.
function tokenLogprobs(sequences: readonly { seq: string; p: number }[], seq: string): number[] {
  const out: number[] = [];
  let prev = 0;
  for (const s of sequences) prev += s.p;
  for (let t = 1; t <= seq.length; t++) {
    const prefix = seq.slice(0, t);
    let mass = 0;
    for (const s of sequences) if (s.seq.startsWith(prefix)) mass += s.p;
    out.push(Math.log(mass / prev));
    prev = mass;
  }
  return out;
}

/** A character trie of every sequence the policy has prefilled or generated. */
class PrefixTrie {
  private readonly root: TrieNode = new Map();

  insert(text: string): void {
    let node = this.root;
    for (const c of text) {
      let next = node.get(c);
      if (next === undefined) {
        next = new Map();
        node.set(c, next);
      }
      node = next;
    }
  }

  longestPrefix(text: string): number {
    let node = this.root;
    let n = 0;
    for (const c of text) {
      const next = node.get(c);
      if (next === undefined) break;
      node = next;
      n += c.length;
    }
    return n;
  }
}

type TrieNode = Map<string, TrieNode>;
