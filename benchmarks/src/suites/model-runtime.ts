import { createRng, type Rng } from '@o1lab/core';
import {
  createOrtMatmulCalibration,
  type ExecutionProviderName,
  flopsPerToken,
  initTinyGptWeights,
  type OrtMatmulCalibration,
  OrtRuntime,
  type OrtRuntimeConfig,
  resolveTinyGptConfig,
  type TinyGptWeights,
} from '@o1lab/model';
import type { BenchContext, BenchRecord, BenchSuite, MeasureTask } from '../harness.js';
import { gpuSkipReason, isMeasured, measure, rescaleRecord, skippedRecord } from '../harness.js';

const SEED = 17;
/** The reference config of the model benchmarks. */
const MODEL = resolveTinyGptConfig({ vocabSize: 32, dModel: 128, nHead: 4, nLayer: 2, context: 64 });
/** Decode workload: prompts of 8 tokens continued to the full 64-position context. */
const PROMPT_TOKENS = 8;
const DECODE_TOKENS = MODEL.context - PROMPT_TOKENS;
const DECODE_BATCHES = [1, 8, 64] as const;
const PREFILL_BATCH = 64;
/** Prefix-cache workload (tree search): 16 children of one 48-token parent, 4 new tokens each. */
const PARENT_TOKENS = 48;
const NUM_CHILDREN = 16;
const CHILD_STEP_TOKENS = 4;
const CHILD_MAX_TOKENS = 8;
const CALIBRATION_N = 1024;

/**
 * ONNX Runtime side of `@o1lab/model` on the reference TinyGPT (vocab 32, dModel 128, 4 heads,
 * 2 layers, context 64): decode tokens/s at batch 1, 8 and 64, prefill tokens/s, a 1024x1024
 * float32 MatMul in the same ONNX Runtime as the in-run roofline that decode is reported against,
 * the prefix cache on a tree-search workload, and the cost of a weight sync (export + new session).
 */
export const suite: BenchSuite = {
  name: 'model',
  description:
    '@o1lab/model ONNX Runtime: decode/prefill tokens/s, MatMul roofline, prefix cache, weight sync',
  devices: ['cpu', 'gpu'],
  async run(ctx) {
    const ep: ExecutionProviderName = ctx.device === 'gpu' ? 'cuda' : 'cpu';
    const skip = gpuSkipReason(ctx, 'ort');
    const weights = initTinyGptWeights(MODEL);
    const budget = { timeMs: ctx.quick ? 300 : 3000, minIterations: ctx.quick ? 2 : 5 };
    if (skip !== undefined) return skippedRecords(skip);

    const records: BenchRecord[] = [];
    const calibration = await createOrtMatmulCalibration({ n: CALIBRATION_N, executionProvider: ep });
    const calibrationRecord = await matmulCalibration(calibration, ctx, budget);
    records.push(calibrationRecord);
    const roofline = { calibration, p50: isMeasured(calibrationRecord) ? calibrationRecord.p50 : undefined };
    for (const batch of DECODE_BATCHES) {
      records.push(...(await decode(weights, batch, { executionProvider: ep }, ctx, budget, roofline)));
    }
    records.push(
      ...(await decode(
        weights,
        64,
        { executionProvider: ep, decodeIntraOpNumThreads: 0 },
        ctx,
        budget,
        roofline,
      )),
    );
    await calibration.release();
    records.push(await prefill(weights, ep, ctx, budget));
    records.push(...(await prefixCache(weights, ep, ctx, budget)));
    records.push(await weightSync(weights, ep, ctx, budget));
    return records;
  },
};

type Budget = Pick<MeasureTask, 'timeMs' | 'minIterations'>;

/** GFLOP/s of one 1024x1024 float32 MatMul in ONNX Runtime with the runtime's session options. */
async function matmulCalibration(calibration: OrtMatmulCalibration, ctx: BenchContext, budget: Budget) {
  return measure(
    {
      name: 'ort/matmul-1024/calibration',
      unit: 'GFLOP/s',
      itemsPerIteration: calibration.flopsPerRun / 1e9,
      config: { n: calibration.n, dtype: 'float32' },
      seed: 1024,
      backend: { ort: calibration.executionProvider },
      fn: () => calibration.run(),
      ...budget,
    },
    ctx,
  );
}

/**
 * Generated tokens/s of `batch` rows from 8-token prompts to the 64-position context (56 sampled
 * tokens each, temperature 1, no stop), and the same run in GFLOP/s with its fraction of the
 * in-run MatMul roofline.
 */
