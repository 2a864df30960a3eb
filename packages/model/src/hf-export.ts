import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@o1lab/core';
import { resolveTinyGptConfig, type TinyGptConfig } from './config.js';
import { HF_MODEL_FILES, HF_TINYGPT_CONFIG_KEY } from './hf-model.js';
import { writeTinyGptOnnx } from './onnx-export.js';
import { BOS_ID, type CharTokenizer, EOS_ID, PAD_ID } from './tokenizer.js';
import { type TinyGptWeights, validateTinyGptWeights } from './weights.js';

/**
 * Chat template of exported TinyGPT directories: `<bos>role: content\n` per message, then
 * `assistant: ` when a generation prompt is asked for. Only characters of the task alphabet.
 */
export const TINYGPT_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}" +
  '{% if add_generation_prompt %}assistant: {% endif %}';

const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>'] as const;

/**
 * Writes a TinyGPT as a Hugging Face model directory that {@link loadHfDecoder} (and
 * `transformers`' `AutoTokenizer`) read: onnx/model.onnx (the Optimum decoder-with-past layout),
 * config.json (with the TinyGPT config under `o1lab_tinygpt`), generation_config.json, and a real
 * tokenizer.json for the character vocabulary — a WordLevel model over single characters behind a
 * per-character `Split` pre-tokenizer, the special tokens as added tokens, a `Fuse` decoder — so
 * ids match {@link CharTokenizer} exactly.
 */
export async function writeHfDirectory(
  dir: string,
  config: TinyGptConfig,
  weights: TinyGptWeights,
  tokenizer: CharTokenizer,
): Promise<void> {
  const model = resolveTinyGptConfig(config);
  validateTinyGptWeights(model, weights, 'writeHfDirectory');
  const chars = [...tokenizer.toJSON().chars];
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await writeTinyGptOnnx(join(dir, 'onnx', 'model.onnx'), model, weights);
  const json = (name: string, value: unknown) =>
    writeFileAtomic(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  await json(HF_MODEL_FILES.config, {
    architectures: ['TinyGptForCausalLM'],
    model_type: 'o1lab-tinygpt',
    vocab_size: model.vocabSize,
    hidden_size: model.dModel,
    intermediate_size: model.dFF,
    num_hidden_layers: model.nLayer,
    num_attention_heads: model.nHead,
    num_key_value_heads: model.nHead,
    max_position_embeddings: model.context,
    layer_norm_eps: model.layerNormEps,
    tie_word_embeddings: model.tiedEmbeddings,
    bos_token_id: BOS_ID,
    eos_token_id: EOS_ID,
    pad_token_id: PAD_ID,
    torch_dtype: 'float32',
    [HF_TINYGPT_CONFIG_KEY]: model,
  });
  await json(HF_MODEL_FILES.generationConfig, {
    bos_token_id: BOS_ID,
    eos_token_id: EOS_ID,
    pad_token_id: PAD_ID,
    do_sample: true,
    temperature: 1,
  });
  await json(HF_MODEL_FILES.tokenizer, charTokenizerJson(chars));
  await json(HF_MODEL_FILES.tokenizerConfig, {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: SPECIAL_TOKENS[BOS_ID],
    eos_token: SPECIAL_TOKENS[EOS_ID],
    pad_token: SPECIAL_TOKENS[PAD_ID],
    clean_up_tokenization_spaces: false,
    model_max_length: model.context,
    chat_template: TINYGPT_CHAT_TEMPLATE,
  });
}

// Special tokens take ids 0..2 as in CharTokenizer; characters follow in alphabet order.
function charTokenizerJson(chars: readonly string[]): unknown {
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((t, i) => {
    vocab[t] = i;
  });
  chars.forEach((c, i) => {
    vocab[c] = i + SPECIAL_TOKENS.length;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    // `[\s\S]` matches every character (Oniguruma's `.` skips '\n'); Isolated keeps each one a piece.
    pre_tokenizer: { type: 'Split', pattern: { Regex: '[\\s\\S]' }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: { type: 'WordLevel', vocab, unk_token: SPECIAL_TOKENS[PAD_ID] },
  };
}
