import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { O1labError } from '@o1lab/core';
import {
  CHECKPOINT_FILES,
  CharTokenizer,
  type CharTokenizerJson,
  decodeOnnxModel,
  HF_MODEL_FILES,
  loadCheckpoint,
  loadHfDecoder,
  OrtRuntime,
  type OrtRuntimeConfig,
  resolveTinyGptConfig,
  TINYGPT_CONFIG_METADATA_KEY,
  type TinyGptConfig,
} from '@o1lab/model';
import type { ServedModel } from './server.js';

/** File names {@link loadServedModel} looks for in a directory that is not a checkpoint. */
export const SERVED_MODEL_FILES = Object.freeze({ onnx: 'model.onnx', tokenizer: 'tokenizer.json' });

/**
 * Opens a model to serve from `path`:
 * - a checkpoint directory of `@o1lab/model` (`saveCheckpoint`: manifest, safetensors weights,
 *   config.json, tokenizer.json): exported to ONNX in memory;
 * - a directory with `model.onnx` and `tokenizer.json` (a char tokenizer, `{ type: 'char', chars }`);
 * - an `.onnx` file, with the tokenizer JSON beside it as `tokenizer.json` or given as `tokenizerPath`;
 * - a Hugging Face model directory (config.json, tokenizer.json, tokenizer_config.json,
 *   onnx/model.onnx or model.onnx, as Optimum exports it; recognised by its tokenizer_config.json),
 *   opened with `loadHfDecoder`.
 * The TinyGPT config is read from the ONNX metadata where the exporter wrote it (FLOP accounting,
 * context limit).
 */
export async function loadServedModel(
  path: string,
  options: { readonly tokenizerPath?: string; readonly runtime?: Partial<OrtRuntimeConfig> } = {},
): Promise<ServedModel> {
  const where = 'loadServedModel';
  const info = await stat(path).catch(() => {
    throw new O1labError('NOT_FOUND', `no model at ${path}`, {
      where,
      hint: 'pass a checkpoint directory or an .onnx file',
    });
  });
  if (info.isDirectory() && (await exists(join(path, CHECKPOINT_FILES.manifest)))) {
    const checkpoint = await loadCheckpoint(path);
    if (checkpoint.tokenizer === undefined) {
      throw new O1labError('CORRUPT_FILE', `the checkpoint has no ${CHECKPOINT_FILES.tokenizer}`, {
        where: path,
      });
    }
    const tokenizer = CharTokenizer.fromJSON(checkpoint.tokenizer as CharTokenizerJson);
    const runtime = await OrtRuntime.fromWeights(checkpoint.config, checkpoint.weights, options.runtime);
    return { runtime, tokenizer };
  }
  if (info.isDirectory() && (await exists(join(path, HF_MODEL_FILES.tokenizerConfig)))) {
    const { runtime, tokenizer } = await loadHfDecoder(path, options.runtime);
    return { runtime, tokenizer };
  }
  const onnxPath = info.isDirectory() ? join(path, SERVED_MODEL_FILES.onnx) : path;
  const dir = info.isDirectory() ? path : join(onnxPath, '..');
  const tokenizerPath = options.tokenizerPath ?? join(dir, SERVED_MODEL_FILES.tokenizer);
  const bytes = new Uint8Array(
    await readFile(onnxPath).catch((error: NodeJS.ErrnoException) => {
      throw new O1labError('NOT_FOUND', `cannot read ${onnxPath} (${error.code ?? error.message})`, {
        where,
        hint: `a model directory holds ${SERVED_MODEL_FILES.onnx} and ${SERVED_MODEL_FILES.tokenizer}, or is a checkpoint`,
      });
    }),
  );
  const tokenizerText = await readFile(tokenizerPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new O1labError(
      'NOT_FOUND',
      `cannot read the tokenizer ${tokenizerPath} (${error.code ?? error.message})`,
      {
        where,
      },
    );
  });
  let tokenizerJson: unknown;
  try {
    tokenizerJson = JSON.parse(tokenizerText);
  } catch (error) {
    throw new O1labError('CORRUPT_FILE', `not JSON (${(error as Error).message})`, { where: tokenizerPath });
  }
  const tokenizer = CharTokenizer.fromJSON(tokenizerJson as CharTokenizerJson);
  const model = tinyGptConfigOf(bytes);
  const runtime = await OrtRuntime.fromBytes(bytes, {
    ...options.runtime,
    ...(model === undefined ? {} : { model }),
  });
  return { runtime, tokenizer };
}

function tinyGptConfigOf(bytes: Uint8Array): TinyGptConfig | undefined {
  try {
    const entry = decodeOnnxModel(bytes).metadata_props.find((p) => p.key === TINYGPT_CONFIG_METADATA_KEY);
    return entry?.value === undefined ? undefined : resolveTinyGptConfig(JSON.parse(entry.value));
  } catch {
    return undefined;
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
