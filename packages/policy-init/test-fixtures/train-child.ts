// Child process of the resume test: runs a recipe with a checkpoint directory (resuming when one is
// there) and saves the final weights. Usage: tsx --conditions=source train-child.ts '<json>'
// With `killAtCheckpoint: n` it SIGKILLs itself right after writing its n-th checkpoint, so the
// kill lands mid-run however slowly the machine runs (a parent polling for the file can be too late).
import { saveCheckpoint } from '@o1lab/model';
import { trainPolicy } from '../src/index.js';

const { recipe, checkpointDir, outDir, killAtCheckpoint } = JSON.parse(process.argv[2]!) as {
  recipe: Record<string, unknown>;
  checkpointDir: string;
  outDir: string;
  killAtCheckpoint?: number;
};
let checkpoints = 0;
const log = (line: string) => {
  if (line.startsWith('checkpoint ') && ++checkpoints === killAtCheckpoint)
    process.kill(process.pid, 'SIGKILL');
};
const trained = await trainPolicy(recipe, { checkpointDir, resume: true, log });
await saveCheckpoint(outDir, { model: trained.model });
process.stdout.write(`${JSON.stringify({ resumedFromStep: trained.resumedFromStep })}\n`);
