/**
 * GSM8K answer extraction (Cobbe et al., 2021): reference solutions end in `#### 42`; model outputs
 * may use `####`, "the answer is 42", or only state the number last. Answers are compared as exact
 * decimal numbers in canonical form: `$1,234.50` -> `1234.5`, `5.00` -> `5`, `-0` -> `0`.
 *
 * Every pattern here is a single linear scan (no nested quantifiers), so a megabyte of hostile text
 * costs one pass.
 */

/** Longest text scanned; longer inputs are read only in their last this-many characters. */
export const MAX_ANSWER_TEXT_LENGTH = 1_000_000;

// A number with optional sign, currency sign and thousands separators: -$1,234.50
const NUMBER = /(-?)\s?\$?\s?(\d[\d,]*(?:\.\d+)?|\.\d+)/g;

/**
 * The final answer of a GSM8K-style text in canonical decimal form, or null when it has no number.
 * Prefers the text after the last `####`, then after the last "answer is" / "answer:", then the last
 * number in the text.
 */
export function extractGsm8kAnswer(text: string): string | null {
  const tail = text.length > MAX_ANSWER_TEXT_LENGTH ? text.slice(text.length - MAX_ANSWER_TEXT_LENGTH) : text;
  const hashes = tail.lastIndexOf('####');
  if (hashes !== -1) {
    const line = firstLine(tail.slice(hashes + 4));
    return firstNumber(line);
  }
  const lower = tail.toLowerCase();
  const marker = Math.max(lower.lastIndexOf('answer is'), lower.lastIndexOf('answer:'));
  if (marker !== -1) {
    const found = firstNumber(firstLine(tail.slice(marker)));
    if (found !== null) return found;
  }
  return lastNumber(tail);
}

/** Canonical decimal form of a number literal (`1,234.50` -> `1234.5`), or null when it is not one. */
export function normalizeGsm8kNumber(text: string): string | null {
  return firstNumber(text.trim());
}

/** True when both texts state the same number. */
export function gsm8kAnswersEqual(a: string, b: string): boolean {
  const x = normalizeGsm8kNumber(a);
  return x !== null && x === normalizeGsm8kNumber(b);
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}

function firstNumber(text: string): string | null {
  NUMBER.lastIndex = 0;
  const m = NUMBER.exec(text);
  return m === null ? null : canonical(m[1]!, m[2]!);
}

function lastNumber(text: string): string | null {
  let last: RegExpExecArray | null = null;
  NUMBER.lastIndex = 0;
  for (let m = NUMBER.exec(text); m !== null; m = NUMBER.exec(text)) last = m;
  return last === null ? null : canonical(last[1]!, last[2]!);
}

function canonical(sign: string, body: string): string {
  const plain = body.replace(/,/g, '');
  const dot = plain.indexOf('.');
  let int = dot === -1 ? plain : plain.slice(0, dot);
  let frac = dot === -1 ? '' : plain.slice(dot + 1);
  int = int.replace(/^0+/, '') || '0';
  frac = frac.replace(/0+$/, '');
  const magnitude = frac.length > 0 ? `${int}.${frac}` : int;
  return sign === '-' && magnitude !== '0' ? `-${magnitude}` : magnitude;
}
