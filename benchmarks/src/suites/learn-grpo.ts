import { createRng } from '@o1lab/core';
import { grpoAdvantages, grpoUpdate, resolveGrpoConfig } from '@o1lab/learn-grpo';
import { createPolicyOptimizer, sequenceToTokens } from '@o1lab/learn-rollout';
import { createTinyGptModel } from '@o1lab/model';
import type { BenchRecord, BenchSuite } from '../harness.js';
import {
  disposeWorkload,
  LEARN_SEED,
  learnWorkload,
  rolloutRecords,
  syncRecord,
  updateRecord,
} from '../learn-workload.js';

const NUM_PROMPTS = 8;
const NUM_GENERATIONS = 8;
const MAX_COMPLETION_TOKENS = 32;

/**
 * `@o1lab/learn-grpo` on a random-init TinyGPT (dModel 128, 2 layers, context 128) over 8 countdown
 * prompts x G 8 completions of up to 32 tokens, measured separately:
 * - `grpo/rollout`: sampling the 64 completions through ONNX Runtime (`OrtPolicy`), samples/s and tokens/s;
 * - `grpo/update`: one GRPO update of the 64-sample batch in tfjs (reference forward for the k3 KL,
 *   policy forward + backward, AdamW), samples/s;
 * - `grpo/weight-sync`: tfjs -> ONNX Runtime weight sync after an update, syncs/s.
 */
export const suite: BenchSuite = {
  name: 'learn',
  description:
    'learning algorithms on TinyGPT: rollout samples/s (ONNX Runtime), update samples/s (tfjs), weight sync',
  async run(ctx) {
    const w = await learnWorkload({
      numPrompts: NUM_PROMPTS,
      numGenerations: NUM_GENERATIONS,
      maxCompletionTokens: MAX_COMPLETION_TOKENS,
    });
    const config = resolveGrpoConfig({
      numPrompts: NUM_PROMPTS,
      rollout: { numGenerations: NUM_GENERATIONS, maxCompletionTokens: MAX_COMPLETION_TOKENS },
    });
    const ref = createTinyGptModel(w.model.config, w.model.getWeights());
    const optimizer = createPolicyOptimizer(w.model, config.optimizer);
    const rng = createRng(LEARN_SEED);
    // Rewards of the fixed batch: a seeded half of the completions count as correct.
    const rewards = w.rollouts.map(() => (rng.nextFloat() < 0.5 ? 1 : 0));
    const advantages = sequenceToTokens(w.batch, grpoAdvantages(rewards, NUM_GENERATIONS));
    const records: BenchRecord[] = [];
    try {
      records.push(...(await rolloutRecords('grpo', w, ctx)));
      records.push(
        await updateRecord(
          'grpo',
          w,
          ctx,
          { beta: config.beta, numIterations: config.numIterations, lossAggregation: config.lossAggregation },
          () => grpoUpdate(w.model, optimizer, w.batch, advantages, ref, config, rng).loss,
        ),
      );
      records.push(await syncRecord('grpo', w, ctx));
    } finally {
      ref.dispose();
      await disposeWorkload(w);
    }
    return records;
  },
};
