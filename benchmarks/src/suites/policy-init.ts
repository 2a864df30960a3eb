import { createRng, type Problem, type Task } from '@o1lab/core';
import { buildSftBatch, CharTokenizer, createTinyGptModel, createTrainer, initTfBackend } from '@o1lab/model';
import {
  REFERENCE_RECIPES,
  resolveRecipeConfig,
  synthesizeCorpus,
  synthesizeTrace,
} from '@o1lab/policy-init';
import { getTask, TRACE_ALPHABET } from '@o1lab/tasks';
import type { BenchRecord, BenchSuite } from '../harness.js';
import { measure } from '../harness.js';

const SEED = 31;
const TRACES_PER_CALL = 20;
const NUM_PROBLEMS = 200;
/** Every behaviour switched on at its synthesis default (analysis 0.5, ..., backtracking 0.2). */
const SYNTHESIS = { maxLength: 254 };

/**
 * `@o1lab/policy-init`: behaviour-trace synthesis (traces/s per task, default behaviour switches,
 * 20 traces per call over 200 seeded problems) and one SFT optimizer step of the countdown reference
 * recipe's TinyGPT (dModel 64, 2 layers, context 80, batch 16) in tfjs on the best backend present
 * (real prompt + completion tokens/s; the backend is recorded).
 */
export const suite: BenchSuite = {
  name: 'policy-init',
  description: '@o1lab/policy-init: trace synthesis traces/s, SFT training tokens/s (tfjs)',
  async run(ctx) {
    const records: BenchRecord[] = [];
    const budget = { timeMs: ctx.quick ? 300 : 2000, minIterations: ctx.quick ? 2 : 5 };

    // Synthesis
    for (const name of ['countdown', 'arithmetic', 'game24'] as const) {
      const task = getTask(name) as Task;
      const rng = createRng(SEED);
      const problems: Problem[] = Array.from({ length: NUM_PROBLEMS }, () => task.generate(rng));
      let next = 0;
      records.push(
        await measure(
          {
            name: `synthesis/${name}`,
            unit: 'traces/s',
            itemsPerIteration: TRACES_PER_CALL,
            config: { tracesPerCall: TRACES_PER_CALL, numProblems: NUM_PROBLEMS, synthesis: SYNTHESIS },
            seed: SEED,
            backend: 'js',
            fn: () => {
              const draw = createRng(SEED + next);
              let chars = 0;
              for (let i = 0; i < TRACES_PER_CALL; i++) {
                const trace = synthesizeTrace(task, problems[next++ % NUM_PROBLEMS]!, draw, SYNTHESIS);
                chars += trace?.completion.length ?? 0;
              }
              return chars;
            },
            ...budget,
          },
          ctx,
        ),
      );
    }

    // SFT step
    const backend = await initTfBackend({ log: () => {} });
    const recipe = resolveRecipeConfig(REFERENCE_RECIPES.countdown);
    const tokenizer = new CharTokenizer(TRACE_ALPHABET);
    const model = createTinyGptModel({
      vocabSize: tokenizer.vocabSize,
      ...recipe.model,
      seed: SEED,
    });
    const trainer = createTrainer(model, { batchSize: recipe.batchSize, seed: SEED });
    const corpus = synthesizeCorpus(getTask('countdown') as Task, recipe.batchSize, {
      generateOptions: recipe.generateOptions,
      synthesis: { ...recipe.synthesis, seed: SEED },
    });
    const batch = buildSftBatch(tokenizer, corpus, { context: recipe.model.context });
    let tokens = 0;
    for (const m of batch.attentionMask!) tokens += m;
    records.push(
      await measure(
        {
          name: 'sft/countdown-reference',
          unit: 'tokens/s',
          itemsPerIteration: tokens,
          config: {
            model: {
              dModel: recipe.model.dModel,
              nLayer: recipe.model.nLayer,
              nHead: recipe.model.nHead,
              context: recipe.model.context,
            },
            batchSize: recipe.batchSize,
            paddedLength: batch.T,
            realTokens: tokens,
          },
          seed: SEED,
          backend: { tfjs: backend.name },
          fn: () => trainer.step(batch).loss,
          timeMs: ctx.quick ? 1000 : 5000,
          minIterations: ctx.quick ? 2 : 5,
        },
        ctx,
      ),
    );
    trainer.dispose();
    model.dispose();
    return records;
  },
};
