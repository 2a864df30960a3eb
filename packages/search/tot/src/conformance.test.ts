import { runSearcherConformance } from '@o1lab/search-testkit';
import { totSearcher } from './tot.js';

runSearcherConformance(() => totSearcher, {
  name: 'tot conformance (BFS)',
  config: { maxStepTokens: 8, maxCompletionTokens: 24 },
});

runSearcherConformance(() => totSearcher, {
  name: 'tot conformance (DFS)',
  config: { algorithm: 'dfs', maxStepTokens: 8, maxCompletionTokens: 24 },
});
