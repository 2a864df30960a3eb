import { ComputeMeter, type RewardModel, renderState, type State } from '@o1lab/core';
import { type OpenAIEndpoint, type OpenAIRewardConfig, resolveOpenAIRewardConfig } from './config.js';
import { OpenAIBackendError, OpenAIHttpClient, type OpenAIRequestStats } from './http.js';
import type { CompletionResponse } from './policy.js';
import { promptTokensOf } from './usage.js';

/**
 * A reward model served on the completions API as a generative verifier: the solution (or each step
 * prefix, for process rewards) is rendered, `labelPrompt` appended, and one token is read with
 * `max_tokens: 1, temperature: 0, logprobs: topLogprobs`. The score is
 * p(positiveLabel) / (p(positiveLabel) + p(negativeLabel)) from that position's top alternatives —
 * the Math-Shepherd PRM shape ('+' / '-' after each step) and that of "Yes"/"No" LLM judges.
 * Alternatives are matched after trimming whitespace (so ' +' counts as '+'). A label not among the
 * alternatives counts as probability 0; when neither is, the score is 0.5.
 */
export class OpenAIRewardModel implements RewardModel {
  readonly name: string;
  readonly meter = new ComputeMeter();
  readonly config: OpenAIRewardConfig;
  private readonly http: OpenAIHttpClient;

  constructor(
    readonly endpoint: OpenAIEndpoint,
    options: Partial<OpenAIRewardConfig> = {},
  ) {
    this.config = resolveOpenAIRewardConfig(options);
    this.http = new OpenAIHttpClient(endpoint, this.config);
    this.name = this.config.name;
  }

  requestStats(): OpenAIRequestStats {
    return this.http.stats();
  }

  /** One score per state: the label probability after the whole rendered solution. */
  async scoreOutcome(states: readonly State[]): Promise<number[]> {
    return this.score(states.map((s) => renderState(s, this.config.stepDelimiter) + this.config.labelPrompt));
  }

  /** Per state, one score per step: the label probability after each step prefix. */
  async scoreSteps(states: readonly State[]): Promise<number[][]> {
    const prompts: string[] = [];
    for (const state of states) {
      let text = state.prompt;
      for (const step of state.steps) {
        text += step.text + this.config.stepDelimiter;
        prompts.push(text + this.config.labelPrompt);
      }
    }
    const flat = await this.score(prompts);
    let at = 0;
    return states.map((s) => {
      const out = flat.slice(at, at + s.steps.length);
      at += s.steps.length;
      return out;
    });
  }

  private async score(prompts: readonly string[]): Promise<number[]> {
    const start = performance.now();
    const scores = new Array<number>(prompts.length).fill(0.5);
    const per = this.config.promptsPerRequest;
    const requests: Promise<void>[] = [];
    let failure: OpenAIBackendError | undefined;
    let tokens = 0;
    for (let first = 0; first < prompts.length; first += per) {
      const chunk = prompts.slice(first, first + per);
      requests.push(
        (async () => {
          try {
            const json = (await this.http.post('/completions', {
              prompt: chunk.length === 1 ? chunk[0]! : chunk,
              max_tokens: 1,
              temperature: 0,
              logprobs: this.config.topLogprobs,
              seed: 0,
            })) as CompletionResponse;
            const choices = [...(json.choices ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
            if (choices.length !== chunk.length) {
              throw new OpenAIBackendError(
                `the response has ${choices.length} choices, expected ${chunk.length}`,
                {
                  url: this.http.endpoint.baseUrl,
                  failure: 'response',
                  attempts: 1,
                },
              );
            }
            tokens += promptTokensOf(json.usage);
            for (const [k, choice] of choices.entries()) {
              const top = (
                choice.logprobs as { top_logprobs?: (Record<string, number> | null)[] } | null | undefined
              )?.top_logprobs?.[0];
              scores[first + k] = labelScore(top ?? {}, this.config.positiveLabel, this.config.negativeLabel);
            }
          } catch (error) {
            failure ??= error as OpenAIBackendError;
          }
        })(),
      );
    }
    await Promise.all(requests);
    this.meter.add({ rewardCalls: 1, rewardTokens: tokens, wallTimeMs: performance.now() - start });
    if (failure !== undefined) throw failure;
    return scores;
  }
}

/** p(positive) / (p(positive) + p(negative)) from one position's top alternatives (0.5 when neither appears). */
export function labelScore(
  top: Readonly<Record<string, number>>,
  positive: string,
  negative: string,
): number {
  let pos = 0;
  let neg = 0;
  for (const [token, logprob] of Object.entries(top)) {
    const t = token.trim();
    if (t === positive.trim()) pos += Math.exp(logprob);
    else if (t === negative.trim()) neg += Math.exp(logprob);
  }
  return pos + neg > 0 ? pos / (pos + neg) : 0.5;
}
