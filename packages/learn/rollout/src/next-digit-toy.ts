// The next-digit toy of the learning tests: prompt `d>`, answer (d + 1) mod 10. Small enough that a
// 1-layer TinyGPT learns it in seconds, so imitation, preference and distillation tests can assert
// that accuracy rises rather than merely changes.
import { createRng } from '@o1lab/core';
import {
  CharTokenizer,
  createTinyGptModel,
  OrtPolicy,
  OrtRuntime,
  type PromptCompletion,
  type TinyGptModel,
} from '@o1lab/model';

/** Toy task with a verifiable answer: prompt `d>`, answer the next digit (d + 1) mod 10. */
export const toyTokenizer = new CharTokenizer('0123456789>');

export function toyPrompt(d: number): string {
  return `${d}>`;
}

export function toyAnswer(d: number): string {
  return String((d + 1) % 10);
}

export function toyPairs(): PromptCompletion[] {
  return Array.from({ length: 10 }, (_, d) => ({ prompt: toyPrompt(d), completion: toyAnswer(d) }));
}

export function createToyModel(seed = 1): TinyGptModel {
  return createTinyGptModel({
    vocabSize: toyTokenizer.vocabSize,
    nLayer: 1,
    nHead: 2,
    dModel: 32,
    context: 8,
    seed,
  });
}

export async function createToyPolicy(model: TinyGptModel): Promise<OrtPolicy> {
  const runtime = await OrtRuntime.fromWeights(model.config, model.getWeights(), { intraOpNumThreads: 1 });
  return new OrtPolicy(runtime, toyTokenizer);
}

/** Greedy one-token accuracy over the ten prompts, sampled through ONNX Runtime. */
export async function toyGreedyAccuracy(policy: OrtPolicy): Promise<number> {
  const states = Array.from({ length: 10 }, (_, d) => ({
    problem: { id: `toy-${d}`, task: 'toy', question: toyPrompt(d), data: d },
    prompt: toyPrompt(d),
    steps: [],
  }));
  const samples = await policy.sampleCompletions(states, { maxTokens: 1, temperature: 0 });
  let correct = 0;
  samples.forEach((s, d) => {
    if (s[0]!.text === toyAnswer(d)) correct++;
  });
  return correct / 10;
}

export const toyRng = () => createRng(7);
