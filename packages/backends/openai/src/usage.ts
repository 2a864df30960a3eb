import type { ComputeMeter } from '@o1lab/core';

/** The `usage` object of an OpenAI-compatible response (vLLM adds `prompt_tokens_details`). */
export interface Usage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null;
}

/**
 * Adds a response's `usage` to `meter`: `prompt_tokens - cached_tokens` to `prefillTokens`,
 * `prompt_tokens_details.cached_tokens` (vLLM with `--enable-prompt-tokens-details`, SGLang,
 * `o1lab serve`) to `cachedPrefillTokens`, `completion_tokens` to `generatedTokens`, and
 * `flopsPerToken` times the computed tokens to `flops`. Returns the prompt tokens read.
 */
export function meterUsage(meter: ComputeMeter, usage: Usage | undefined, flopsPerToken: number): number {
  const prompt = count(usage?.prompt_tokens);
  const cached = Math.min(prompt, count(usage?.prompt_tokens_details?.cached_tokens));
  const generated = count(usage?.completion_tokens);
  meter.add({
    prefillTokens: prompt - cached,
    cachedPrefillTokens: cached,
    generatedTokens: generated,
    flops: flopsPerToken * (prompt - cached + generated),
  });
  return prompt;
}

/** `usage.prompt_tokens`, or 0 when absent (what a reward model read). */
export function promptTokensOf(usage: Usage | undefined): number {
  return count(usage?.prompt_tokens);
}

function count(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0;
}