async function decode(
  weights: TinyGptWeights,
  batch: number,
  options: Partial<OrtRuntimeConfig>,
  ctx: BenchContext,
  budget: Budget,
  roofline: { readonly calibration: OrtMatmulCalibration; readonly p50: number | undefined },
): Promise<BenchRecord[]> {
  const runtime = await OrtRuntime.fromWeights(MODEL, weights, { ...options, prefixCacheBytes: 0 });
  const rng = createRng(SEED);
  const prompts = Array.from({ length: batch }, () => randomPrompt(rng, PROMPT_TOKENS));
  let flops = 0;
  let calls = 0;
  const threads = options.decodeIntraOpNumThreads ?? 1;
  const suffix = threads === 1 ? '' : '-decode-all-cores';
  const record = await measure(
    {
      name: `ort/decode/b${batch}${suffix}`,
      unit: 'tokens/s',
      itemsPerIteration: batch * DECODE_TOKENS,
      config: workload({
        batch,
        promptTokens: PROMPT_TOKENS,
        maxTokens: DECODE_TOKENS,
        decodeIntraOpNumThreads: threads,
      }),
      seed: SEED,
      backend: { ort: runtime.executionProvider },
      fn: async () => {
        const rngs = prompts.map((_, i) => createRng(SEED, i));
        const out = await runtime.generate(prompts, { maxTokens: DECODE_TOKENS, rngs });
        flops += out.stats.flops;
        calls++;
        return out.sequences.length;
      },
      ...budget,
    },
    ctx,
  );
  // On a shared machine the load drifts between two records; pairs of (MatMul, decode) calls run
  // back to back give a fraction of the roofline that the drift affects less.
  const paired: number[] = [];
  for (let i = 0; i < (ctx.quick ? 3 : 9); i++) {
    let t0 = performance.now();
    for (let j = 0; j < 3; j++) await roofline.calibration.run();
    const matmulGflops = (3 * roofline.calibration.flopsPerRun) / (performance.now() - t0) / 1e6;
    t0 = performance.now();
    const out = await runtime.generate(prompts, {
      maxTokens: DECODE_TOKENS,
      rngs: prompts.map((_, r) => createRng(SEED, r)),
    });
    paired.push(out.stats.flops / (performance.now() - t0) / 1e6 / matmulGflops);
  }
  await runtime.dispose();
  if (!isMeasured(record)) return [record];
  // Mean model FLOPs per generated token over the run (attended length grows from 9 to 64).
  const flopsPerGenerated = flops / calls / (batch * DECODE_TOKENS);
  const gflops = rescaleRecord(
    record,
    `ort/decode/b${batch}${suffix}/gflops`,
    'GFLOP/s',
    flopsPerGenerated / 1e9,
  );
  const fraction =
    roofline.p50 === undefined || !isMeasured(gflops) ? undefined : round(gflops.p50 / roofline.p50, 3);
  return [
    record,
    {
      ...gflops,
      config: {
        ...(record.config as Record<string, never>),
        flopsPerToken: Math.round(flopsPerGenerated),
        matmulRooflineGflops: roofline.p50 === undefined ? null : round(roofline.p50, 1),
        fractionOfRoofline: fraction ?? null,
        fractionOfRooflinePairedMedian: round(median(paired), 3),
      },
    },
  ];
}

/** Prompt tokens/s of a 64 x 64-token prefill (prefix cache off): the logits of every position. */
async function prefill(
  weights: TinyGptWeights,
  ep: ExecutionProviderName,
  ctx: BenchContext,
  budget: Budget,
) {
  const runtime = await OrtRuntime.fromWeights(MODEL, weights, {
    executionProvider: ep,
    prefixCacheBytes: 0,
  });
  const rng = createRng(SEED + 1);
  const sequences = Array.from({ length: PREFILL_BATCH }, () => randomPrompt(rng, MODEL.context));
  const record = await measure(
    {
      name: `ort/prefill/b${PREFILL_BATCH}`,
      unit: 'tokens/s',
      itemsPerIteration: PREFILL_BATCH * MODEL.context,
      config: workload({ batch: PREFILL_BATCH, promptTokens: MODEL.context }),
      seed: SEED + 1,
      backend: { ort: runtime.executionProvider },
      fn: async () => (await runtime.forward(sequences)).rows.length,
      ...budget,
    },
    ctx,
  );
  await runtime.dispose();
  return record;
}

/**
 * Tree-search expansion: a 48-token parent is expanded once, then 16 children (parent + a 4-token
 * step) are continued by up to 8 tokens. Children/s with the prefix cache and without it; the
 * computed and cached prefill tokens of one round are in the config.
 */
