import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isO1labError, O1labError } from '@o1lab/core';
import { resolveTinyGptConfig, type TinyGptConfig } from './config.js';
import { HfTokenizer } from './hf-tokenizer.js';
import { OrtRuntime, type OrtRuntimeConfig } from './ort-runtime.js';

/** File names of a Hugging Face model directory, as `save_pretrained` and Optimum write them. */
export const HF_MODEL_FILES = Object.freeze({
  config: 'config.json',
  generationConfig: 'generation_config.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  /** Tried in order: Optimum's `onnx/` sub-folder first, then the top level. */
  onnx: Object.freeze(['onnx/model.onnx', 'model.onnx']),
});

/** Key of config.json under which {@link writeHfDirectory} stores the TinyGPT config. */
export const HF_TINYGPT_CONFIG_KEY = 'o1lab_tinygpt';

/** The fields of config.json the loader reads; the rest is kept as written. */
export interface HfModelConfig {
  readonly model_type?: string;
  readonly vocab_size?: number;
  readonly num_hidden_layers?: number;
  readonly num_attention_heads?: number;
  /** Grouped-query attention: fewer key/value heads than attention heads (Qwen2, Llama 3). */
  readonly num_key_value_heads?: number;
  readonly bos_token_id?: number | null;
  readonly eos_token_id?: number | readonly number[] | null;
  readonly pad_token_id?: number | null;
  readonly [key: string]: unknown;
}

/** Options of {@link loadHfDecoder}: the runtime's options plus where the ONNX file is. */
export interface HfLoadOptions extends Partial<OrtRuntimeConfig> {
  /** ONNX file relative to the directory. @default the first of `HF_MODEL_FILES.onnx` that exists */
  readonly onnxFile?: string;
}

/** What {@link loadHfDecoder} opened. */
export interface HfDecoder {
  readonly runtime: OrtRuntime;
  readonly tokenizer: HfTokenizer;
  /** config.json as parsed. */
  readonly config: HfModelConfig;
  /** generation_config.json as parsed, or undefined where the directory has none. */
  readonly generationConfig: Readonly<Record<string, unknown>> | undefined;
  /** The TinyGPT config, when the directory was written by {@link writeHfDirectory}. */
  readonly tinyGpt: TinyGptConfig | undefined;
  /** Path of the ONNX file that was opened. */
  readonly onnxPath: string;
}

/**
 * Opens a Hugging Face model directory (config.json, tokenizer.json, tokenizer_config.json,
 * optional generation_config.json, and an Optimum decoder-with-past export at onnx/model.onnx or
 * model.onnx) as an {@link OrtRuntime} and an {@link HfTokenizer}. Every missing or malformed file
 * is an `O1labError` whose `where` is the file's path.
 */
export async function loadHfDecoder(dir: string, options: HfLoadOptions = {}): Promise<HfDecoder> {
  const { onnxFile, ...runtimeOptions } = options;
  const configPath = join(dir, HF_MODEL_FILES.config);
  const config = (await readJsonObject(configPath, true)) as HfModelConfig;
  const generationConfig = await readJsonObject(join(dir, HF_MODEL_FILES.generationConfig), false);
  const tokenizerPath = join(dir, HF_MODEL_FILES.tokenizer);
  const tokenizerJson = await readJsonObject(tokenizerPath, true);
  const tokenizerConfigPath = join(dir, HF_MODEL_FILES.tokenizerConfig);
  const tokenizerConfig = await readJsonObject(tokenizerConfigPath, true);

  const firstId = (...values: unknown[]): number | undefined => {
    for (const v of values) {
      const id = Array.isArray(v) ? v[0] : v;
      if (Number.isInteger(id)) return id as number;
    }
    return undefined;
  };
  const gen = generationConfig ?? {};
  const fallback = {
    ...optional('bosId', firstId(gen.bos_token_id, config.bos_token_id)),
    ...optional('eosId', firstId(gen.eos_token_id, config.eos_token_id)),
    ...optional('padId', firstId(gen.pad_token_id, config.pad_token_id)),
  };
  let tokenizer: HfTokenizer;
  try {
    tokenizer = new HfTokenizer(tokenizerJson, tokenizerConfig, fallback, tokenizerPath);
  } catch (error) {
    if (isO1labError(error) && error.message.includes('tokenizer_config.json')) {
      throw new O1labError(error.code, error.message.replace(`${tokenizerPath}: `, ''), {
        where: tokenizerConfigPath,
        cause: error,
      });
    }
    throw error;
  }

  const tinyGpt = tinyGptConfigOf(config, configPath);
  const onnxPath = await findOnnx(dir, onnxFile);
  await rejectExternalData(onnxPath);
  let runtime: OrtRuntime;
  try {
    runtime = await OrtRuntime.fromFile(onnxPath, {
      ...runtimeOptions,
      ...(tinyGpt === undefined ? {} : { model: tinyGpt }),
    });
  } catch (error) {
    const lacksPast = isO1labError(error) && /past_key_values|input_ids|attention_mask/.test(error.message);
    throw new O1labError(
      isO1labError(error) ? error.code : 'CORRUPT_FILE',
      `cannot open the ONNX decoder (${(error as Error).message})`,
      {
        where: onnxPath,
        hint: lacksPast
          ? 'the runtime needs a decoder with a KV cache: export with `optimum-cli export onnx --task text-generation-with-past`'
          : 'check that the file is a complete ONNX export',
        cause: error,
      },
    );
  }
  checkShapes(runtime, config, tokenizer, configPath, onnxPath);
  return { runtime, tokenizer, config, generationConfig, tinyGpt, onnxPath };
}

