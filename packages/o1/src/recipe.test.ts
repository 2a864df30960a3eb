import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { taskRegistry } from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { createMethodRegistry } from './methods.js';
import { RECIPES_DIR, readRecipe, resolveRecipe } from './recipe.js';

const known = { tasks: taskRegistry.names(), methods: createMethodRegistry().names() };
const minimal = { name: 't', task: 'countdown' };

describe('resolveRecipe', () => {
  it('validates every built-in recipe and fills defaults', async () => {
    const files = (await readdir(RECIPES_DIR)).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['full.json', 'micro.json', 'quick.json']);
    for (const f of files) {
      const recipe = resolveRecipe(JSON.parse(await readFile(join(RECIPES_DIR, f), 'utf8')), known);
      expect(recipe.policy).toBe(`reference:${recipe.task}`);
      expect(recipe.evaluation.methods.length).toBeGreaterThanOrEqual(5);
    }
  });

  it('fills the documented defaults for a minimal recipe', () => {
    const r = resolveRecipe(minimal, known);
    expect(r.seed).toBe(0);
    expect(r.rounds).toBe(1);
    expect(r.policy).toBe('reference:countdown');
    expect(r.rewardModel.kind).toBe('prm');
    expect(r.learner.name).toBe('expert-iteration');
    expect(r.evaluation.levels).toEqual([1, 2, 4, 8, 16]);
  });

  it.each([
    [{ ...minimal, task: 'chess' }, /recipe\.task.*countdown/],
    [
      { ...minimal, evaluation: { methods: ['majority-vote', 'telepathy'] } },
      /recipe\.evaluation\.methods\[1\].*beam-prm/,
    ],
    [{ ...minimal, evaluation: { levels: [1, 0] } }, /recipe\.evaluation\.levels\[1\].*>= 1/],
    [{ ...minimal, evaluation: { levels: [1, 2.5] } }, /recipe\.evaluation\.levels\[1\]/],
    [
      { ...minimal, rewardModel: { kind: 'oracle' } },
      /recipe\.rewardModel\.kind. must be one of 'prm', 'orm', 'verifier', got 'oracle'/,
    ],
    [
      { ...minimal, learner: { name: 'ppo' } },
      /recipe\.learner\.name. must be one of 'expert-iteration', 'dpo'/,
    ],
    [{ ...minimal, learner: { learningRate: -1 } }, /recipe\.learner\.learningRate/],
    [{ ...minimal, rounds: -1 }, /recipe\.rounds/],
    [{ ...minimal, search: { level: 'many' } }, /recipe\.search\.level/],
    [{ ...minimal, evaluaton: {} }, /unknown field `recipe\.evaluaton`.*evaluation/],
    [{ ...minimal, evaluation: { problem: 3 } }, /unknown field `recipe\.evaluation\.problem`/],
    [{ ...minimal, evaluation: { methods: ['greedy', 'greedy'] } }, /lists a method twice/],
    [[1, 2], /must be a JSON object/],
  ])('rejects %j naming the field', (input, message) => {
    expect(() => resolveRecipe(input, known)).toThrow(message);
  });
});

describe('readRecipe', () => {
  it('reads a built-in recipe by name', async () => {
    const { path, json } = await readRecipe('quick');
    expect(path.endsWith(join('recipes', 'quick.json'))).toBe(true);
    expect((json as { task: string }).task).toBe('countdown');
  });

  it('names the built-in recipes when one is unknown, and the path when a file is unreadable', async () => {
    await expect(readRecipe('quik')).rejects.toThrow(/quik.*built-in recipes: full, micro, quick/);
    await expect(readRecipe('/nonexistent/recipe.json')).rejects.toThrow(/\/nonexistent\/recipe\.json/);
  });

  it('reports invalid JSON with the path', async () => {
    await expect(readRecipe(join(RECIPES_DIR, '..', 'package.json.broken'))).rejects.toThrow(/cannot read/);
    await expect(readRecipe(fileURLToPathSafe('./test-fixtures/broken-recipe.txt'))).rejects.toThrow(
      /broken-recipe\.txt is not valid JSON/,
    );
  });
});

function fileURLToPathSafe(rel: string): string {
  return new URL(`../${rel}`, import.meta.url).pathname;
}
