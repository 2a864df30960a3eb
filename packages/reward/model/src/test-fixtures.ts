import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ComputeMeter,
  createRng,
  type Policy,
  type Sample,
  type SampleOptions,
  type State,
} from '@o1lab/core';

/** `/work/shared`-style folder beside the repository, or null when this clone has none. */
export function sharedDataDir(): string | null {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const dir = resolve(repoRoot, '..', 'shared', 'data');
  return existsSync(dir) ? dir : null;
}

/** A policy whose completions are scripted by a function of the prompt and sample index. */
export interface ScriptedPolicy extends Policy {
  readonly prompts: string[][];
}

export function createScriptedPolicy(
  reply: (prompt: string, j: number, rng: () => number) => string,
): ScriptedPolicy {
  const meter = new ComputeMeter();
  const prompts: string[][] = [];
  return {
    name: 'scripted',
    meter,
    prompts,
    async sampleSteps() {
      throw new Error('not used');
    },
    async sampleCompletions(states: readonly State[], options: SampleOptions): Promise<Sample[][]> {
      const n = options.n ?? 1;
      const rng = createRng(options.seed ?? 0);
      prompts.push(states.map((s) => s.prompt));
      let generated = 0;
      const out = states.map((s) =>
        Array.from({ length: n }, (_, j) => {
          const text = reply(s.prompt, j, () => rng.nextFloat());
          generated += text.length;
          return { text, tokenIds: [], tokenLogprobs: [], finishReason: 'eos' as const };
        }),
      );
      meter.add({ policyCalls: 1, samples: states.length * n, generatedTokens: generated });
      return out;
    },
  };
}