async function readJsonObject(
  path: string,
  required: boolean,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return undefined;
    throw new O1labError('NOT_FOUND', `cannot read the file (${code ?? (error as Error).message})`, {
      where: path,
      hint: 'a Hugging Face model directory holds config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx',
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new O1labError('CORRUPT_FILE', `not valid JSON (${(error as Error).message})`, { where: path });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new O1labError('CORRUPT_FILE', 'expected a JSON object', { where: path });
  }
  return value as Record<string, unknown>;
}

async function findOnnx(dir: string, onnxFile: string | undefined): Promise<string> {
  const candidates = onnxFile === undefined ? HF_MODEL_FILES.onnx : [onnxFile];
  for (const name of candidates) {
    const path = join(dir, name);
    if (await isFile(path)) return path;
  }
  throw new O1labError('NOT_FOUND', `no ONNX decoder (looked for ${candidates.join(', ')})`, {
    where: dir,
    hint: 'export one with `optimum-cli export onnx --task text-generation-with-past <model> <dir>`',
  });
}

// The runtime opens models from bytes, so ONNX Runtime cannot resolve external tensor data (the
// `model.onnx_data` Optimum writes beside graphs over 2 GB); fail here with the reason instead.
async function rejectExternalData(onnxPath: string): Promise<void> {
  for (const suffix of ['_data', '.data']) {
    if (await isFile(onnxPath + suffix)) {
      throw new O1labError('UNSUPPORTED', `the weights are stored as external data (${onnxPath}${suffix})`, {
        where: onnxPath,
        hint: 'OrtRuntime opens models from bytes; save the model as one file (onnx.save(m, path, save_as_external_data=False), under 2 GB) or export in float16',
      });
    }
  }
}

function tinyGptConfigOf(config: HfModelConfig, where: string): TinyGptConfig | undefined {
  const raw = config[HF_TINYGPT_CONFIG_KEY];
  if (raw === undefined) return undefined;
  try {
    return resolveTinyGptConfig(raw as Partial<TinyGptConfig>);
  } catch (error) {
    throw new O1labError('CORRUPT_FILE', `\`${HF_TINYGPT_CONFIG_KEY}\` is not a valid TinyGPT config`, {
      where,
      cause: error,
    });
  }
}

function checkShapes(
  runtime: OrtRuntime,
  config: HfModelConfig,
  tokenizer: HfTokenizer,
  configPath: string,
  onnxPath: string,
): void {
  const { numLayers, numHeads, vocabSize } = runtime.info;
  const mismatch = (what: string, inConfig: number, inOnnx: number): never => {
    runtime.dispose();
    throw new O1labError(
      'CORRUPT_FILE',
      `config.json says ${what} ${inConfig} but ${onnxPath} has ${inOnnx}`,
      {
        where: configPath,
        hint: 'the ONNX file and config.json come from different models',
      },
    );
  };
  if (Number.isInteger(config.num_hidden_layers) && config.num_hidden_layers !== numLayers)
    mismatch('num_hidden_layers', config.num_hidden_layers!, numLayers);
  // The runtime reads the KV head count from the past_key_values input shape ([B, Hkv, T, Dh]),
  // which for grouped-query models is num_key_value_heads, not num_attention_heads.
  const kvHeads = config.num_key_value_heads ?? config.num_attention_heads;
  if (Number.isInteger(kvHeads) && kvHeads !== numHeads) mismatch('key/value heads', kvHeads!, numHeads);
  if (Number.isInteger(config.vocab_size) && vocabSize !== undefined && config.vocab_size !== vocabSize)
    mismatch('vocab_size', config.vocab_size!, vocabSize);
  // Models pad the embedding past the tokenizer (Qwen2.5: 151936 rows, 151665 tokens), never below.
  const logits = vocabSize ?? config.vocab_size;
  if (logits !== undefined && tokenizer.vocabSize > logits) {
    runtime.dispose();
    throw new O1labError(
      'CORRUPT_FILE',
      `the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${logits} logits`,
      { where: configPath },
    );
  }
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
