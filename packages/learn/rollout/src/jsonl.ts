import { invalid, readJsonlStrict, renderState, type Validator, writeJsonl } from '@o1lab/core';
import type { Rollout } from './rollout.js';

/** A scored completion in TRL's prompt/completion/reward shape (what OpenRLHF and TRL read). */
export interface PromptCompletionReward {
  readonly prompt: string;
  readonly completion: string;
  readonly reward: number;
}

/** Validates one `{ prompt, completion, reward }` record. */
export const promptCompletionRewardValidator: Validator<PromptCompletionReward> = (value) => {
  if (typeof value !== 'object' || value === null) return invalid('expected an object');
  const v = value as Record<string, unknown>;
  if (typeof v.prompt !== 'string') return invalid('`prompt` must be a string');
  if (typeof v.completion !== 'string') return invalid('`completion` must be a string');
  if (typeof v.reward !== 'number' || !Number.isFinite(v.reward))
    return invalid('`reward` must be a finite number');
  return { prompt: v.prompt, completion: v.completion, reward: v.reward };
};

/** Rollouts and their rewards as TRL records; the prompt is the rendered state (`stepDelimiter` '\n'). */
export function rolloutRecords(
  rollouts: readonly Rollout[],
  rewards: readonly number[],
  stepDelimiter = '\n',
): PromptCompletionReward[] {
  return rollouts.map((r, i) => ({
    prompt: renderState(r.state, stepDelimiter),
    completion: r.text,
    reward: rewards[i]!,
  }));
}

/** Writes scored rollouts as JSONL (`{ prompt, completion, reward }` per line). */
export async function writeRolloutsJsonl(
  path: string,
  rollouts: readonly Rollout[],
  rewards: readonly number[],
): Promise<void> {
  await writeJsonl(path, rolloutRecords(rollouts, rewards));
}

/** Reads `{ prompt, completion, reward }` JSONL; any bad line is a `PARSE_ERROR` naming it. */
export async function readRolloutsJsonl(path: string): Promise<PromptCompletionReward[]> {
  return readJsonlStrict(path, promptCompletionRewardValidator);
}
