import { runSearcherConformance } from '@o1lab/search-testkit';
import { revisionSearcher } from './revision.js';

runSearcherConformance(() => revisionSearcher, {
  name: 'revision conformance (ORM, hierarchical selection)',
  config: { numSamples: 8, maxTokens: 16 },
  optimal: { config: { numSamples: 64, sequentialRatio: 1 / 64, finalSelection: 'best' } },
});

runSearcherConformance(() => revisionSearcher, {
  name: 'revision conformance (verifier, majority)',
  reward: 'none',
  config: { numSamples: 8, maxTokens: 16, scorer: 'verifier', finalSelection: 'majority' },
  optimal: {
    reward: 'none',
    config: { numSamples: 64, sequentialRatio: 4, scorer: 'verifier', finalSelection: 'best' },
  },
});
