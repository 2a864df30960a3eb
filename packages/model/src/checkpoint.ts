import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { O1labError, type RngState } from '@o1lab/core';
import { resolveTinyGptConfig, type TinyGptConfig, weightShapes } from './config.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js';
import type { TinyGptModel } from './tf-model.js';
import { resolveTrainConfig, type TrainConfig } from './train-config.js';
import type { AdamMoments, Trainer, TrainerState } from './trainer.js';
import type { TinyGptWeights } from './weights.js';

/** File names inside a checkpoint directory. */
export const CHECKPOINT_FILES = Object.freeze({
  weights: 'model.safetensors',
  config: 'config.json',
  tokenizer: 'tokenizer.json',
  optimizer: 'optimizer.safetensors',
  trainerState: 'trainer_state.json',
  manifest: 'manifest.json',
});

const MANIFEST_FORMAT = 'o1lab-tinygpt-checkpoint';
const MANIFEST_VERSION = 1;

/** What {@link saveCheckpoint} writes. */
export interface CheckpointInput {
  readonly model: Pick<TinyGptModel, 'config' | 'getWeights'>;
  /** Saved as tokenizer.json through its `toJSON()`. */
  readonly tokenizer?: { toJSON(): unknown };
  /** Saves the AdamW moments, step, Rng state and train config, so training can resume. */
  readonly trainer?: Pick<Trainer, 'config' | 'getState'>;
  /** Extra strings for the weights file's `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What {@link loadCheckpoint} returns. */
export interface Checkpoint {
  readonly config: TinyGptConfig;
  readonly weights: TinyGptWeights;
  /** The parsed tokenizer.json (e.g. for `CharTokenizer.fromJSON`), when saved. */
  readonly tokenizer?: unknown;
  readonly trainConfig?: TrainConfig;
  readonly trainerState?: TrainerState;
  readonly metadata: Readonly<Record<string, string>>;
}

interface Manifest {
  readonly format: string;
  readonly version: number;
  readonly files: Record<string, { bytes: number; sha256: string }>;
}

/**
 * Writes a checkpoint directory: safetensors weights, config.json, tokenizer.json, optimizer
 * moments and trainer state, and a manifest with each file's size and SHA-256. Everything is written
 * into a fresh sibling directory, flushed, and renamed over `dir`, so a reader sees the old
 * checkpoint or the new one, never a mix.
 */
export async function saveCheckpoint(dir: string, input: CheckpointInput): Promise<void> {
  const files = new Map<string, Uint8Array>();
  const config = input.model.config;
  const weights = input.model.getWeights();
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, shape] of weightShapes(config)) {
    tensors.set(name, { dtype: 'F32', shape, data: weights.get(name)! });
  }
  files.set(
    CHECKPOINT_FILES.weights,
    encodeSafetensors(tensors, { format: 'o1lab-tinygpt', ...input.metadata }),
  );
  files.set(CHECKPOINT_FILES.config, jsonBytes(config));
  if (input.tokenizer !== undefined)
    files.set(CHECKPOINT_FILES.tokenizer, jsonBytes(input.tokenizer.toJSON()));
  if (input.trainer !== undefined) {
    const state = input.trainer.getState();
    const shapes = new Map(weightShapes(config));
    const moments = new Map<string, SafetensorsTensor>();
    for (const [name, { m, v }] of state.moments) {
      const shape = shapes.get(name)!;
      moments.set(`${name}.m`, { dtype: 'F32', shape, data: m });
      moments.set(`${name}.v`, { dtype: 'F32', shape, data: v });
    }
    files.set(CHECKPOINT_FILES.optimizer, encodeSafetensors(moments));
    files.set(
      CHECKPOINT_FILES.trainerState,
      jsonBytes({ step: state.step, rng: state.rng, trainConfig: input.trainer.config }),
    );
  }
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    files: Object.fromEntries(
      [...files].map(([name, bytes]) => [name, { bytes: bytes.length, sha256: sha256(bytes) }]),
    ),
  };
  files.set(CHECKPOINT_FILES.manifest, jsonBytes(manifest));

  const parent = dirname(dir);
  const suffix = randomBytes(6).toString('hex');
  const tmp = join(parent, `.${basename(dir)}.tmp-${suffix}`);
  const old = join(parent, `.${basename(dir)}.old-${suffix}`);
  await mkdir(tmp, { recursive: true });
  try {
    for (const [name, bytes] of files) await writeSynced(join(tmp, name), bytes);
    const existed = await exists(dir);
    if (existed) await rename(dir, old);
    await rename(tmp, dir);
    if (existed) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw new O1labError('IO_ERROR', `cannot write checkpoint: ${(error as Error).message}`, {
      where: dir,
      cause: error,
    });
  }
}

