import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRng, isO1labError } from '@o1lab/core';
import { afterAll, describe, expect, it } from 'vitest';
import { gsm8kProblem, loadGsm8k, loadMath500 } from './datasets.js';
import { gsm8kTask, mathTask } from './real-tasks.js';
import { sharedDataDir } from './test-helpers.js';

const gsm8kPath = path.join(sharedDataDir, 'gsm8k', 'test.jsonl');
const mathPath = path.join(sharedDataDir, 'math500', 'test.jsonl');
const hasGsm8k = existsSync(gsm8kPath);
const hasMath = existsSync(mathPath);
if (!hasGsm8k || !hasMath) {
  console.warn(
    `skipping dataset loader tests on real data: ${sharedDataDir} not found (it is not part of the repository)`,
  );
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'o1lab-tasks-'));
  dirs.push(dir);
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('loadGsm8k / gsm8kTask', () => {
  it('loads user files, with ids from the question and answers from ####', async () => {
    const file = await tempFile(
      'g.jsonl',
      `${JSON.stringify({ question: 'How many?', answer: 'It is 2+3=<<2+3=5>>5\n#### 5' })}\n\n`,
    );
    const [p] = await loadGsm8k(file);
    expect(p!.answer).toBe('5');
    expect(p!.id).toMatch(/^gsm8k-[0-9a-f]{12}$/);
    expect(gsm8kProblem('How many?', '#### 5').id).toBe(p!.id);
    expect(gsm8kTask.verify(p!, 'So 5 apples.\n#### 5')).toEqual({ correct: true, answer: '5' });
    expect(gsm8kTask.verify(p!, 'The answer is 5.00')).toEqual({ correct: true, answer: '5' });
    expect(gsm8kTask.verify(p!, '#### 6').correct).toBe(false);
    expect(gsm8kTask.verify(p!, 'no idea').correct).toBe(false);
  });

  it('rejects a bad line naming the file and line', async () => {
    const file = await tempFile(
      'bad.jsonl',
      `${JSON.stringify({ question: 'q', answer: '#### 1' })}\n{"question": 3}\n`,
    );
    await expect(loadGsm8k(file)).rejects.toThrow(/bad\.jsonl:2/);
  });

  it('cannot generate problems', () => {
    try {
      gsm8kTask.generate(createRng(1));
      expect.unreachable();
    } catch (error) {
      expect(isO1labError(error, 'UNSUPPORTED')).toBe(true);
      expect((error as Error).message).toMatch(/loadGsm8k/);
    }
  });

  it.skipIf(!hasGsm8k)(
    'loads the 1319 test problems with unique ids; every reference solution verifies',
    async () => {
      const problems = await loadGsm8k(gsm8kPath);
      expect(problems).toHaveLength(1319);
      expect(new Set(problems.map((p) => p.id)).size).toBe(1319);
      for (const p of problems) expect(gsm8kTask.verify(p, p.data.solution).correct).toBe(true);
    },
  );
});

describe('loadMath500 / mathTask', () => {
  it('loads user files and verifies boxed answers by equivalence', async () => {
    const record = {
      problem: 'Half of one?',
      solution: 'It is $\\boxed{\\frac12}$.',
      answer: '\\frac{1}{2}',
      subject: 'Algebra',
      level: 'Level 1',
      unique_id: 'test/algebra/1.json',
    };
    const [p] = await loadMath500(await tempFile('m.jsonl', `${JSON.stringify(record)}\n`));
    expect(p!.id).toBe('math-test-algebra-1');
    expect(p!.answer).toBe('\\frac{1}{2}');
    expect(mathTask.verify(p!, p!.data.solution)).toEqual({ correct: true, answer: '\\frac{1}{2}' });
    expect(mathTask.verify(p!, 'so \\boxed{0.5}').correct).toBe(true);
    expect(mathTask.verify(p!, 'so \\boxed{0.6}').correct).toBe(false);
    expect(mathTask.verify(p!, 'so 0.5').reason).toMatch(/boxed/);
    expect(mathTask.parseAnswer('\\boxed{\\dfrac{1}{2}}')).toBe('\\frac{1}{2}');
    expect(() => mathTask.generate(createRng(1))).toThrow(/loadMath500/);
  });

  it.skipIf(!hasMath)('loads MATH-500 with unique ids; reference solutions verify', async () => {
    const problems = await loadMath500(mathPath);
    expect(problems).toHaveLength(500);
    expect(new Set(problems.map((p) => p.id)).size).toBe(500);
    const correct = problems.filter((p) => mathTask.verify(p, p.data.solution).correct).length;
    expect(correct).toBeGreaterThanOrEqual(495);
  });
});
