import { O1labError } from '@o1lab/core';

/**
 * Masked whitening in float64 (TRL `masked_whiten`): (x - mean) / sqrt(var + eps) over the positions
 * where `mask` is 1, variance with Bessel's correction; with `shiftMean` false the mean is added
 * back. Positions outside the mask are 0.
 */
export function maskedWhiten(
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
  options: { readonly shiftMean?: boolean; readonly eps?: number } = {},
): Float32Array {
  if (values.length !== mask.length) {
    throw new O1labError('INVALID_INPUT', `${values.length} values for a mask of ${mask.length}`, {
      where: 'maskedWhiten',
    });
  }
  const eps = options.eps ?? 1e-8;
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask[i] !== 0) {
      n++;
      sum += values[i]!;
    }
  }
  const out = new Float32Array(values.length);
  if (n === 0) return out;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < values.length; i++) if (mask[i] !== 0) squares += (values[i]! - mean) ** 2;
  const variance = n > 1 ? squares / (n - 1) : 0;
  const scale = 1 / Math.sqrt(variance + eps);
  const back = options.shiftMean === false ? mean : 0;
  for (let i = 0; i < values.length; i++) if (mask[i] !== 0) out[i] = (values[i]! - mean) * scale + back;
  return out;
}

/** Mean of `values` where `mask` is 1 (0 when the mask is empty). */
export function maskedAverage(values: ArrayLike<number>, mask: ArrayLike<number>): number {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask[i] !== 0) {
      n++;
      sum += values[i]!;
    }
  }
  return n === 0 ? 0 : sum / n;
}
