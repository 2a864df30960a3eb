import {
  OrtPolicy,
  type OrtPolicyConfig,
  OrtRuntime,
  type OrtRuntimeConfig,
  type TinyGptModel,
  type Tokenizer,
} from '@o1lab/model';

/** An ONNX Runtime sampler of a tfjs model's current weights. */
export interface Sampler {
  readonly runtime: OrtRuntime;
  readonly policy: OrtPolicy;
}

/**
 * Exports `model`'s current weights to ONNX Runtime and wraps the runtime in an `OrtPolicy`: the
 * rollout side of a learner, kept current with {@link syncWeights}.
 */
export async function createSampler(
  model: TinyGptModel,
  tokenizer: Tokenizer,
  options: { readonly runtime?: Partial<OrtRuntimeConfig>; readonly policy?: Partial<OrtPolicyConfig> } = {},
): Promise<Sampler> {
  const runtime = await OrtRuntime.fromWeights(model.config, model.getWeights(), options.runtime ?? {});
  return { runtime, policy: new OrtPolicy(runtime, tokenizer, options.policy ?? {}) };
}

/** Cost of one weight sync from tfjs to ONNX Runtime. */
export interface WeightSyncStats {
  /** Reading the tfjs variables. */
  readonly readMs: number;
  /** ONNX export of the new weights. */
  readonly exportMs: number;
  /** Creating the new ONNX Runtime sessions. */
  readonly sessionMs: number;
  readonly totalMs: number;
}

/**
 * Copies the trained weights into the runtime that samples rollouts: reads the tfjs variables,
 * re-exports ONNX and rebuilds the sessions (`OrtRuntime.updateWeights`, which also clears the
 * prefix cache). Waits for rollouts already queued on the runtime.
 */
export async function syncWeights(model: TinyGptModel, runtime: OrtRuntime): Promise<WeightSyncStats> {
  const t0 = performance.now();
  const weights = model.getWeights();
  const readMs = performance.now() - t0;
  const { exportMs, sessionMs } = await runtime.updateWeights(weights);
  return { readMs, exportMs, sessionMs, totalMs: performance.now() - t0 };
}