async function prefixCache(
  weights: TinyGptWeights,
  ep: ExecutionProviderName,
  ctx: BenchContext,
  budget: Budget,
) {
  const rng = createRng(SEED + 2);
  const parent = randomPrompt(rng, PARENT_TOKENS);
  const children = Array.from({ length: NUM_CHILDREN }, () => [
    ...parent,
    ...Array.from({ length: CHILD_STEP_TOKENS }, () => 3 + rng.int(MODEL.vocabSize - 3)),
  ]);
  const records: BenchRecord[] = [];
  for (const cached of [true, false]) {
    const runtime = await OrtRuntime.fromWeights(MODEL, weights, {
      executionProvider: ep,
      prefixCacheBytes: cached ? 64 * 1024 * 1024 : 0,
    });
    const round = async () => {
      runtime.clearPrefixCache();
      const a = await runtime.generate([parent], { maxTokens: 1, rngs: [createRng(SEED)] });
      const b = await runtime.generate(children, {
        maxTokens: CHILD_MAX_TOKENS,
        rngs: children.map((_, i) => createRng(SEED, i)),
      });
      return {
        computed: a.stats.prefillTokens + b.stats.prefillTokens,
        cachedTokens: a.stats.cachedPrefillTokens + b.stats.cachedPrefillTokens,
      };
    };
    const counts = await round();
    records.push(
      await measure(
        {
          name: `ort/prefix-cache/${cached ? 'on' : 'off'}`,
          unit: 'children/s',
          itemsPerIteration: NUM_CHILDREN,
          config: workload({
            parentTokens: PARENT_TOKENS,
            numChildren: NUM_CHILDREN,
            childStepTokens: CHILD_STEP_TOKENS,
            childMaxTokens: CHILD_MAX_TOKENS,
            prefixCache: cached,
            computedPrefillTokens: counts.computed,
            cachedPrefillTokens: counts.cachedTokens,
          }),
          seed: SEED + 2,
          backend: { ort: runtime.executionProvider },
          fn: async () => (await round()).computed,
          ...budget,
        },
        ctx,
      ),
    );
    await runtime.dispose();
  }
  return records;
}

/** Weight syncs/s: export the weights to ONNX and open a new session (after a tfjs update). */
async function weightSync(
  weights: TinyGptWeights,
  ep: ExecutionProviderName,
  ctx: BenchContext,
  budget: Budget,
) {
  const runtime = await OrtRuntime.fromWeights(MODEL, weights, { executionProvider: ep });
  let exportMs = 0;
  let sessionMs = 0;
  let calls = 0;
  const record = await measure(
    {
      name: 'ort/weight-sync',
      unit: 'syncs/s',
      itemsPerIteration: 1,
      config: workload({ parameters: [...weights.values()].reduce((n, w) => n + w.length, 0) }),
      seed: MODEL.seed,
      backend: { ort: runtime.executionProvider },
      fn: async () => {
        const cost = await runtime.updateWeights(weights);
        exportMs += cost.exportMs;
        sessionMs += cost.sessionMs;
        calls++;
        return cost.sessionMs;
      },
      ...budget,
    },
    ctx,
  );
  await runtime.dispose();
  return {
    ...record,
    config: {
      ...(record.config as Record<string, never>),
      meanExportMs: round(exportMs / calls, 2),
      meanSessionMs: round(sessionMs / calls, 2),
    },
  };
}

function skippedRecords(reason: string): BenchRecord[] {
  const base = { seed: SEED, backend: { ort: 'cuda' }, config: workload({}) };
  const names: [string, string][] = [
    ['ort/matmul-1024/calibration', 'GFLOP/s'],
    ...DECODE_BATCHES.map((b): [string, string] => [`ort/decode/b${b}`, 'tokens/s']),
    [`ort/prefill/b${PREFILL_BATCH}`, 'tokens/s'],
    ['ort/prefix-cache/on', 'children/s'],
    ['ort/weight-sync', 'syncs/s'],
  ];
  return names.map(([name, unit]) => skippedRecord({ ...base, name, unit }, reason));
}

function workload(extra: Record<string, number | boolean | string>) {
  const { vocabSize, dModel, nHead, nLayer, context, dFF } = MODEL;
  return {
    model: { vocabSize, dModel, nHead, nLayer, context, dFF },
    flopsPerTokenAtContext: flopsPerToken(MODEL),
    ...extra,
  };
}

function randomPrompt(rng: Rng, length: number): number[] {
  return [1, ...Array.from({ length: length - 1 }, () => 3 + rng.int(MODEL.vocabSize - 3))];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
