import { O1labError } from '@o1lab/core';

/**
 * Text <-> token ids. The character tokenizer below implements it; so can a Hugging Face
 * tokenizer.json tokenizer.
 */
export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** Text of one token (for stop-string matching while streaming). */
  tokenText(id: number): string;
}

/** Serialised form of a {@link CharTokenizer} (stored next to checkpoints). */
export interface CharTokenizerJson {
  readonly type: 'char';
  /** Characters in id order, after the three special tokens. */
  readonly chars: string;
}

/** Special tokens take ids 0..2. */
export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
const NUM_SPECIAL = 3;
const SPECIAL_TEXT = ['<pad>', '<bos>', '<eos>'];

/**
 * One token per character of a fixed alphabet, plus `<pad>`, `<bos>`, `<eos>`. The tasks' alphabets
 * are small (digits, operators, a few words), so this keeps the vocabulary and the model tiny.
 */
export class CharTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId = BOS_ID;
  readonly eosId = EOS_ID;
  readonly padId = PAD_ID;
  private readonly toId: Map<string, number>;
  private readonly chars: string[];

  constructor(alphabet: string) {
    const chars = [...new Set([...alphabet])];
    if (chars.length === 0)
      throw new O1labError('INVALID_CONFIG', 'CharTokenizer needs a non-empty alphabet');
    this.chars = chars;
    this.toId = new Map(chars.map((c, i) => [c, i + NUM_SPECIAL]));
    this.vocabSize = chars.length + NUM_SPECIAL;
  }

  /** Encodes `text`; a character outside the alphabet is an `INVALID_INPUT` error naming it. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const ch of text) {
      const id = this.toId.get(ch);
      if (id === undefined) {
        throw new O1labError(
          'INVALID_INPUT',
          `character ${JSON.stringify(ch)} is not in the tokenizer's alphabet`,
          {
            where: 'CharTokenizer.encode',
            hint: 'build the tokenizer from an alphabet that covers the task text',
          },
        );
      }
      ids.push(id);
    }
    return ids;
  }

  /** Decodes ids; special tokens decode to the empty string. */
  decode(ids: readonly number[]): string {
    let out = '';
    for (const id of ids) if (id >= NUM_SPECIAL) out += this.chars[id - NUM_SPECIAL] ?? '';
    return out;
  }

  tokenText(id: number): string {
    return id < NUM_SPECIAL ? (SPECIAL_TEXT[id] ?? '') : (this.chars[id - NUM_SPECIAL] ?? '');
  }

  toJSON(): CharTokenizerJson {
    return { type: 'char', chars: this.chars.join('') };
  }

  static fromJSON(json: CharTokenizerJson): CharTokenizer {
    if (json?.type !== 'char' || typeof json.chars !== 'string') {
      throw new O1labError(
        'CORRUPT_FILE',
        'tokenizer JSON is not a char tokenizer ({ type: "char", chars })',
      );
    }
    return new CharTokenizer(json.chars);
  }
}

/** Alphabet covering the built-in tasks' prompts and traces (digits, operators, lower-case words). */
export const TASK_ALPHABET = ' \n0123456789+-*/=()[],.:;?!<>abcdefghijklmnopqrstuvwxyz#';
