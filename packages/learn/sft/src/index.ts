export type { SftConfig, SftLossOn } from './config.js';
export { defaultSftConfig, resolveSftConfig } from './config.js';
export { readSftDataset, validatePromptCompletion, writeSftDataset } from './dataset.js';
export type { SftEvalLog, SftOptions, SftResult, SftStepLog } from './sft.js';
export { sftBatch, sftEvaluate, sftTrain } from './sft.js';
