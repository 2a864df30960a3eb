import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Estimate, Task } from '@o1lab/core';
import { getTask } from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from './evaluate.js';
import { resolveRecipeConfig } from './recipe-config.js';
import {
  loadReferencePolicy,
  REFERENCE_CHECKPOINT_RECIPES,
  REFERENCE_EVALUATION,
  REFERENCE_RECIPES,
  referenceModelDir,
} from './reference.js';
import { heldOutProblems } from './synthesize.js';

describe('reference checkpoints', () => {
  for (const task of ['countdown', 'game24', 'arithmetic'] as const) {
    it(`${task}: under 5 MB, written by the recipe recorded for the checkpoint`, async () => {
      const dir = referenceModelDir(task);
      const { size } = await stat(join(dir, 'model.safetensors'));
      expect(size).toBeLessThan(5 * 1024 * 1024);
      const { recipe } = JSON.parse(await readFile(join(dir, 'training.json'), 'utf8'));
      expect(recipe).toEqual(resolveRecipeConfig(REFERENCE_CHECKPOINT_RECIPES[task]));
    });
  }

  it('countdown and game24 recipes now carry behaviours; the checkpoints differ only in traces and context', () => {
    for (const task of ['countdown', 'game24'] as const) {
      const now = resolveRecipeConfig(REFERENCE_RECIPES[task]);
      const then = resolveRecipeConfig(REFERENCE_CHECKPOINT_RECIPES[task]);
      expect(now.synthesis.rates.analysis).toBeGreaterThan(0);
      expect(now.synthesis.rates.selfCorrection).toBeGreaterThan(0);
      expect(now.synthesis.rates.backtracking).toBeGreaterThan(0);
      expect(then.synthesis.rates.analysis).toBe(0);
      expect({ ...now, synthesis: then.synthesis, model: then.model }).toEqual(then);
    }
    expect(REFERENCE_CHECKPOINT_RECIPES.arithmetic).toEqual(REFERENCE_RECIPES.arithmetic);
  });

  it('countdown: greedy pass@1 in 20-60% and pass@16 at least 1.5x greedy (headroom for search and learning)', async () => {
    const card = JSON.parse(
      await readFile(join(referenceModelDir('countdown'), 'evaluation.json'), 'utf8'),
    ) as { greedyPass1: Estimate; passAtK: Record<string, Estimate> };
    expect(card.greedyPass1.value).toBeGreaterThanOrEqual(0.2);
    expect(card.greedyPass1.value).toBeLessThanOrEqual(0.6);
    expect(card.passAtK['pass@16']!.value).toBeGreaterThanOrEqual(1.5 * card.greedyPass1.value);
  });

  for (const task of ['countdown', 'game24'] as const) {
    it(`${task}: the evaluation command reproduces the card's greedy pass@1 and pass@k`, async () => {
      const dir = referenceModelDir(task);
      const card = JSON.parse(await readFile(join(dir, 'evaluation.json'), 'utf8')) as {
        numProblems: number;
        greedyPass1: Estimate;
        passAtK: Record<string, Estimate>;
        config: { maxTokens: number };
      };
      const recipe = resolveRecipeConfig(REFERENCE_CHECKPOINT_RECIPES[task]);
      const problems = heldOutProblems(getTask(task) as Task, card.numProblems, {
        seed: REFERENCE_EVALUATION.seed,
        generateOptions: recipe.generateOptions,
        heldOutFraction: recipe.heldOutFraction,
      });
      const { policy, runtime } = await loadReferencePolicy(task);
      const evaluation = await evaluatePolicy(policy, getTask(task) as Task, problems, {
        ...REFERENCE_EVALUATION.config,
        maxTokens: card.config.maxTokens,
      });
      await runtime.dispose();
      expect(evaluation.greedyPass1.value).toBe(card.greedyPass1.value);
      for (const [k, e] of Object.entries(card.passAtK))
        expect(evaluation.passAtK[k]!.value).toBeCloseTo(e.value, 12);
    }, 240_000);
  }
});
