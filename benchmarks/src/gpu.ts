import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BenchContext } from './harness.js';

/** What the GPU lane can use on this machine. */
export interface GpuInfo {
  /** onnxruntime-node was installed with its CUDA execution provider and an NVIDIA driver is loaded. */
  readonly ort: boolean;
  /** `@tensorflow/tfjs-node-gpu` imports. */
  readonly tfjs: boolean;
  /** One line for people: what was found, or what is missing. */
  readonly summary: string;
}

/** The skip reason every GPU-lane benchmark records when its engine has no GPU here. */
export const NO_GPU_BACKEND = 'no GPU backend';

/**
 * Looks for the GPU engines: the ORT CUDA provider library beside the onnxruntime-node binding (it is
 * only there after `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`), a loaded NVIDIA driver, and then a real
 * session on the CUDA execution provider (which also needs the CUDA and cuDNN libraries); and an
 * importable tfjs-node-gpu. Never throws.
 */
export async function detectGpu(from: string = process.cwd()): Promise<GpuInfo> {
  const require = createRequire(join(from, 'noop.js'));
  const driver = existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidiactl');
  let ortLib: string | undefined;
  try {
    const pkg = require.resolve('onnxruntime-node/package.json');
    const bin = join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
    const name =
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    if (existsSync(join(bin, name))) ortLib = join(bin, name);
  } catch {
    ortLib = undefined;
  }
  let ortSummary: string;
  let ort = false;
  if (ortLib === undefined) {
    ortSummary = 'no onnxruntime-node CUDA EP';
  } else if (!driver) {
    ortSummary = 'ORT CUDA EP installed but no NVIDIA driver';
  } else {
    const probe = await probeOrtSession('cuda', from);
    ort = probe.ok;
    ortSummary = probe.ok ? 'onnxruntime-node CUDA EP' : `ORT CUDA EP fails to start (${probe.reason})`;
  }
  let tfjs = false;
  try {
    await import(require.resolve('@tensorflow/tfjs-node-gpu'));
    tfjs = true;
  } catch {
    tfjs = false;
  }
  return { ort, tfjs, summary: `${ortSummary}, ${tfjs ? 'tfjs-node-gpu' : 'no tfjs-node-gpu'}` };
}

/**
 * Creates an onnxruntime-node session on execution provider `ep` for a one-node Identity model and
 * runs it once: the cheapest proof that the provider really works here.
 */
export async function probeOrtSession(
  ep: string,
  from: string = process.cwd(),
): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const require = createRequire(join(from, 'noop.js'));
    const ort = (await import(require.resolve('onnxruntime-node'))) as OrtModule;
    const session = await ort.InferenceSession.create(IDENTITY_MODEL, { executionProviders: [ep] });
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([3.5]), [1]) });
    const y = out.y?.data[0];
    return y === 3.5 ? { ok: true } : { ok: false, reason: `identity model returned ${String(y)}` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: message.split('\n')[0]!.slice(0, 160) };
  }
}

/** The slice of onnxruntime-node the probe uses (it is not a dependency of this workspace). */
interface OrtModule {
  InferenceSession: {
    create(
      model: Uint8Array,
      options: { executionProviders: string[] },
    ): Promise<{ run(feeds: Record<string, unknown>): Promise<Record<string, { data: ArrayLike<number> }>> }>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}

/**
 * ONNX ModelProto (IR 7, opset 13) of one Identity node, x -> y, both float32 [1], encoded by hand
 * so that the probe needs no model file.
 */
const IDENTITY_MODEL = ((): Uint8Array => {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    while (n > 127) {
      out.push((n & 127) | 128);
      n >>>= 7;
    }
    out.push(n);
    return out;
  };
  const bytesField = (num: number, bytes: number[]): number[] => [
    ...varint((num << 3) | 2),
    ...varint(bytes.length),
    ...bytes,
  ];
  const intField = (num: number, v: number): number[] => [...varint(num << 3), ...varint(v)];
  const text = (s: string): number[] => [...Buffer.from(s, 'utf8')];
  // ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type: FLOAT, shape: {dim: [{dim_value: 1}]}}}}
  const valueInfo = (name: string): number[] => [
    ...bytesField(1, text(name)),
    ...bytesField(2, bytesField(1, [...intField(1, 1), ...bytesField(2, bytesField(1, intField(1, 1)))])),
  ];
  const node = [...bytesField(1, text('x')), ...bytesField(2, text('y')), ...bytesField(4, text('Identity'))];
  const graph = [
    ...bytesField(1, node),
    ...bytesField(2, text('probe')),
    ...bytesField(11, valueInfo('x')),
    ...bytesField(12, valueInfo('y')),
  ];
  return new Uint8Array([...intField(1, 7), ...bytesField(7, graph), ...bytesField(8, intField(2, 13))]);
})();

/**
 * Why a benchmark on `engine` cannot run on the requested device, or `undefined` when it can. On
 * `--device cpu` it is always `undefined`. Use with {@link skippedRecord}:
 * `const why = gpuSkipReason(ctx, 'ort'); if (why) return [skippedRecord(task, why)];`
 */
export function gpuSkipReason(ctx: BenchContext, engine: 'ort' | 'tfjs'): string | undefined {
  if (ctx.device !== 'gpu') return undefined;
  if (ctx.gpu?.[engine] === true) return undefined;
  return NO_GPU_BACKEND;
}
