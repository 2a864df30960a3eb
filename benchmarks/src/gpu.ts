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
 * Looks for the GPU engines without loading a model: the ORT CUDA provider library beside the
 * onnxruntime-node binding (it is only there after `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`) plus a
 * loaded NVIDIA driver, and an importable tfjs-node-gpu. Never throws.
 */
export async function detectGpu(from: string = process.cwd()): Promise<GpuInfo> {
  const require = createRequire(join(from, 'noop.js'));
  const driver = existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidiactl');
  let ortLib: string | undefined;
  try {
    const pkg = require.resolve('onnxruntime-node/package.json');
    const bin = join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
    const lib = join(
      bin,
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so',
    );
    if (existsSync(lib)) ortLib = lib;
  } catch {
    ortLib = undefined;
  }
  let tfjs = false;
  try {
    await import(require.resolve('@tensorflow/tfjs-node-gpu'));
    tfjs = true;
  } catch {
    tfjs = false;
  }
  const ort = ortLib !== undefined && driver;
  const parts = [
    ort
      ? 'onnxruntime-node CUDA EP'
      : ortLib === undefined
        ? 'no onnxruntime-node CUDA EP'
        : 'ORT CUDA EP present but no NVIDIA driver',
    tfjs ? 'tfjs-node-gpu' : 'no tfjs-node-gpu',
  ];
  return { ort, tfjs, summary: parts.join(', ') };
}

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
