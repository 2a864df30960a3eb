import { runPrefillChecks } from '@o1lab/search-testkit';
import { mctsSearch } from './mcts.js';

runPrefillChecks('MCTS', (problem, context) =>
  mctsSearch(problem, context, {
    budget: { generatedTokens: 2048 },
    config: { numSimulations: 48, batchSize: 4, numActions: 4, maxStepTokens: 12, maxDepth: 6 },
  }),
);
