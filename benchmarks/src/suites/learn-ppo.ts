import { createRng } from '@o1lab/core';
import { gae, ppoTokenRewards, ppoUpdate, resolvePpoConfig } from '@o1lab/learn-ppo';
import { createPolicyOptimizer, maskedWhiten, readPolicyForward } from '@o1lab/learn-rollout';
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

const NUM_PROMPTS = 64;
const MAX_COMPLETION_TOKENS = 32;
const NUM_PPO_EPOCHS = 4;

/**
 * `@o1lab/learn-ppo` on a random-init TinyGPT with a value head (dModel 128, 2 layers, context 128)
 * over 64 countdown prompts x 1 completion of up to 32 tokens, measured separately:
 * - `ppo/rollout`: sampling the 64 completions through ONNX Runtime, samples/s and tokens/s;
 * - `ppo/update`: one PPO update in tfjs: reference and value forwards, KL token rewards, GAE,
 *   whitening, then 4 epochs of policy + value forward/backward and AdamW; samples/s counts each
 *   rollout sample once (not once per epoch);
 * - `ppo/weight-sync`: tfjs -> ONNX Runtime weight sync, syncs/s.
 */
export const suite: BenchSuite = {
  name: 'learn',
  description:
    'learning algorithms on TinyGPT: rollout samples/s (ONNX Runtime), update samples/s (tfjs), weight sync',
  async run(ctx) {
    const w = await learnWorkload({
      numPrompts: NUM_PROMPTS,
      numGenerations: 1,
      maxCompletionTokens: MAX_COMPLETION_TOKENS,
      valueHead: true,
    });
    const config = resolvePpoConfig({
      numPrompts: NUM_PROMPTS,
      numPpoEpochs: NUM_PPO_EPOCHS,
      rollout: { numGenerations: 1, maxCompletionTokens: MAX_COMPLETION_TOKENS },
    });
    const ref = createTinyGptModel(w.model.config, w.model.getWeights());
    const optimizer = createPolicyOptimizer(w.model, config.optimizer);
    const rng = createRng(LEARN_SEED);
    const scores = w.rollouts.map(() => (rng.nextFloat() < 0.5 ? 1 : 0));
    const records: BenchRecord[] = [];
    try {
      records.push(...(await rolloutRecords('ppo', w, ctx)));
      records.push(
        await updateRecord(
          'ppo',
          w,
          ctx,
          { numPpoEpochs: NUM_PPO_EPOCHS, gaeLambda: config.gaeLambda },
          () => {
            const refLogprobs = readPolicyForward(ref, w.batch).logprobs;
            const oldValues = readPolicyForward(w.model, w.batch).values!;
            const rewards = ppoTokenRewards(w.batch, scores, refLogprobs, config.klCoef);
            const { advantages, returns } = gae(w.batch, rewards, oldValues, config.gamma, config.gaeLambda);
            const targets = {
              advantages: maskedWhiten(advantages, w.batch.completionMask),
              returns,
              oldValues,
            };
            return ppoUpdate(w.model, optimizer, w.batch, targets, config, rng).loss;
          },
        ),
      );
      records.push(await syncRecord('ppo', w, ctx));
    } finally {
      ref.dispose();
      await disposeWorkload(w);
    }
    return records;
  },
};
