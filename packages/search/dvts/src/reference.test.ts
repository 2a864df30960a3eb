import { referenceArgmax } from '@o1lab/reference';
import { contextOf, createToyEnvironment } from '@o1lab/search-testkit';
import { describe, expect, it } from 'vitest';
import { dvts } from './dvts.js';

describe('DVTS against the scalar oracle in reference/', () => {
  it('each subtree takes the oracle argmax (first on ties) of its proposals every round', async () => {
    for (let seed = 0; seed < 8; seed++) {
      // A coarse noisy PRM makes ties likely, so the tie rule is exercised.
      const env = createToyEnvironment({ seed, depth: 3, branching: 2, reward: 'noisy', noise: 0.5 });
      const r = await dvts(env.problem, contextOf(env), {
        config: { n: 8, beamWidth: 4, maxStepTokens: 16, seed },
      });
      const tree = r.tree!;
      for (const [i, path] of tree.paths.entries()) {
        let parent = 0;
        for (const id of path) {
          const proposals = tree.nodes.filter((x) => x.parent === parent && x.subtree === i);
          expect(id).toBe(proposals[referenceArgmax(proposals.map((p) => p.score))]!.id);
          parent = id;
        }
      }
      const scores = r.candidates.map((c) => c.score);
      expect(r.candidates[referenceArgmax(scores)]!.answer).toBe(r.answer);
    }
  });
});