/**
 * Reads and validates a checkpoint directory. A file that is missing, truncated, not parseable,
 * of the wrong size or hash, or whose tensors do not have the names, shapes and dtypes that
 * config.json asks for, is a `CORRUPT_FILE` error naming the file and what is wrong.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const path = (name: string) => join(dir, name);
  const corrupt = (name: string, what: string) =>
    new O1labError('CORRUPT_FILE', what, {
      where: path(name),
      hint: 'the checkpoint is damaged; save it again',
    });
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await readFile(path(name)));
    } catch (error) {
      throw corrupt(
        name,
        `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
  };
  const parseJson = (name: string, bytes: Uint8Array): unknown => {
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (error) {
      throw corrupt(name, `not JSON (${(error as Error).message})`);
    }
  };

  const manifest = parseJson(CHECKPOINT_FILES.manifest, await read(CHECKPOINT_FILES.manifest)) as Manifest;
  if (manifest?.format !== MANIFEST_FORMAT || typeof manifest.files !== 'object' || manifest.files === null) {
    throw corrupt(CHECKPOINT_FILES.manifest, `not an ${MANIFEST_FORMAT} manifest`);
  }
  if (manifest.version !== MANIFEST_VERSION) {
    throw corrupt(
      CHECKPOINT_FILES.manifest,
      `version ${manifest.version}, this reader knows ${MANIFEST_VERSION}`,
    );
  }
  for (const name of [CHECKPOINT_FILES.weights, CHECKPOINT_FILES.config]) {
    if (!(name in manifest.files)) throw corrupt(CHECKPOINT_FILES.manifest, `does not list ${name}`);
  }
  const contents = new Map<string, Uint8Array>();
  for (const name of Object.keys(manifest.files)) {
    if (!(Object.values(CHECKPOINT_FILES) as string[]).includes(name)) {
      throw corrupt(CHECKPOINT_FILES.manifest, `lists an unknown file '${name}'`);
    }
    contents.set(name, await read(name));
  }

  // Structure first, so that the error says what is wrong rather than only that a hash differs.
  let config: TinyGptConfig;
  try {
    config = resolveTinyGptConfig(
      parseJson(CHECKPOINT_FILES.config, contents.get(CHECKPOINT_FILES.config)!) as never,
    );
  } catch (error) {
    if (error instanceof O1labError && error.code === 'CORRUPT_FILE') throw error;
    throw corrupt(CHECKPOINT_FILES.config, `not a valid TinyGptConfig: ${(error as Error).message}`);
  }
  const expected = new Map(weightShapes(config));
  const model = decodeSafetensors(contents.get(CHECKPOINT_FILES.weights)!, path(CHECKPOINT_FILES.weights));
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of expected) {
    const t = model.tensors.get(name);
    if (t === undefined)
      throw corrupt(CHECKPOINT_FILES.weights, `missing tensor '${name}' [${shape.join(', ')}]`);
    if (!sameShape(t.shape, shape)) {
      throw corrupt(
        CHECKPOINT_FILES.weights,
        `tensor '${name}' has shape [${t.shape.join(', ')}], config.json asks for [${shape.join(', ')}]`,
      );
    }
    weights.set(name, t.data);
  }
  for (const name of model.tensors.keys()) {
    if (!expected.has(name)) throw corrupt(CHECKPOINT_FILES.weights, `unexpected tensor '${name}'`);
  }

  let trainConfig: TrainConfig | undefined;
  let trainerState: TrainerState | undefined;
  const stateBytes = contents.get(CHECKPOINT_FILES.trainerState);
  const optimizerBytes = contents.get(CHECKPOINT_FILES.optimizer);
  if ((stateBytes === undefined) !== (optimizerBytes === undefined)) {
    throw corrupt(
      CHECKPOINT_FILES.manifest,
      `lists only one of ${CHECKPOINT_FILES.trainerState} and ${CHECKPOINT_FILES.optimizer}`,
    );
  }
  if (stateBytes !== undefined && optimizerBytes !== undefined) {
    const raw = parseJson(CHECKPOINT_FILES.trainerState, stateBytes) as {
      step?: unknown;
      rng?: RngState;
      trainConfig?: Partial<TrainConfig>;
    };
    if (!Number.isSafeInteger(raw?.step) || (raw.step as number) < 0) {
      throw corrupt(
        CHECKPOINT_FILES.trainerState,
        `step ${JSON.stringify(raw?.step)} is not a non-negative integer`,
      );
    }
    const rng = raw.rng;
    if (
      typeof rng !== 'object' ||
      rng === null ||
      !(['stateHi', 'stateLo', 'incHi', 'incLo'] as const).every((k) => Number.isInteger(rng[k]))
    ) {
      throw corrupt(CHECKPOINT_FILES.trainerState, 'rng is not an Rng state');
    }
    try {
      trainConfig = resolveTrainConfig(raw.trainConfig);
    } catch (error) {
      throw corrupt(CHECKPOINT_FILES.trainerState, `trainConfig is invalid: ${(error as Error).message}`);
    }
    const optimizer = decodeSafetensors(optimizerBytes, path(CHECKPOINT_FILES.optimizer));
    const moments = new Map<string, AdamMoments>();
    for (const [key, t] of optimizer.tensors) {
      const match = /^(.*)\.(m|v)$/.exec(key);
      const name = match?.[1] ?? '';
      const shape = expected.get(name);
      if (shape === undefined)
        throw corrupt(CHECKPOINT_FILES.optimizer, `tensor '${key}' belongs to no weight`);
      if (!sameShape(t.shape, shape)) {
        throw corrupt(
          CHECKPOINT_FILES.optimizer,
          `tensor '${key}' has shape [${t.shape.join(', ')}], weight '${name}' is [${shape.join(', ')}]`,
        );
      }
      const other = optimizer.tensors.get(`${name}.${match![2] === 'm' ? 'v' : 'm'}`);
      if (other === undefined)
        throw corrupt(CHECKPOINT_FILES.optimizer, `tensor '${key}' has no partner moment`);
      moments.set(name, match![2] === 'm' ? { m: t.data, v: other.data } : { m: other.data, v: t.data });
    }
    trainerState = { step: raw.step as number, rng, moments };
  }
  const tokenizerBytes = contents.get(CHECKPOINT_FILES.tokenizer);
  const tokenizer =
    tokenizerBytes === undefined ? undefined : parseJson(CHECKPOINT_FILES.tokenizer, tokenizerBytes);

  // Then integrity: a damaged byte that still parses shows up here.
  for (const [name, bytes] of contents) {
    const entry = manifest.files[name]!;
    if (bytes.length !== entry.bytes) {
      throw corrupt(name, `${bytes.length} bytes, the manifest says ${entry.bytes} (truncated?)`);
    }
    if (sha256(bytes) !== entry.sha256) throw corrupt(name, 'SHA-256 differs from the manifest');
  }
  return {
    config,
    weights,
    ...(tokenizer === undefined ? {} : { tokenizer }),
    ...(trainConfig === undefined ? {} : { trainConfig }),
    ...(trainerState === undefined ? {} : { trainerState }),
    metadata: model.metadata,
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
