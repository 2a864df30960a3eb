import type { Json, Problem, Task } from '@o1lab/core';
import {
  type DistillTree,
  distillExamples,
  resolveSearchDistillConfig,
  searchDistillTrain,
} from '@o1lab/learn-search-distill';
import { type MctsConfig, mctsSearch } from '@o1lab/search-mcts';
import { countdownTask } from '@o1lab/tasks';
import type { BenchRecord, BenchSuite } from '../harness.js';
import { measure } from '../harness.js';
import { createImitationWorkload } from '../learn-imitation-workload.js';

const SEED = 53;
const NUM_PROBLEMS = 2;
const MCTS: Partial<MctsConfig> = {
  numSimulations: 32,
  batchSize: 8,
  maxStepTokens: 16,
  maxDepth: 4,
  evaluator: 'rollout',
  rolloutScorer: 'verifier',
  rolloutMaxTokens: 48,
  terminalValue: 'verifier',
};
const DISTILL = { epochs: 1, batchSize: 8, minVisits: 1 } as const;

/**
 * `@o1lab/learn-search-distill` on the imitation workload (learn-imitation-workload.ts, with a value
 * head): `search-distill/rollout` runs MCTS (32 simulations, verifier rollouts) on 2 countdown
 * problems through ONNX Runtime, simulations/s; `search-distill/update` is one epoch of the
 * AlphaZero loss over the training states of those trees in batches of 8, states/s.
 */
export const suite: BenchSuite = {
  name: 'learn',
  description: 'learning algorithms on TinyGPT: rollout samples/s (ONNX Runtime) and update samples/s (tfjs)',
  async run(ctx): Promise<BenchRecord[]> {
    const w = await createImitationWorkload(NUM_PROBLEMS, SEED, true);
    try {
      const task = countdownTask as unknown as Task<Json>;
      let seed = SEED;
      const search = async (): Promise<DistillTree[]> => {
        const trees: DistillTree[] = [];
        for (const problem of w.problems) {
          const result = await mctsSearch(
            problem as Problem<Json>,
            { policy: w.policy, task },
            {
              config: { ...MCTS, seed: seed++ },
            },
          );
          trees.push({ prompt: task.prompt(problem as Problem<Json>), nodes: result.tree!.nodes });
        }
        return trees;
      };
      const trees = await search();
      const config = resolveSearchDistillConfig(DISTILL);
      const examples = trees.flatMap((t) => distillExamples(t, config));
      const description = { ...w.description, mcts: MCTS as Record<string, Json> };
      return [
        await measure(
          {
            name: 'search-distill/rollout',
            unit: 'simulations/s',
            itemsPerIteration: NUM_PROBLEMS * MCTS.numSimulations!,
            config: description,
            seed: SEED,
            backend: { ort: w.runtime.executionProvider },
            fn: search,
          },
          ctx,
        ),
        await measure(
          {
            name: 'search-distill/update',
            unit: 'states/s',
            itemsPerIteration: examples.length,
            config: { ...description, ...DISTILL, numStates: examples.length },
            seed: SEED,
            backend: { tfjs: w.tfjsBackend },
            fn: () => searchDistillTrain(w.model, w.tokenizer, examples, { config: DISTILL }),
          },
          ctx,
        ),
      ];
    } finally {
      await w.dispose();
    }
  },
};
