import type { Problem, Task } from '@o1lab/core';
import { CharTokenizer, createTinyGptModel, OrtPolicy, OrtRuntime, type TinyGptModel } from '@o1lab/model';

/** Toy task with a verifiable one-step answer: prompt `d>\n`... answer step `(d + 1) mod 10`. */
export const toyTokenizer = new CharTokenizer('0123456789>\n');

export function toyAnswer(d: number): string {
  return String((d + 1) % 10);
}

const parseAnswer = (text: string): string | null => {
  const line = text.trim().split('\n').at(-1)?.trim() ?? '';
  return /^\d$/.test(line) ? line : null;
};

/** Every step is a final answer: a one-step MDP whose reward the verifier knows. */
export const toyTask: Task<number> = {
  name: 'toy-successor',
  stepDelimiter: '\n',
  generate: (rng) => toyProblem(rng.int(10)),
  prompt: (p) => `${p.data}>\n`,
  parseAnswer,
  verify: (p, text) => {
    const answer = parseAnswer(text);
    return { correct: answer === toyAnswer(p.data), answer };
  },
};

export function toyProblem(d: number): Problem<number> {
  return { id: `toy-${d}`, task: toyTask.name, question: `${d}>`, data: d, answer: toyAnswer(d) };
}

export const toyProblems = Array.from({ length: 10 }, (_, d) => toyProblem(d));

export function createToyModel(seed = 1, valueHead = true): TinyGptModel {
  return createTinyGptModel({
    vocabSize: toyTokenizer.vocabSize,
    nLayer: 1,
    nHead: 2,
    dModel: 32,
    context: 16,
    valueHead,
    seed,
  });
}

export async function createToyPolicy(model: TinyGptModel): Promise<OrtPolicy> {
  const runtime = await OrtRuntime.fromWeights(model.config, model.getWeights(), { intraOpNumThreads: 1 });
  return new OrtPolicy(runtime, toyTokenizer);
}

/** Greedy first-step accuracy over the ten problems, sampled through ONNX Runtime. */
export async function toyGreedyAccuracy(policy: OrtPolicy): Promise<number> {
  const states = toyProblems.map((problem) => ({ problem, prompt: toyTask.prompt(problem), steps: [] }));
  const samples = await policy.sampleSteps(states, { maxTokens: 2, temperature: 0, stepDelimiter: '\n' });
  let correct = 0;
  samples.forEach((s, d) => {
    if (s[0]!.text === toyAnswer(d)) correct++;
  });
  return correct / 10;
}
