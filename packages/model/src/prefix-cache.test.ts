import { describe, expect, it } from 'vitest';
import { type KvSource, PrefixCache } from './prefix-cache.js';

const shape = { numLayers: 1, numHeads: 2, headDim: 3 };
const bytesPerToken = 2 * 1 * 2 * 3 * 4;

/** One batch row [1, H, T, Dh] per tensor whose value at (t, h, d) encodes its token. */
function source(tokens: readonly number[]): KvSource {
  const T = tokens.length;
  const tensors = [0, 1].map((kind) => {
    const t = new Float32Array(2 * T * 3);
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < T; i++) {
        for (let d = 0; d < 3; d++) t[(h * T + i) * 3 + d] = kind * 1000 + tokens[i]! * 10 + h + d / 10;
      }
    }
    return t;
  });
  return { tensors, row: 0, length: T, positions: tokens.map((_, i) => i) };
}

function gathered(cache: PrefixCache, tokens: readonly number[], maxLength = tokens.length) {
  const match = cache.match(tokens, maxLength);
  const dst = [0, 1].map(() => new Float32Array(2 * match.length * 3));
  cache.gather(match, dst, 0, match.length, 0);
  return { length: match.length, dst };
}

describe('PrefixCache', () => {
  it('returns the keys and values of the longest cached prefix, across split edges', () => {
    const cache = new PrefixCache(shape, 1 << 20);
    cache.insert([1, 2, 3, 4, 5], source([1, 2, 3, 4, 5]));
    cache.insert([1, 2, 9], source([1, 2, 9]));
    expect(cache.stats()).toMatchObject({ numTokens: 6, bytes: 6 * bytesPerToken });
    const { length, dst } = gathered(cache, [1, 2, 3, 7]);
    expect(length).toBe(3);
    expect(dst).toEqual(source([1, 2, 3]).tensors);
    expect(gathered(cache, [1, 2, 9, 9]).dst).toEqual(source([1, 2, 9]).tensors);
    expect(gathered(cache, [1, 2, 3, 4, 5], 4).length).toBe(4);
    expect(gathered(cache, [2, 1]).length).toBe(0);
  });

  it('gathers into a batch row at a time offset of a wider tensor', () => {
    const cache = new PrefixCache(shape, 1 << 20);
    cache.insert([4, 5], source([4, 5]));
    const match = cache.match([4, 5]);
    const T = 4;
    const dst = [0, 1].map(() => new Float32Array(2 * 2 * T * 3)); // [B=2, H, T=4, Dh]
    cache.gather(match, dst, 1, T, 2);
    // Row 1, head 1, time 3 holds token 5's head-1 vector.
    const at = ((1 * 2 + 1) * T + 3) * 3;
    expect(Array.from(dst[0]!.subarray(at, at + 3))).toEqual([51, 51.1, 51.2].map(Math.fround));
    expect(dst[0]!.subarray(0, 2 * T * 3).every((v) => v === 0)).toBe(true);
  });

  it('evicts least recently used leaves to stay within its byte bound', () => {
    const cache = new PrefixCache(shape, 10 * bytesPerToken);
    cache.insert([1, 2, 3, 4], source([1, 2, 3, 4]));
    cache.insert([5, 6, 7, 8], source([5, 6, 7, 8]));
    cache.match([1, 2, 3, 4]); // the first is now the more recent
    cache.insert([9, 9, 9, 9], source([9, 9, 9, 9]));
    const stats = cache.stats();
    expect(stats.bytes).toBeLessThanOrEqual(10 * bytesPerToken);
    expect(stats.evictedTokens).toBe(4);
    expect(cache.match([5, 6, 7, 8]).length).toBe(0);
    expect(cache.match([1, 2, 3, 4]).length).toBe(4);
    expect(cache.match([9, 9, 9, 9]).length).toBe(4);
  });

  it('caches nothing with a zero byte bound, and clear() empties it', () => {
    const off = new PrefixCache(shape, 0);
    off.insert([1, 2], source([1, 2]));
    expect(off.match([1, 2]).length).toBe(0);
    const cache = new PrefixCache(shape, 1 << 20);
    cache.insert([1, 2], source([1, 2]));
    cache.clear();
    expect(cache.stats()).toMatchObject({ bytes: 0, numTokens: 0, numNodes: 0 });
    expect(() => new PrefixCache(shape, -1)).toThrow(/prefixCacheBytes/);
  });
});
