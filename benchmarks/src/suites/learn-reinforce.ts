import { createRng } from '@o1lab/core';
import { reinforceUpdate, resolveReinforceConfig, rlooAdvantages } from '@o1lab/learn-reinforce';
import { createPolicyOptimizer, readPolicyForward, sequenceToTokens } from '@o1lab/learn-rollout';
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

const NUM_PROMPTS = 16;
const NUM_GENERATIONS = 4;
const MAX_COMPLETION_TOKENS = 32;

/**
 * `@o1lab/learn-reinforce` (RLOO, k = 4) on a random-init TinyGPT (dModel 128, 2 layers, context
 * 128) over 16 countdown prompts x 4 completions of up to 32 tokens, measured separately:
 * - `rloo/rollout`: sampling the 64 completions through ONNX Runtime, samples/s and tokens/s;
 * - `rloo/update`: one RLOO update in tfjs (reference forward for the KL-in-reward, leave-one-out
 *   advantages, policy forward + backward, AdamW), samples/s;
 * - `rloo/weight-sync`: tfjs -> ONNX Runtime weight sync, syncs/s.
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
    const config = resolveReinforceConfig({
      estimator: 'rloo',
      numPrompts: NUM_PROMPTS,
      rollout: { numGenerations: NUM_GENERATIONS, maxCompletionTokens: MAX_COMPLETION_TOKENS },
    });
    const ref = createTinyGptModel(w.model.config, w.model.getWeights());
    const optimizer = createPolicyOptimizer(w.model, config.optimizer);
    const rng = createRng(LEARN_SEED);
    const scores = w.rollouts.map(() => (rng.nextFloat() < 0.5 ? 1 : 0));
    const records: BenchRecord[] = [];
    try {
      records.push(...(await rolloutRecords('rloo', w, ctx)));
      records.push(
        await updateRecord('rloo', w, ctx, { estimator: 'rloo', klCoef: config.klCoef }, () => {
          // The reference forward and advantages are part of each update, as in reinforceTrain.
          const refLogprobs = readPolicyForward(ref, w.batch).logprobs;
          const rewards = scores.map((s, b) => {
            let kl = 0;
            const start = b * w.batch.T + w.batch.completionStart[b]!;
            for (let j = 0; j < w.batch.completionLength[b]!; j++) {
              kl += w.batch.oldLogprobs[start + j]! - refLogprobs[start + j]!;
            }
            return s - config.klCoef * kl;
          });
          const advantages = sequenceToTokens(w.batch, rlooAdvantages(rewards, NUM_GENERATIONS));
          return reinforceUpdate(w.model, optimizer, w.batch, advantages, config, rng).loss;
        }),
      );
      records.push(await syncRecord('rloo', w, ctx));
    } finally {
      ref.dispose();
      await disposeWorkload(w);
    }
    return records;
  },
};
