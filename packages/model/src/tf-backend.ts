import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { O1labError } from '@o1lab/core';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/**
 * tfjs backends o1lab trains on, best first. `tensorflow-gpu` and `tensorflow` are the native
 * libtensorflow bindings (`@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node`, optional peers);
 * `wasm` is XNNPACK compiled to WebAssembly with SIMD; `cpu` is plain JavaScript.
 */
export type TfBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** What {@link selectBackend} asks for: one backend, or the best one present. */
export type TfBackendPreference = TfBackendName | 'auto';

/** The backend that runs, and why the better ones do not. Recorded with every training log and benchmark. */
export interface TfBackendInfo {
  readonly name: TfBackendName;
  readonly reason: string;
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Receives the one line that names the backend. @default console.info */
  readonly log?: ((line: string) => void) | undefined;
}

/** Order of {@link selectBackend}'s `'auto'` search. */
export const TF_BACKEND_ORDER: readonly TfBackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Environment variable that overrides the `'auto'` preference (e.g. `O1LAB_TF_BACKEND=cpu`). */
export const TF_BACKEND_ENV = 'O1LAB_TF_BACKEND';

// Emscripten's pthread build starts its workers from `blob:` URLs, which Node's worker_threads
// rejects (ERR_WORKER_PATH), so tfjs-backend-wasm runs single-threaded in Node.
const WASM_THREADS_NOTE =
  '1 thread: tfjs-backend-wasm pthread workers load from blob: URLs, which Node rejects';

const NATIVE_PACKAGES: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

/**
 * Makes `name` (or, for `'auto'`, the best backend present) the active tfjs backend and logs one
 * line saying which runs and why the better ones are absent. Native backends are optional peers:
 * they are detected by dynamic import, and a failed import is a reason, not an error. An explicit
 * preference that cannot run is a `BACKEND_ERROR`.
 */
export async function selectBackend(
  preference: TfBackendPreference = 'auto',
  options: SelectBackendOptions = {},
): Promise<TfBackendInfo> {
  const wanted = preference === 'auto' ? envPreference() : preference;
  const candidates = wanted === 'auto' ? TF_BACKEND_ORDER : [wanted];
  const absent: string[] = [];
  for (const name of candidates) {
    const failure = await tryBackend(name);
    if (failure === undefined) {
      const detail = name === 'wasm' ? ` (SIMD ${simdState()}, ${WASM_THREADS_NOTE})` : '';
      const why = absent.length > 0 ? `; ${absent.join('; ')}` : '';
      const info: TfBackendInfo = { name, reason: `${name}${detail}${why}` };
      (options.log ?? console.info)(`@o1lab/model: tfjs backend ${info.reason}`);
      return info;
    }
    absent.push(`${name}: ${failure}`);
  }
  throw new O1labError('BACKEND_ERROR', `tfjs backend '${wanted}' cannot run: ${absent.join('; ')}`, {
    where: 'selectBackend',
    hint: `use 'auto' to fall back to the best backend present`,
  });
}

let initialised: Promise<TfBackendInfo> | undefined;

/**
 * Selects the best backend once per process (later calls return the same answer). Call it before
 * creating models: tfjs tensors live on the backend that was active when they were made.
 */
export function initTfBackend(options: SelectBackendOptions = {}): Promise<TfBackendInfo> {
  initialised ??= selectBackend('auto', options);
  return initialised;
}

function envPreference(): TfBackendPreference {
  const value = process.env[TF_BACKEND_ENV];
  if (value === undefined || value === '') return 'auto';
  if (value === 'auto' || (TF_BACKEND_ORDER as readonly string[]).includes(value)) {
    return value as TfBackendPreference;
  }
  throw new O1labError(
    'INVALID_CONFIG',
    `\`${TF_BACKEND_ENV}\` must be one of auto, ${TF_BACKEND_ORDER.join(', ')}, got '${value}'`,
    {
      where: 'selectBackend',
    },
  );
}

/** Activates `name`; returns why it cannot run, or undefined when it runs. */
async function tryBackend(name: TfBackendName): Promise<string | undefined> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    const pkg = NATIVE_PACKAGES[name];
    try {
      // A variable specifier keeps bundlers and the type checker from resolving the optional peer.
      const specifier: string = pkg;
      await import(specifier);
    } catch (error) {
      // tfjs-node-gpu registers the same 'tensorflow' backend, which also runs on the CPU.
      if (name === 'tensorflow' && tf.findBackendFactory('tensorflow') !== null)
        return activate('tensorflow');
      return isNotFound(error) ? `${pkg} not installed` : `${pkg} failed to load (${firstLine(error)})`;
    }
    const failure = await activate('tensorflow');
    if (failure === undefined && name === 'tensorflow-gpu' && !usesGpu()) {
      return `${pkg} loaded but libtensorflow found no CUDA device`;
    }
    return failure;
  }
  if (name === 'wasm') {
    try {
      configureWasmPaths();
    } catch (error) {
      return `wasm binaries not found (${firstLine(error)})`;
    }
  }
  return activate(name);
}

async function activate(backend: string): Promise<string | undefined> {
  try {
    if (!(await tf.setBackend(backend))) return `tf.setBackend('${backend}') failed`;
    await tf.ready();
    // tfjs-backend-cpu prints a multi-line "install tfjs-node" banner on its first tensor in Node;
    // the one log line of selectBackend already says that and why.
    if (backend === 'cpu') (tf.backend() as { firstUse?: boolean }).firstUse = false;
    return undefined;
  } catch (error) {
    return `initialisation failed (${firstLine(error)})`;
  }
}

let wasmPathsSet = false;

function configureWasmPaths(): void {
  if (wasmPathsSet) return;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(`${dir}/`);
  wasmPathsSet = true;
}

function simdState(): string {
  try {
    return tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off';
  } catch {
    return 'unknown';
  }
}

function usesGpu(): boolean {
  const backend = tf.findBackend('tensorflow') as { isUsingGpuDevice?: boolean } | null;
  return backend?.isUsingGpuDevice === true;
}

/** Node's resolver says ERR_MODULE_NOT_FOUND; bundlers (vite, esbuild) say "Could not resolve". */
function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)|Could not resolve/.test(firstLine(error))
  );
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
