import { runSearcherConformance } from '@o1lab/search-testkit';
import { bestFirstSearcher } from './best-first.js';

runSearcherConformance(() => bestFirstSearcher, {
  name: 'best-first conformance (REBASE)',
  config: { width: 8, maxStepTokens: 8 },
});

runSearcherConformance(() => bestFirstSearcher, {
  name: 'best-first conformance (priority queue)',
  config: { strategy: 'bestFirst', maxStepTokens: 8 },
});
