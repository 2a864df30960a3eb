import { TRACE_ALPHABET } from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { backtrackingRevisionPrompt, createMethodRegistry } from './methods.js';
import { levelForTokens } from './sweep.js';

const methods = createMethodRegistry();
const base = { seed: 3, maxTokens: 55 };

describe('methods', () => {
  it('beam and DVTS widths divide N at every level', () => {
    for (const name of ['beam-prm', 'dvts-prm']) {
      for (const level of [1, 2, 3, 4, 6, 8, 12, 16, 64]) {
        const c = methods.get(name).config(level, base) as { n: number; beamWidth: number };
        expect(c.n).toBe(level);
        expect(c.n % c.beamWidth, `${name} N=${level}`).toBe(0);
        expect(c.beamWidth).toBeLessThanOrEqual(4);
      }
    }
  });

  it('sizes knobs for a token budget: samples for best-of-N, the square root for tree of thoughts', () => {
    expect(levelForTokens(256, 55)).toBe(16);
    expect(levelForTokens(65536, 55)).toBe(4096);
    const tot = methods.get('tot-prm');
    expect(tot.tokensToLevel?.(256, base)).toBe(1);
    expect(tot.tokensToLevel?.(65536, base)).toBe(16);
    // Its first call (N thoughts for the root) fits the budget at every level of the sweep.
    for (let k = 8; k <= 16; k++) {
      const n = tot.tokensToLevel!(2 ** k, base);
      expect(n * Math.min(64, base.maxTokens)).toBeLessThanOrEqual(2 ** k);
    }
  });

  it('greedy runs once, at temperature 0, whatever the level', () => {
    const greedy = methods.get('greedy');
    expect(greedy.scalable).toBe(false);
    expect(greedy.config(8, base)).toMatchObject({ n: 1, temperature: 0 });
  });

  it('writes the revision prompt in the trace alphabet, the last attempt as an abandoned branch', () => {
    const root = {
      problem: { id: 'p', task: 'countdown', question: '', data: null },
      prompt: 'reach 10 with 2 3 4\n',
      steps: [],
    };
    const prompt = backtrackingRevisionPrompt(root, [
      '2+3=5\n5*4=20\nanswer: 10',
      '3*4=12\n12-2=10\nanswer: 10',
    ]);
    expect(prompt).toBe('reach 10 with 2 3 4\ntry: 3*4=12\ntry: 12-2=10\nback: start over\n');
    for (const ch of prompt) expect(TRACE_ALPHABET.includes(ch), JSON.stringify(ch)).toBe(true);
    expect(backtrackingRevisionPrompt(root, [])).toBe(root.prompt);
  });
});
