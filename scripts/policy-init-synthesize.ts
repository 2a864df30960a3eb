// Writes a behaviour-trace corpus as JSONL (`prompt` / `completion`, the shape TRL's SFTTrainer
// reads, plus task, problem, behaviours, corruptedLines, abandonedLines):
//   npx tsx --conditions=source scripts/policy-init-synthesize.ts --task countdown --count 1000 --out corpus.jsonl
// Options: --seed N (default 0), --max-length N (default 192), --rates '{"selfCorrection":0.5}'.
import { parseArgs } from 'node:util';
import { type Task, writeJsonl } from '@o1lab/core';
import { behaviourRates, synthesizeCorpus } from '@o1lab/policy-init';
import { getTask } from '@o1lab/tasks';

const { values } = parseArgs({
  options: {
    task: { type: 'string', default: 'countdown' },
    count: { type: 'string', default: '1000' },
    out: { type: 'string', default: 'corpus.jsonl' },
    seed: { type: 'string', default: '0' },
    'max-length': { type: 'string', default: '192' },
    rates: { type: 'string', default: '{}' },
  },
});
const t0 = performance.now();
const records = synthesizeCorpus(getTask(values.task) as Task, Number(values.count), {
  synthesis: {
    seed: Number(values.seed),
    maxLength: Number(values['max-length']),
    rates: JSON.parse(values.rates) as Record<string, number>,
  },
});
await writeJsonl(values.out, records);
const seconds = (performance.now() - t0) / 1000;
console.log(
  `${records.length} traces -> ${values.out} in ${seconds.toFixed(2)} s; behaviour rates ${JSON.stringify(behaviourRates(records.map((r) => r.completion)))}`,
);
