import { createRng, type Rng } from '@o1lab/core';
import {
  createTinyGptModel,
  createTrainer,
  greedyDecode,
  resolveTinyGptConfig,
  selectBackend,
  TF_BACKEND_ORDER,
  type TfBackendName,
  type TrainBatch,
} from '@o1lab/model';
import type { BenchContext, BenchRecord, BenchSuite, MeasureTask } from '../harness.js';
import { gpuSkipReason, measure, rescaleRecord, skippedRecord } from '../harness.js';

const SEED = 29;
/** The reference config of the model benchmarks (vocab 32, dModel 128, 4 heads, 2 layers, context 64). */
const MODEL = resolveTinyGptConfig({ vocabSize: 32, dModel: 128, nHead: 4, nLayer: 2, context: 64 });
const TRAIN_BATCH = 32;
/** Same decode and prefill workloads as the ONNX Runtime side (model-runtime.ts). */
const PROMPT_TOKENS = 8;
const DECODE_TOKENS = MODEL.context - PROMPT_TOKENS;
const DECODE_BATCHES = [1, 8, 64] as const;
const PREFILL_BATCH = 64;

/**
 * tfjs side of `@o1lab/model` on the reference TinyGPT, on every tfjs backend present: one AdamW
 * training step on a [32, 64] batch (steps/s and tokens/s), prefill tokens/s of a [64, 64] batch,
 * and KV-cached greedy decode tokens/s at batch 1, 8 and 64 (8-token prompts to the full context).
 * A backend that cannot run is recorded as skipped, with the reason.
 */
export const suite: BenchSuite = {
  name: 'model',
  description: '@o1lab/model tfjs: AdamW train step, prefill and decode tokens/s on each tfjs backend',
  devices: ['cpu', 'gpu'],
  async run(ctx) {
    const records: BenchRecord[] = [];
    const backends: readonly TfBackendName[] = ctx.device === 'gpu' ? ['tensorflow-gpu'] : TF_BACKEND_ORDER;
    for (const name of backends) {
      const skip = ctx.device === 'gpu' ? gpuSkipReason(ctx, 'tfjs') : undefined;
      let reason = skip;
      if (reason === undefined) {
        try {
          await selectBackend(name, { log: () => {} });
        } catch (error) {
          reason = (error as Error).message;
        }
      }
      if (reason !== undefined) {
        records.push(...skippedAll(name, reason));
        continue;
      }
      records.push(...(await runBackend(name, ctx)));
    }
    return records;
  },
};

type Budget = Pick<MeasureTask, 'timeMs' | 'minIterations'>;

/** Plain JavaScript kernels take seconds per training step: time fewer calls there. */
function budgetFor(backend: TfBackendName, ctx: BenchContext): Budget {
  if (backend === 'cpu') return { timeMs: 1, minIterations: ctx.quick ? 1 : 3 };
  return { timeMs: ctx.quick ? 300 : 3000, minIterations: ctx.quick ? 2 : 5 };
}

async function runBackend(backend: TfBackendName, ctx: BenchContext): Promise<BenchRecord[]> {
  const tag = { tfjs: backend };
  const budget = budgetFor(backend, ctx);
  const records: BenchRecord[] = [];
  const rng = createRng(SEED);
  const model = createTinyGptModel(MODEL);
  const trainer = createTrainer(model, { batchSize: TRAIN_BATCH, seed: SEED });
  const batch = randomBatch(rng, TRAIN_BATCH, MODEL.context);
  const step = await measure(
    {
      name: `tfjs/${backend}/train-step/b${TRAIN_BATCH}`,
      unit: 'steps/s',
      itemsPerIteration: 1,
      config: workload({ batch: TRAIN_BATCH, tokens: MODEL.context, optimizer: 'adamw' }),
      seed: SEED,
      backend: tag,
      fn: () => trainer.step(batch).loss,
      ...budget,
    },
    ctx,
  );
  records.push(
    step,
    rescaleRecord(
      step,
      `tfjs/${backend}/train-step/b${TRAIN_BATCH}/tokens`,
      'tokens/s',
      TRAIN_BATCH * MODEL.context,
    ),
  );

  const prefillIds = randomBatch(rng, PREFILL_BATCH, MODEL.context).inputIds;
  records.push(
    await measure(
      {
        name: `tfjs/${backend}/prefill/b${PREFILL_BATCH}`,
        unit: 'tokens/s',
        itemsPerIteration: PREFILL_BATCH * MODEL.context,
        config: workload({ batch: PREFILL_BATCH, promptTokens: MODEL.context }),
        seed: SEED,
        backend: tag,
        fn: () => model.forward(prefillIds, { batchSize: PREFILL_BATCH }).logits[0],
        ...budget,
      },
      ctx,
    ),
  );

  for (const b of DECODE_BATCHES) {
    const prompts = Array.from({ length: b }, () => randomPrompt(rng, PROMPT_TOKENS));
    records.push(
      await measure(
        {
          name: `tfjs/${backend}/decode/b${b}`,
          unit: 'tokens/s',
          itemsPerIteration: b * DECODE_TOKENS,
          config: workload({
            batch: b,
            promptTokens: PROMPT_TOKENS,
            maxTokens: DECODE_TOKENS,
            kvCache: true,
          }),
          seed: SEED,
          backend: tag,
          // No EOS stop (eosId -1): every row generates exactly DECODE_TOKENS tokens.
          fn: () => greedyDecode(model, prompts, { maxNewTokens: DECODE_TOKENS, eosId: -1 }).length,
          ...budget,
        },
        ctx,
      ),
    );
  }
  trainer.dispose();
  model.dispose();
  return records;
}

function skippedAll(backend: TfBackendName, reason: string): BenchRecord[] {
  const tag = { tfjs: backend };
  const names: [string, string, Record<string, number | string | boolean>][] = [
    [`tfjs/${backend}/train-step/b${TRAIN_BATCH}`, 'steps/s', { batch: TRAIN_BATCH, tokens: MODEL.context }],
    [
      `tfjs/${backend}/prefill/b${PREFILL_BATCH}`,
      'tokens/s',
      { batch: PREFILL_BATCH, promptTokens: MODEL.context },
    ],
    ...DECODE_BATCHES.map(
      (b) =>
        [`tfjs/${backend}/decode/b${b}`, 'tokens/s', { batch: b, promptTokens: PROMPT_TOKENS }] as [
          string,
          string,
          Record<string, number>,
        ],
    ),
  ];
  return names.map(([name, unit, extra]) =>
    skippedRecord({ name, unit, config: workload(extra), seed: SEED, backend: tag }, reason),
  );
}

function workload(extra: Record<string, number | string | boolean>) {
  return {
    model: {
      vocabSize: MODEL.vocabSize,
      dModel: MODEL.dModel,
      nHead: MODEL.nHead,
      nLayer: MODEL.nLayer,
      context: MODEL.context,
    },
    ...extra,
  };
}

function randomBatch(rng: Rng, B: number, T: number): TrainBatch {
  const inputIds = Int32Array.from({ length: B * T }, () => 3 + rng.int(MODEL.vocabSize - 3));
  const targets = Int32Array.from({ length: B * T }, () => 3 + rng.int(MODEL.vocabSize - 3));
  return { B, T, inputIds, targets };
}

function randomPrompt(rng: Rng, length: number): number[] {
  return [1, ...Array.from({ length: length - 1 }, () => 3 + rng.int(MODEL.vocabSize - 3))];
}
