export type { AnswerWeight, BestOfNOptions, BestOfNSample, BestOfNTree } from './best-of-n.js';
export { bestOfN, bestOfNSearcher, splitSteps } from './best-of-n.js';
export type { BestOfNConfig, BestOfNScoring, BestOfNSelection } from './config.js';
export { defaultBestOfNConfig, resolveBestOfNConfig } from './config.js';
