// AlphaZero-style search distillation from the countdown reference policy: each round runs MCTS
// (verifier rollouts, verifier-valued terminals) on fresh training problems through ONNX Runtime,
// distils the visit distributions (and outcomes, into a new value head) into the policy in tfjs,
// and syncs the weights; reports held-out greedy pass@1 before and after (95% Wilson intervals):
//   npx tsx --conditions=source scripts/learn-search-distill.ts
// Options: --dir DIR (checkpoint, default reference/models/countdown), --out FILE (the report,
// default reports/learn/search-distill.json), --save DIR (also save the final checkpoint),
// --problems N (held-out, default 500), --train-problems N (searches per round, default 64),
// --rounds N (default 4), --simulations N (per search, default 32), --minutes M (wall-clock
// budget: no round starts after it, default 20), --smoke (random-init tiny model, seconds).
import { parseArgs } from 'node:util';
import type { Json, Problem } from '@o1lab/core';
import { type DistillTree, searchDistillLoop } from '@o1lab/learn-search-distill';
import { type MctsConfig, mctsSearch } from '@o1lab/search-mcts';
import {
  formatEstimate,
  greedyPass1,
  loadPolicy,
  MAX_TOKENS,
  pairedDelta,
  task,
  trainingProblems,
  writeRun,
} from './learn-imitation-common.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    out: { type: 'string', default: 'reports/learn/search-distill.json' },
    save: { type: 'string' },
    problems: { type: 'string', default: '500' },
    'train-problems': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '4' },
    simulations: { type: 'string', default: '32' },
    minutes: { type: 'string', default: '20' },
    smoke: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke === true;
const numHeldOut = smoke ? 8 : Number(values.problems);
const numTrain = smoke ? 2 : Number(values['train-problems']);
const numRounds = smoke ? 1 : Number(values.rounds);
const numSimulations = smoke ? 8 : Number(values.simulations);
const budgetMs = Number(values.minutes) * 60_000;
const log = (line: string) => console.error(`[learn-search-distill] ${new Date().toISOString()} ${line}`);

const mcts: Partial<MctsConfig> = {
  numSimulations,
  batchSize: 8,
  numActions: 4,
  maxStepTokens: 16,
  maxDepth: 6,
  evaluator: 'rollout',
  rolloutScorer: 'verifier',
  rolloutMaxTokens: MAX_TOKENS,
  terminalValue: 'verifier',
};
const distill = {
  valueTarget: 'outcome' as const,
  valueCoef: 0.5,
  minVisits: 2,
  epochs: 2,
  batchSize: 16,
  learningRate: 5e-4,
  minLearningRate: 5e-4,
};

const t0 = performance.now();
const loaded = await loadPolicy(values.dir, smoke, true);
log(
  `policy ${loaded.source} (+ value head), tfjs ${loaded.backend}, ONNX Runtime ${loaded.runtime.executionProvider}`,
);
const before = await greedyPass1(loaded.policy, numHeldOut);
log(`held-out greedy pass@1 before: ${formatEstimate(before.estimate)}`);
let stopAt = Number.POSITIVE_INFINITY;
const rounds = await searchDistillLoop(
  {
    model: loaded.model,
    tokenizer: loaded.tokenizer,
    runtime: loaded.runtime,
    numRounds,
    search: async (round) => {
      if (round === 0) stopAt = t0 + budgetMs - 2 * (performance.now() - t0);
      if (performance.now() > stopAt) return [];
      const trees: DistillTree[] = [];
      let solved = 0;
      for (const [i, problem] of trainingProblems(numTrain, 200 + round).entries()) {
        const result = await mctsSearch(
          problem as Problem<Json>,
          { policy: loaded.policy, task },
          {
            config: { ...mcts, seed: 1000 * round + i },
          },
        );
        if (result.answer !== null && task.verify(problem, result.steps.join('\n')).correct) solved++;
        trees.push({ prompt: task.prompt(problem), nodes: result.tree!.nodes });
      }
      log(`round ${round}: MCTS solved ${solved}/${numTrain} training problems`);
      return trees;
    },
    onRound: (r) =>
      log(
        `round ${r.round}: ${r.numExamples} states, last policy loss ${r.distill?.history.at(-1)?.policyLoss.toFixed(3) ?? '-'}, value loss ${r.distill?.history.at(-1)?.valueLoss.toFixed(3) ?? '-'}, search ${(r.searchTimeMs / 1000).toFixed(1)} s, update ${((r.distill?.updateTimeMs ?? 0) / 1000).toFixed(1)} s, sync ${r.syncTimeMs.toFixed(0)} ms`,
      ),
  },
  distill,
);
const after = await greedyPass1(loaded.policy, numHeldOut);
const timeMs = performance.now() - t0;
const delta = pairedDelta(before, after);
log(
  `held-out greedy pass@1 after:  ${formatEstimate(after.estimate)}, change ${formatEstimate(delta)} (+${delta.gained} / -${delta.lost} problems) (${(timeMs / 60_000).toFixed(1)} min)`,
);
await writeRun(values.out!, values.save, loaded, {
  algorithm: 'search distillation (AlphaZero-style, MCTS)',
  source: loaded.source,
  tfjsBackend: loaded.backend,
  heldOutProblems: numHeldOut,
  trainProblemsPerRound: numTrain,
  mcts: mcts as Record<string, Json>,
  distill,
  before: before.estimate,
  after: after.estimate,
  delta,
  timeMs,
  rounds: rounds.map(({ distill: d, ...rest }) => ({
    ...rest,
    steps: d?.numSteps ?? 0,
    lastPolicyLoss: d?.history.at(-1)?.policyLoss ?? null,
  })),
});
await loaded.runtime.dispose();
