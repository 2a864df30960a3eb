// GRPO (DeepSeekMath: group-relative advantages, k3 KL to the reference) from the countdown
// reference policy: rollouts through ONNX Runtime, updates in tfjs, weights synced after each
// update; reports held-out greedy pass@1 before and after (95% Wilson intervals):
//   npx tsx --conditions=source scripts/learn-grpo.ts
// Options: --dir DIR (checkpoint, default reference/models/countdown), --out FILE (report, default
// runs/learn-grpo/report.json; every rollout goes to rollouts.jsonl beside it as TRL
// prompt/completion/reward records), --save DIR (final checkpoint), --problems N (held-out, default
// 100), --train-problems N (training pool, default 2000), --steps N (at most), --minutes M
// (wall-clock budget including both evaluations, default 20), --seed S (default 1), --lr LR
// (constant learning rate instead of the recipe's), --temperature T (rollout sampling temperature,
// default 1), --step-weight W (weight of the process terms, default 0.2; 0 for the verifier outcome
// only), --supervision process (DeepSeekMath process supervision with the step checker as the PRM:
// 0 per accepted step, -1 per rejected one, the outcome on the last step),
// --variant grpo|dr-grpo|dapo (the loss variant's preset over the recipe: Dr. GRPO, or DAPO's
// clip-higher, token-mean loss, dynamic sampling and no KL), --mini-batches M (optimizer steps per
// rollout batch instead of the recipe's), --prompts P
// (prompts per step instead of the recipe's), --smoke (random-init tiny model, seconds). The
// recipe is in scripts/learn-rl-common.ts.
import { runRlScript } from './learn-rl-common.js';

await runRlScript('grpo');
