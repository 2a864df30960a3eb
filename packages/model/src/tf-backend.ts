import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { O1labError } from '@o1lab/core';
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

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

/**
 * Environment variable with the number of threads of the `wasm` backend (e.g. `O1LAB_WASM_THREADS=2`).
 * @default half the cores, as tfjs-backend-wasm chooses in a browser (1 on a 2-core machine)
 */
export const WASM_THREADS_ENV = 'O1LAB_WASM_THREADS';

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
      const detail = name === 'wasm' ? ` (SIMD ${simdState()}, ${wasmThreadsNote})` : '';
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
    const threads = wasmThreads();
    if (threads > 1 && tf.findBackend('wasm') === null && !threadedRegistered) {
      try {
        registerThreadedWasm(threads);
      } catch (error) {
        wasmThreadsNote = `1 thread: the threaded build could not be prepared (${firstLine(error)})`;
      }
    }
    const failure = await activate(name);
    if (failure !== undefined && threadedRegistered && stockWasmFactory !== null) {
      // The threaded build did not start: back to tfjs's own single-threaded registration.
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', stockWasmFactory, 2);
      threadedRegistered = false;
      wasmThreadsNote = `1 thread: the threaded build failed to start (${failure})`;
      return activate(name);
    }
    if (failure === undefined && threadedRegistered) {
      wasmThreadsNote = `${getThreadsCount()} threads (${WASM_THREADS_ENV}=${threads})`;
    }
    return failure;
  }
  return activate(name);
}

let wasmThreadsNote = `1 thread (${WASM_THREADS_ENV} to use more)`;
let threadedRegistered = false;
/** tfjs-backend-wasm's own `wasm` factory, kept to fall back to when the threaded build fails. */
let stockWasmFactory: ReturnType<typeof tf.findBackendFactory> | null = null;

/** Threads the wasm backend asks for: `O1LAB_WASM_THREADS`, else half the cores (at least 1). */
export function wasmThreads(): number {
  const value = process.env[WASM_THREADS_ENV];
  if (value === undefined || value === '') return Math.max(1, Math.floor(availableParallelism() / 2));
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new O1labError(
      'INVALID_CONFIG',
      `\`${WASM_THREADS_ENV}\` must be a positive integer, got '${value}'`,
      {
        where: 'selectBackend',
      },
    );
  }
  return n;
}

/**
 * Registers tfjs-backend-wasm's threaded SIMD build as the `wasm` backend. tfjs starts its
 * Emscripten pthread workers from `blob:` URLs, which Node's worker_threads rejects
 * (ERR_WORKER_PATH); here the worker script and the module factory are written once to files
 * under the temp directory (named by a hash of their content, written by rename so that parallel
 * processes never read half a file) and handed to Emscripten as paths. The build caps its thread
 * pool at half the cores it sees, so the cores are reported as twice `threads` while it starts.
 */
function registerThreadedWasm(threads: number): void {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const factory = require(join(pkgDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js')) as (
    config: Record<string, unknown>,
  ) => Promise<WasmModule>;
  const { wasmWorkerContents } = require(
    join(pkgDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as {
    wasmWorkerContents: string;
  };
  const wasmPath = join(pkgDir, 'dist/tfjs-backend-wasm-threaded-simd.wasm');
  // tfjs turns the worker's newlines into `\n` escapes before making its blob; the same here.
  const worker = writeOnce('worker.js', wasmWorkerContents.replace(/\n/g, '\\n'));
  const main = writeOnce('main.js', `var WasmBackendModuleThreadedSimd = ${factory.toString()}`);
  stockWasmFactory = tf.findBackendFactory('wasm');
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const os = require('node:os') as { cpus: () => unknown[] };
      const cpus = os.cpus;
      os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]);
      let module: WasmModule;
      try {
        module = await factory({
          locateFile: (path: string, prefix: string) =>
            path.endsWith('.worker.js') ? worker : path.endsWith('.wasm') ? wasmPath : prefix + path,
          mainScriptUrlOrBlob: main,
        });
      } finally {
        os.cpus = cpus;
      }
      // The bridge tfjs-backend-wasm's own init builds (backend_wasm.ts).
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      setThreadsCount(threads);
      return new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
    },
    2,
  );
  threadedRegistered = true;
}

interface WasmModule {
  cwrap(name: string, returns: string | null, args: string[]): unknown;
  tfjs?: Record<string, unknown>;
}

/** Writes `text` to a content-named file under the temp directory once; returns its path. */
function writeOnce(name: string, text: string): string {
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'o1lab-tfjs-wasm');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${hash}-${name}`);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
  return path;
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
