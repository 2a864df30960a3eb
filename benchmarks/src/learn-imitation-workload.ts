import type { Json, Problem, State } from '@o1lab/core';
import { createRng } from '@o1lab/core';
import {
  CharTokenizer,
  createTinyGptModel,
  initTfBackend,
  OrtPolicy,
  OrtRuntime,
  type PromptCompletion,
  type TinyGptModel,
} from '@o1lab/model';
import { type CountdownData, countdownTask, TRACE_ALPHABET } from '@o1lab/tasks';

/**
 * The workload of the learn-sft, -expert-iteration, -dpo and -search-distill suites: a randomly
 * initialised TinyGPT (2 layers, dModel 64, 4 heads, context 128, character vocabulary of the
 * task traces) on seeded countdown problems with their reference solutions; rollouts through ONNX
 * Runtime (`OrtPolicy`), updates in tfjs on the best backend present.
 */
export const IMITATION_MODEL = { nLayer: 2, nHead: 4, dModel: 64, context: 128 } as const;

export interface ImitationWorkload {
  readonly tfjsBackend: string;
  readonly tokenizer: CharTokenizer;
  readonly model: TinyGptModel;
  readonly runtime: OrtRuntime;
  readonly policy: OrtPolicy;
  readonly problems: readonly Problem<CountdownData>[];
  /** Prompt + reference solution of each problem (SFT data, chosen completions). */
  readonly pairs: readonly PromptCompletion[];
  readonly states: readonly State[];
  readonly description: Record<string, Json>;
  dispose(): Promise<void>;
}

export async function createImitationWorkload(
  numProblems: number,
  seed: number,
  valueHead = false,
): Promise<ImitationWorkload> {
  const backend = await initTfBackend({ log: () => {} });
  const tokenizer = new CharTokenizer(TRACE_ALPHABET);
  const model = createTinyGptModel({ vocabSize: tokenizer.vocabSize, ...IMITATION_MODEL, valueHead, seed });
  const runtime = await OrtRuntime.fromWeights(model.config, model.getWeights());
  const policy = new OrtPolicy(runtime, tokenizer, { seed });
  const rng = createRng(seed);
  const problems = Array.from({ length: numProblems }, () => countdownTask.generate(rng));
  const pairs = problems.map((p) => ({
    prompt: countdownTask.prompt(p),
    completion: (countdownTask.solve?.(p) ?? []).join('\n'),
  }));
  const states: State[] = problems.map((problem) => ({
    problem: problem as unknown as Problem<Json>,
    prompt: countdownTask.prompt(problem),
    steps: [],
  }));
  return {
    tfjsBackend: backend.name,
    tokenizer,
    model,
    runtime,
    policy,
    problems,
    pairs,
    states,
    description: {
      workload: 'countdown',
      numProblems,
      model: { ...IMITATION_MODEL, vocabSize: tokenizer.vocabSize, valueHead, weights: 'init' },
    },
    async dispose() {
      await runtime.dispose();
      model.dispose();
    },
  };
}
