import { Template } from '@huggingface/jinja';
import { Tokenizer as HfTokenizerCore } from '@huggingface/tokenizers';
import { O1labError } from '@o1lab/core';
import type { Tokenizer } from './tokenizer.js';

/** One chat message, as Hugging Face chat templates read it. */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

/** Options of {@link HfTokenizer.applyChatTemplate}. */
export interface ChatTemplateOptions {
  /** Append the template's assistant turn opener, so the model continues as the assistant. @default false */
  readonly addGenerationPrompt?: boolean;
  /** Extra variables the template reads (`tools`, `documents`, `enable_thinking`, ...). @default {} */
  readonly variables?: Readonly<Record<string, unknown>>;
}

/** Options of {@link HfTokenizer.encode}. */
export interface HfEncodeOptions {
  /** Let the tokenizer's post-processor add its special tokens (BOS, ...). @default false */
  readonly addSpecialTokens?: boolean;
}

/**
 * Ids the tokenizer cannot find in tokenizer_config.json (Qwen2 has no `bos_token`): taken from
 * config.json / generation_config.json by {@link loadHfDecoder}.
 */
export interface HfTokenizerFallbackIds {
  readonly bosId?: number;
  readonly eosId?: number;
  readonly padId?: number;
}

/**
 * The `Tokenizer` interface over a Hugging Face `tokenizer.json` + `tokenizer_config.json`, encoded
 * and decoded by `@huggingface/tokenizers` (a pure-JS implementation of tokenizer.json), with the
 * chat template rendered by `@huggingface/jinja`.
 *
 * - `encode` adds no special tokens unless asked (OrtPolicy adds BOS itself); added tokens written
 *   literally in the text (`<|im_start|>`) still map to their ids, as in `transformers`.
 * - `decode` skips special tokens, like {@link CharTokenizer}; `tokenText` keeps them.
 * - BOS/EOS/PAD ids come from the config's `bos_token`/`eos_token`/`pad_token`, then from
 *   `fallback`; PAD falls back to EOS, BOS to EOS.
 */
export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** The config's `chat_template` (the `default` one where it lists several), if any. */
  readonly chatTemplate: string | undefined;
  private readonly core: HfTokenizerCore;
  private readonly specialTokens: Readonly<Record<string, string>>;
  private readonly texts = new Map<number, string>();
  private template: Template | undefined;

  constructor(
    tokenizerJson: unknown,
    tokenizerConfig: unknown,
    fallback: HfTokenizerFallbackIds = {},
    where = 'HfTokenizer',
  ) {
    if (!isObject(tokenizerJson) || !isObject(tokenizerJson.model)) {
      throw new O1labError('CORRUPT_FILE', 'tokenizer.json has no `model` object', {
        where,
        hint: 'pass the tokenizer.json a Hugging Face tokenizer saves (save_pretrained)',
      });
    }
    if (!isObject(tokenizerConfig)) {
      throw new O1labError('CORRUPT_FILE', 'tokenizer_config.json is not a JSON object', { where });
    }
    try {
      this.core = new HfTokenizerCore(tokenizerJson, tokenizerConfig);
    } catch (error) {
      throw new O1labError(
        'CORRUPT_FILE',
        `tokenizer.json could not be built (${(error as Error).message})`,
        { where, cause: error },
      );
    }
    const vocab = this.core.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const special: Record<string, string> = {};
    for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
      const text = tokenText(tokenizerConfig[key]);
      if (text !== undefined) special[key] = text;
    }
    this.specialTokens = Object.freeze(special);
    const idOf = (key: string): number | undefined => {
      const text = special[key];
      if (text === undefined) return undefined;
      const id = this.core.token_to_id(text);
      if (id === undefined) {
        throw new O1labError(
          'CORRUPT_FILE',
          `tokenizer_config.json's \`${key}\` ${JSON.stringify(text)} is not in tokenizer.json's vocabulary`,
          { where },
        );
      }
      return id;
    };
    const eos = idOf('eos_token') ?? fallback.eosId;
    if (eos === undefined) {
      throw new O1labError('CORRUPT_FILE', 'no end-of-sequence token', {
        where,
        hint: 'set `eos_token` in tokenizer_config.json or `eos_token_id` in config.json',
      });
    }
    this.eosId = eos;
    this.bosId = idOf('bos_token') ?? fallback.bosId ?? eos;
    this.padId = idOf('pad_token') ?? fallback.padId ?? eos;
    this.chatTemplate = chatTemplateOf(tokenizerConfig.chat_template, where);
  }

  /** Token ids of `text`; a character the vocabulary cannot represent is an `INVALID_INPUT` error. */
  encode(text: string, options: HfEncodeOptions = {}): number[] {
    const { ids } = this.core.encode(text, { add_special_tokens: options.addSpecialTokens ?? false });
    for (const id of ids) {
      if (typeof id !== 'number') {
        throw new O1labError(
          'INVALID_INPUT',
          `text ${JSON.stringify(text)} has characters outside the vocabulary`,
          {
            where: 'HfTokenizer.encode',
          },
        );
      }
    }
    return ids;
  }

  /** Decodes ids; special tokens decode to the empty string. */
  decode(ids: readonly number[]): string {
    return this.core.decode([...ids], { skip_special_tokens: true });
  }

  /** Text of one token as it appears in decoded output (special tokens included). */
  tokenText(id: number): string {
    const cached = this.texts.get(id);
    if (cached !== undefined) return cached;
    const text: string = this.core.decode([id], { skip_special_tokens: false });
    this.texts.set(id, text);
    return text;
  }

  /**
   * Renders `messages` with the config's `chat_template`, as `transformers`' `apply_chat_template(...,
   * tokenize=False)` does: the template sees `messages`, `add_generation_prompt` and the special
   * tokens (`bos_token`, `eos_token`, ...).
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (this.chatTemplate === undefined) {
      throw new O1labError('UNSUPPORTED', 'tokenizer_config.json has no `chat_template`', {
        where: 'HfTokenizer.applyChatTemplate',
        hint: 'render the prompt yourself, or use an instruct model whose config carries a template',
      });
    }
    this.template ??= new Template(this.chatTemplate);
    return this.template.render({
      ...this.specialTokens,
      ...options.variables,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// tokenizer_config.json writes a special token as a string or as an AddedToken dict `{ content, ... }`.
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  return undefined;
}

function chatTemplateOf(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.filter(isObject);
    const chosen = named.find((t) => t.name === 'default') ?? named[0];
    if (chosen !== undefined && typeof chosen.template === 'string') return chosen.template;
  }
  throw new O1labError(
    'CORRUPT_FILE',
    'tokenizer_config.json `chat_template` must be a string or a list of { name, template }',
    { where },
  );
}
