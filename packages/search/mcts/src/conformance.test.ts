import { runSearcherConformance } from '@o1lab/search-testkit';
import { mctsSearcher } from './mcts.js';

runSearcherConformance(() => mctsSearcher, {
  config: { numSimulations: 32, batchSize: 4, maxStepTokens: 8 },
});

runSearcherConformance(() => mctsSearcher, {
  name: 'mcts conformance (rollouts scored by the verifier, no reward model)',
  reward: 'none',
  config: {
    numSimulations: 48,
    batchSize: 4,
    maxStepTokens: 8,
    evaluator: 'rollout',
    rolloutScorer: 'verifier',
    rolloutMaxTokens: 24,
  },
});
