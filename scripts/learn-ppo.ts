// Token-level PPO with a value-head critic (GAE, KL penalty in the reward) from the countdown
// reference policy: rollouts through ONNX Runtime, updates in tfjs, weights synced after each
// update; reports held-out greedy pass@1 before and after (95% Wilson intervals):
//   npx tsx --conditions=source scripts/learn-ppo.ts
// Options: --dir DIR (checkpoint, default reference/models/countdown), --out FILE (report, default
// runs/learn-ppo/report.json; every rollout goes to rollouts.jsonl beside it as TRL
// prompt/completion/reward records), --save DIR (final checkpoint), --problems N (held-out, default
// 100), --train-problems N (training pool, default 2000), --steps N (at most), --minutes M
// (wall-clock budget including both evaluations, default 20), --seed S (default 1), --lr LR
// (constant learning rate instead of the recipe's), --temperature T (rollout sampling temperature,
// default 1), --step-weight W (weight of the process terms, default 0.2; 0 for the verifier outcome
// only), --supervision process (step rewards from the step checker: -1 on each rejected step;
// the outcome stays the final reward),
// --mini-batches M (optimizer steps per rollout batch instead of the recipe's), --prompts P
// (prompts per step instead of the recipe's), --smoke (random-init tiny model, seconds). The
// recipe is in scripts/learn-rl-common.ts.
import { runRlScript } from './learn-rl-common.js';

await runRlScript('ppo');
