export { runServe, SERVE_USAGE } from './cli.js';
export type { CompletionsServerConfig } from './config.js';
export { defaultCompletionsServerConfig, resolveCompletionsServerConfig } from './config.js';
export { loadServedModel, SERVED_MODEL_FILES } from './load.js';
export type { CompletionsServer, OpenAIErrorBody, ServedModel } from './server.js';
export { createCompletionsServer, MAX_SAMPLE_OFFSET, SAMPLE_OFFSET_FIELD } from './server.js';
