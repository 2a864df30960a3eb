import { availableParallelism } from 'node:os';
import { createRng } from '@o1lab/core';
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel } from './onnx-proto.js';
import type { ExecutionProviderName } from './ort-runtime.js';

/** A float32 n x n MatMul session: the in-run roofline that decode throughput is reported against. */
export interface OrtMatmulCalibration {
  readonly n: number;
  /** 2 n^3 */
  readonly flopsPerRun: number;
  readonly executionProvider: ExecutionProviderName;
  /** One MatMul; resolves to an element of the product (for the benchmark to keep). */
  run(): Promise<number>;
  release(): Promise<void>;
}

/**
 * Opens a one-node ONNX graph `c = a @ b` ([n, n] float32, seeded N(0, 1) inputs) with the session
 * options the runtime uses (all graph optimisations, one intra-op thread per core by default), and
 * writes into a preallocated output so the timing is the kernel's.
 */
export async function createOrtMatmulCalibration(
  options: {
    readonly n?: number;
    readonly executionProvider?: ExecutionProviderName;
    readonly intraOpNumThreads?: number;
  } = {},
): Promise<OrtMatmulCalibration> {
  const n = options.n ?? 1024;
  const executionProvider = options.executionProvider ?? 'cpu';
  const info = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: n }, { dim_value: n }] } } },
  });
  const bytes = encodeOnnxModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'matmul_calibration',
      node: [{ input: ['a', 'b'], output: ['c'], name: 'matmul', op_type: 'MatMul' }],
      input: [info('a'), info('b')],
      output: [info('c')],
    },
  });
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [executionProvider],
    intraOpNumThreads: options.intraOpNumThreads ?? availableParallelism(),
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const rng = createRng(1024);
  const a = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * n }, () => rng.normal()),
    [n, n],
  );
  const b = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * n }, () => rng.normal()),
    [n, n],
  );
  const c = new ort.Tensor('float32', new Float32Array(n * n), [n, n]);
  return {
    n,
    flopsPerRun: 2 * n ** 3,
    executionProvider,
    run: async () => (await session.run({ a, b }, { c })).c!.data[0] as number,
    release: () => session.release(),
  };
}
