// Online (iterative) DPO from the countdown reference policy: each round samples completions through
// ONNX Runtime, pairs verifier-correct with incorrect completions of the same prompt, runs DPO
// against the previous round's policy as reference, and syncs the weights; reports held-out greedy
// pass@1 before and after (95% Wilson intervals):
//   npx tsx --conditions=source scripts/learn-dpo.ts
// Options: --dir DIR (checkpoint, default reference/models/countdown), --out FILE (the report, default
// reports/learn/dpo.json), --save DIR (also save the final checkpoint there), --problems N (held-out, default 500),
// --train-problems N (prompts per round, default 256), --rounds N (default 10), --samples K
// (default 16), --beta B (default 0.1), --lr LR (DPO learning rate, constant; default 2e-4),
// --pairs K (preference pairs kept per prompt, maxPairsPerPrompt; default 4), --rpo-alpha A (weight of
// the chosen completions' per-token NLL added to the DPO loss, Iterative RPO / TRL rpo_alpha; default 0,
// plain DPO), --dpop-lambda L (DPO-Positive: penalise the chosen completions' log-likelihood falling
// below the reference's, Pal et al. 2024; default 0, plain DPO; the paper uses 50), --pairs-from
// outcomes|first-error|greedy (whole correct vs incorrect completions, the default; Step-DPO pairs
// at the first wrong step, firstErrorStepPairs; or a verified sample against the failing greedy
// completion of each problem), --width W (alternatives sampled per
// first error, default 8), --fixed-reference (keep the starting policy as reference instead of the
// previous round's), --minutes M (wall-clock budget: no round trains after it, default 20), --smoke
// (random-init tiny model, seconds).
import { parseArgs } from 'node:util';
import { firstErrorStepPairs, iterativeDpo } from '@o1lab/learn-dpo';
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
    out: { type: 'string', default: 'reports/learn/dpo.json' },
    save: { type: 'string' },
    problems: { type: 'string', default: '500' },
    'train-problems': { type: 'string', default: '256' },
    rounds: { type: 'string', default: '10' },
    samples: { type: 'string', default: '16' },
    beta: { type: 'string', default: '0.1' },
    lr: { type: 'string', default: '2e-4' },
    pairs: { type: 'string', default: '4' },
    'rpo-alpha': { type: 'string', default: '0' },
    'dpop-lambda': { type: 'string', default: '0' },
    'pairs-from': { type: 'string', default: 'outcomes' },
    width: { type: 'string', default: '8' },
    'fixed-reference': { type: 'boolean', default: false },
    minutes: { type: 'string', default: '20' },
    smoke: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke === true;
const numHeldOut = smoke ? 8 : Number(values.problems);
const numTrain = smoke ? 8 : Number(values['train-problems']);
const numRounds = smoke ? 1 : Number(values.rounds);
const samples = smoke ? 4 : Number(values.samples);
const budgetMs = Number(values.minutes) * 60_000;
const numericOptions = {
  lr: { kind: 'positive number', ok: (v: number) => v > 0 },
  pairs: { kind: 'positive integer', ok: (v: number) => v > 0 && Number.isInteger(v) },
  'rpo-alpha': { kind: 'non-negative number', ok: (v: number) => v >= 0 },
  'dpop-lambda': { kind: 'non-negative number', ok: (v: number) => v >= 0 },
  width: { kind: 'positive integer', ok: (v: number) => v > 0 && Number.isInteger(v) },
} as const;
const PAIR_SOURCES = ['outcomes', 'first-error', 'greedy'];
if (!PAIR_SOURCES.includes(values['pairs-from']!)) {
  console.error(
    `learn-dpo: --pairs-from must be one of ${PAIR_SOURCES.join(', ')}, got ${values['pairs-from']}`,
  );
  process.exit(2);
}
const stepPairs = values['pairs-from'] === 'first-error';
const greedyPairs = values['pairs-from'] === 'greedy';
for (const [name, rule] of Object.entries(numericOptions)) {
  const text = values[name as keyof typeof numericOptions];
  const v = Number(text);
  if (!Number.isFinite(v) || !rule.ok(v)) {
    console.error(`learn-dpo: --${name} must be a ${rule.kind}, got ${text}`);
    process.exit(2);
  }
}
const maxPairsPerPrompt = Number(values.pairs);
const log = (line: string) => console.error(`[learn-dpo] ${new Date().toISOString()} ${line}`);

const t0 = performance.now();
const loaded = await loadPolicy(values.dir, smoke);
log(`policy ${loaded.source}, tfjs ${loaded.backend}, ONNX Runtime ${loaded.runtime.executionProvider}`);
const before = await greedyPass1(loaded.policy, numHeldOut);
log(`held-out greedy pass@1 before: ${formatEstimate(before.estimate)}`);
const dpo = {
  beta: Number(values.beta),
  epochs: 1,
  batchSize: 16,
  learningRate: Number(values.lr),
  minLearningRate: Number(values.lr),
  rpoAlpha: Number(values['rpo-alpha']),
  dpopLambda: Number(values['dpop-lambda']),
  // Step pairs are one step each: no EOS after them (Step-DPO).
  appendEos: !stepPairs,
};
/**
 * Pairs aimed at the greedy path: for each training problem whose greedy completion fails, the
 * greedy completion is rejected and the first of `samples` verified samples (T = 1) is chosen.
 */
