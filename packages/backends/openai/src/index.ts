export type {
  OpenAIEndpoint,
  OpenAIHttpConfig,
  OpenAIPolicyConfig,
  OpenAIRewardConfig,
  SeedMode,
} from './config.js';
export {
  defaultOpenAIPolicyConfig,
  defaultOpenAIRewardConfig,
  resolveOpenAIPolicyConfig,
  resolveOpenAIRewardConfig,
} from './config.js';
export type { OpenAIBackendErrorDetails, OpenAIFailure, OpenAIRequestStats } from './http.js';
export { OpenAIBackendError, OpenAIHttpClient, parseRetryAfter, SKIPPED } from './http.js';
export type { CompletionResponse, OpenAICallOptions, PlannedRequest } from './policy.js';
export { OpenAIPolicy, planRequests, SAMPLE_OFFSET_FIELD, toSample } from './policy.js';
export { labelScore, OpenAIRewardModel } from './reward.js';
export type { Usage } from './usage.js';
export { meterUsage, promptTokensOf } from './usage.js';
