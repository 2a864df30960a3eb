export type { TinyGptConfig } from './config.js';
export {
  defaultTinyGptConfig,
  flopsPerToken,
  headDim,
  numParameters,
  resolveTinyGptConfig,
  weightShapes,
} from './config.js';
export type { CharTokenizerJson, Tokenizer } from './tokenizer.js';
export { BOS_ID, CharTokenizer, EOS_ID, PAD_ID, TASK_ALPHABET } from './tokenizer.js';
export type { TinyGptWeights } from './weights.js';
export { initTinyGptWeights, validateTinyGptWeights } from './weights.js';
