import { referenceBeamKeep } from '@o1lab/reference';
import { contextOf, createToyEnvironment } from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { beamSearch } from './beam.js';

describe('beam search against the scalar oracle in reference/', () => {
  it('keeps, every round, exactly the beams the oracle keeps', async () => {
    for (let seed = 0; seed < 8; seed++) {
      const env = createToyEnvironment({ seed, depth: 4, branching: 3, reward: 'noisy', noise: 0.3 });
      const n = 8;
      const beamWidth = 2;
      const r = await beamSearch(env.problem, contextOf(env), {
        config: { n, beamWidth, maxStepTokens: 16, seed },
      });
      const tree = r.tree!;
      for (let round = 0; round < tree.rounds; round++) {
        const nodes = tree.nodes.filter((x) => x.round === round);
        const kept = referenceBeamKeep(nodes, n / beamWidth).map((k) => nodes[k]!.id);
        expect(
          nodes
            .filter((x) => x.status === 'kept')
            .map((x) => x.id)
            .sort((a, b) => a - b),
        ).toEqual(kept.sort((a, b) => a - b));
      }
    }
  });
});
