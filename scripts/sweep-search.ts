// `npm run sweep:search`: every search algorithm at generated-token budgets 2^8 .. 2^16 per problem
// on held-out countdown problems with the countdown reference checkpoint, guided by a PRM trained on
// the policy's own Monte-Carlo-labelled samples. Writes metrics.json (the JSON), curves.svg
// (accuracy vs generated tokens, log x), curves-flops.svg and report.md into reports/search/.
// Extra arguments go to `o1lab scale test-time` (e.g. `-- --problems 50 --resume --out runs/sweep`).
import { main } from '@o1lab/o1';

const METHODS = [
  'greedy',
  'majority-vote',
  'best-of-n-prm',
  'weighted-best-of-n-prm',
  'beam-prm',
  'dvts-prm',
  'mcts-prm',
  'tot-prm',
  'best-first-prm',
  'revision-prm',
];
const BUDGETS = [8, 9, 10, 11, 12, 13, 14, 15, 16].map((k) => `2^${k}`);

process.exitCode = await main([
  'scale',
  'test-time',
  '--task',
  'countdown',
  '--methods',
  METHODS.join(','),
  '--budget',
  'generatedTokens',
  '--levels',
  BUDGETS.join(','),
  '--problems',
  '100',
  '--report-dir',
  'reports/search',
  ...process.argv.slice(2),
]);
