export type { PromptCompletion, SftBatchOptions, TrainBatch } from './batch.js';
export { buildSftBatch } from './batch.js';
export type { Checkpoint, CheckpointInput } from './checkpoint.js';
export { CHECKPOINT_FILES, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export type { TinyGptConfig } from './config.js';
export {
  defaultTinyGptConfig,
  flopsPerToken,
  headDim,
  numParameters,
  resolveTinyGptConfig,
  weightShapes,
} from './config.js';
export { TINYGPT_CHAT_TEMPLATE, writeHfDirectory } from './hf-export.js';
export type { HfDecoder, HfLoadOptions, HfModelConfig } from './hf-model.js';
export { HF_MODEL_FILES, HF_TINYGPT_CONFIG_KEY, loadHfDecoder } from './hf-model.js';
export type {
  ChatMessage,
  ChatTemplateOptions,
  HfEncodeOptions,
  HfTokenizerFallbackIds,
} from './hf-tokenizer.js';
export { HfTokenizer } from './hf-tokenizer.js';
export {
  exportTinyGptDecodeOnnx,
  exportTinyGptOnnx,
  TINYGPT_CONFIG_METADATA_KEY,
  TINYGPT_ONNX_IR_VERSION,
  TINYGPT_ONNX_OPSET,
  writeTinyGptOnnx,
} from './onnx-export.js';
export type { OnnxModelJson } from './onnx-proto.js';
export { decodeOnnxModel, encodeOnnxModel, ONNX_PROTO_SUBSET } from './onnx-proto.js';
export type { OrtMatmulCalibration } from './ort-calibration.js';
export { createOrtMatmulCalibration } from './ort-calibration.js';
export type { OrtPolicyConfig } from './ort-policy.js';
export { defaultOrtPolicyConfig, OrtPolicy } from './ort-policy.js';
export type {
  DecoderInfo,
  ExecutionProviderName,
  ForwardRow,
  GeneratedSequence,
  GenerateOptions,
  GenerateResult,
  OrtRuntimeConfig,
  RunStats,
} from './ort-runtime.js';
export { defaultOrtRuntimeConfig, OrtRuntime, resolveOrtRuntimeConfig } from './ort-runtime.js';
export type { KvShape, KvSource, PrefixCacheStats, PrefixMatch } from './prefix-cache.js';
export { PrefixCache } from './prefix-cache.js';
export type { SafetensorsContents, SafetensorsTensor } from './safetensors.js';
export { decodeSafetensors, encodeSafetensors } from './safetensors.js';
export type { SamplingConfig } from './sampling.js';
export {
  defaultSamplingConfig,
  findStop,
  resolveSamplingConfig,
  TokenSampler,
  tokenLogprob,
} from './sampling.js';
export type {
  SelectBackendOptions,
  TfBackendInfo,
  TfBackendName,
  TfBackendPreference,
} from './tf-backend.js';
export {
  initTfBackend,
  selectBackend,
  TF_BACKEND_ENV,
  TF_BACKEND_ORDER,
  WASM_THREADS_ENV,
  wasmThreads,
} from './tf-backend.js';
export type { TfDecodeOptions, TfSampleOptions } from './tf-decode.js';
export { greedyDecode, sampleDecode } from './tf-decode.js';
export type {
  ForwardOptions,
  ForwardResult,
  LayerKv,
  TfForwardInputs,
  TfForwardOutputs,
  TinyGptModel,
} from './tf-model.js';
export {
  assertBackendReady,
  attentionBias,
  createTinyGptModel,
  MASK_BIAS,
  positionIdsFromMask,
} from './tf-model.js';
export type { CharTokenizerJson, Tokenizer } from './tokenizer.js';
export { BOS_ID, CharTokenizer, EOS_ID, PAD_ID, TASK_ALPHABET } from './tokenizer.js';
export type { TrainConfig, ValueLoss } from './train-config.js';
export { defaultTrainConfig, learningRateAt, resolveTrainConfig } from './train-config.js';
export type {
  AdamMoments,
  CustomLoss,
  CustomStepResult,
  EvalResult,
  Trainer,
  TrainerState,
  TrainStepResult,
} from './trainer.js';
export { createTrainer } from './trainer.js';
export type { TinyGptWeights } from './weights.js';
export { initTinyGptWeights, validateTinyGptWeights } from './weights.js';
