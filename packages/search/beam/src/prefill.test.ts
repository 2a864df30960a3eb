import { runPrefillChecks } from '@o1lab/search-testkit';
import { beamSearch } from './beam.js';

runPrefillChecks('beam search', (problem, context) =>
  beamSearch(problem, context, { config: { n: 16, beamWidth: 4, numIterations: 6, maxStepTokens: 12 } }),
);
