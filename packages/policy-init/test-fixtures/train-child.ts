// Child process of the resume test: runs a recipe with a checkpoint directory (resuming when one is
// there) and saves the final weights. Usage: tsx --conditions=source train-child.ts '<json>'
import { saveCheckpoint } from '@o1lab/model';
import { trainPolicy } from '../src/index.js';

const { recipe, checkpointDir, outDir } = JSON.parse(process.argv[2]!) as {
  recipe: Record<string, unknown>;
  checkpointDir: string;
  outDir: string;
};
const trained = await trainPolicy(recipe, { checkpointDir, resume: true });
await saveCheckpoint(outDir, { model: trained.model });
process.stdout.write(`${JSON.stringify({ resumedFromStep: trained.resumedFromStep })}\n`);
