/**
 * The characters prompts and traces of the synthetic tasks are written in: the vocabulary of the
 * character-level tokenizer the small models use. Lower case only, no unicode.
 */
export const TRACE_ALPHABET = ' \n0123456789+-*/=()[],.:;?!<>abcdefghijklmnopqrstuvwxyz#';

/** Separates the steps of a trace. */
export const STEP_DELIMITER = '\n';

/** Starts the final line of every synthetic-task trace. */
export const ANSWER_PREFIX = 'answer:';

/**
 * Longest completion the synthetic-task verifiers read. Their traces are a few hundred characters;
 * anything past this is rejected before it is scanned.
 */
export const MAX_COMPLETION_LENGTH = 65_536;

const ALPHABET_SET = new Set(TRACE_ALPHABET);

/** True when every character of `text` is in {@link TRACE_ALPHABET}. */
export function isTraceText(text: string): boolean {
  for (const ch of text) if (!ALPHABET_SET.has(ch)) return false;
  return true;
}

/** A completion split into step lines and the answer line. */
export interface SplitCompletion {
  /** Non-empty lines before the answer line, trimmed. */
  readonly steps: string[];
  /** Text after `answer:` on the first answer line, trimmed; null when there is none. */
  readonly answer: string | null;
}

/**
 * Splits a completion at the first line that starts with `answer:`; what follows that line is
 * ignored (generation is expected to stop there). Blank lines and surrounding spaces are dropped.
 */
export function splitCompletion(text: string): SplitCompletion {
  const steps: string[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    if (line.startsWith(ANSWER_PREFIX)) return { steps, answer: line.slice(ANSWER_PREFIX.length).trim() };
    steps.push(line);
  }
  return { steps, answer: null };
}

/** The normalised text of the first answer line (spaces removed), or null. */
export function parseAnswerLine(text: string): string | null {
  if (text.length > MAX_COMPLETION_LENGTH) return null;
  const { answer } = splitCompletion(text);
  if (answer === null || answer.length === 0) return null;
  return answer.replace(/ +/g, '');
}
