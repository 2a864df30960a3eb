import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@o1lab/core';
import { CharTokenizer, initTinyGptWeights, resolveTinyGptConfig, writeTinyGptOnnx } from '@o1lab/model';

/** Alphabet of the test model. */
export const TEST_ALPHABET = '0123456789+-*=;\n abc';

/**
 * A small random TinyGPT exported to `model.onnx` + `tokenizer.json` in a fresh temp dir. Weights are
 * perturbed beyond init so that next-token distributions are peaked and varied.
 */
export async function writeTestModel(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const tokenizer = new CharTokenizer(TEST_ALPHABET);
  const config = resolveTinyGptConfig({
    vocabSize: tokenizer.vocabSize,
    dModel: 32,
    nHead: 2,
    nLayer: 2,
    context: 96,
    seed: 2,
  });
  const rng = createRng(9);
  const weights = new Map(
    [...initTinyGptWeights(config)].map(([name, w]) => [
      name,
      w.map((v) => v + rng.normal(0, name.endsWith('.g') ? 0.2 : 0.4)),
    ]),
  );
  const dir = await mkdtemp(join(tmpdir(), 'o1lab-serve-'));
  await writeTinyGptOnnx(join(dir, 'model.onnx'), config, weights);
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer.toJSON()));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