async function greedyVsSampledPairs(round: number) {
  const problems = trainingProblems(numTrain, 100 + round);
  const states = problems.map((problem) => ({ problem, prompt: task.prompt(problem), steps: [] }));
  const greedy = await loaded.policy.sampleCompletions(states, {
    n: 1,
    maxTokens: MAX_TOKENS,
    temperature: 0,
  });
  const sampled = await loaded.policy.sampleCompletions(states, {
    n: samples,
    maxTokens: MAX_TOKENS,
    temperature: 1,
    seed: 1000 + round,
  });
  const pairs: { prompt: string; chosen: string; rejected: string }[] = [];
  let correct = 0;
  problems.forEach((p, i) => {
    const verified = sampled[i]!.filter((s) => task.verify(p, s.text).correct);
    correct += verified.length;
    const rejected = greedy[i]![0]!.text;
    if (verified.length > 0 && !task.verify(p, rejected).correct) {
      pairs.push({ prompt: states[i]!.prompt, chosen: verified[0]!.text, rejected });
    }
  });
  return { pairs, sampleAccuracy: correct / (problems.length * samples) };
}

const rounds = await iterativeDpo({
  model: loaded.model,
  tokenizer: loaded.tokenizer,
  runtime: loaded.runtime,
  numRounds,
  dpo,
  maxPairsPerPrompt,
  refreshReference: values['fixed-reference'] !== true,
  seed: 1,
  // Leave time for the final evaluation (about as long as the first).
  signal: AbortSignal.timeout(Math.max(0, Math.floor(budgetMs - 2 * (performance.now() - t0)))),
  ...(stepPairs
    ? {
        generatePairs: async (round: number) => {
          const built = await firstErrorStepPairs(
            loaded.policy,
            task,
            trainingProblems(numTrain, 100 + round),
            {
              samplesPerProblem: samples,
              width: Number(values.width),
              maxTokens: MAX_TOKENS,
              seed: 1000 + round,
            },
          );
          return { pairs: built.pairs, sampleAccuracy: built.numCorrect / built.numSamples };
        },
      }
    : greedyPairs
      ? { generatePairs: (round: number) => greedyVsSampledPairs(round) }
      : {
          generate: async (round: number) => {
            const problems = trainingProblems(numTrain, 100 + round);
            const states = problems.map((problem) => ({ problem, prompt: task.prompt(problem), steps: [] }));
            const sampled = await loaded.policy.sampleCompletions(states, {
              n: samples,
              maxTokens: MAX_TOKENS,
              temperature: 1,
              seed: 1000 + round,
            });
            return problems.map((p, i) => ({
              prompt: states[i]!.prompt,
              completions: sampled[i]!.map((s) => ({
                text: s.text,
                correct: task.verify(p, s.text).correct,
              })),
            }));
          },
        }),
  onRound: (r) =>
    log(
      `round ${r.round}: sample accuracy ${r.sampleAccuracy.toFixed(3)}, pairs ${r.numPairs}, last loss ${r.dpo?.history.at(-1)?.loss.toFixed(3) ?? '-'} (chosen NLL ${r.dpo?.history.at(-1)?.nll.toFixed(3) ?? '-'}), rollout ${(r.rolloutTimeMs / 1000).toFixed(1)} s, update ${((r.dpo?.updateTimeMs ?? 0) / 1000).toFixed(1)} s, sync ${r.syncTimeMs.toFixed(0)} ms`,
    ),
});
const after = await greedyPass1(loaded.policy, numHeldOut);
const timeMs = performance.now() - t0;
const delta = pairedDelta(before, after);
log(
  `held-out greedy pass@1 after:  ${formatEstimate(after.estimate)}, change ${formatEstimate(delta)} (+${delta.gained} / -${delta.lost} problems) (${(timeMs / 60_000).toFixed(1)} min)`,
);
await writeRun(values.out!, values.save, loaded, {
  algorithm: 'iterative DPO',
  source: loaded.source,
  tfjsBackend: loaded.backend,
  heldOutProblems: numHeldOut,
  trainProblemsPerRound: numTrain,
  samplesPerProblem: samples,
  maxPairsPerPrompt,
  pairsFrom: values['pairs-from'],
  refreshReference: values['fixed-reference'] !== true,
  dpo,
  before: before.estimate,
  after: after.estimate,
  delta,
  timeMs,
  rounds: rounds.map(({ dpo: d, ...rest }) => ({
    ...rest,
    dpoSteps: d?.numSteps ?? 0,
    lastLoss: d?.history.at(-1)?.loss ?? null,
    lastNll: d?.history.at(-1)?.nll ?? null,
  })),
});
await loaded.runtime.dispose();
