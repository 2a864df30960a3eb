export type { TotAlgorithm, TotConfig, TotEvaluator } from './config.js';
export { defaultTotConfig, resolveTotConfig } from './config.js';
export type { PolicyJudgeOptions, ThoughtJudge } from './judge.js';
export { createPolicyJudge, TOT_VALUE_MAP } from './judge.js';
export type { TotNode, TotNodeStatus, TotOptions, TotSearch, TotTree } from './tot.js';
export { createTotSearcher, evaluateStates, proposeThoughts, totSearcher, treeOfThoughts } from './tot.js';
