import type { Tokenizer } from '@o1lab/model';

/** A solution as reward-model input: BOS, prompt, each step and its delimiter, EOS. */
export interface EncodedSolution {
  /** Token ids, cut to the model's context. */
  readonly ids: number[];
  /**
   * Per step, the index of the last token of its delimiter: where a PRM reads the step's score
   * (the value head there has seen the step and everything before it). Steps cut off by the
   * context read the last position.
   */
  readonly stepEnds: number[];
  /** Index of the EOS token (or the last position when the context cut it): where an ORM or pairwise model reads. */
  readonly end: number;
  /** Tokens dropped to fit the context. */
  readonly numCut: number;
}

/**
 * Encodes `prompt` and `steps` the way the policy sees them (`renderState`: prompt, then each step
 * followed by `stepDelimiter`), after BOS and before EOS, and cuts the ids to `context` positions.
 */
export function encodeSolution(
  tokenizer: Tokenizer,
  prompt: string,
  steps: readonly string[],
  stepDelimiter: string,
  context: number,
): EncodedSolution {
  const ids = [tokenizer.bosId, ...tokenizer.encode(prompt)];
  const stepEnds: number[] = [];
  for (const step of steps) {
    for (const id of tokenizer.encode(step + stepDelimiter)) ids.push(id);
    stepEnds.push(ids.length - 1);
  }
  ids.push(tokenizer.eosId);
  const numCut = Math.max(0, ids.length - context);
  if (numCut > 0) ids.length = context;
  const last = ids.length - 1;
  return { ids, stepEnds: stepEnds.map((e) => Math.min(e, last)), end: last, numCut };
}

/** Right-padded `[B, T]` batch of token rows with the attention mask (causal attention keeps padding out of real positions). */
export interface PaddedRows {
  readonly B: number;
  readonly T: number;
  readonly inputIds: Int32Array;
  readonly attentionMask: Int32Array;
  readonly numTokens: number;
}

/** Pads `rows` on the right with `padId` to the longest row. */
export function padRows(rows: readonly (readonly number[])[], padId: number): PaddedRows {
  const B = rows.length;
  let T = 1;
  for (const r of rows) T = Math.max(T, r.length);
  const inputIds = new Int32Array(B * T).fill(padId);
  const attentionMask = new Int32Array(B * T);
  let numTokens = 0;
  rows.forEach((r, b) => {
    inputIds.set(r, b * T);
    attentionMask.fill(1, b * T, b * T + r.length);
    numTokens += r.length;
  });
  return { B, T, inputIds, attentionMask, numTokens };
}
