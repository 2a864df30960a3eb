export type { DvtsConfig } from './config.js';
export { defaultDvtsConfig, resolveDvtsConfig } from './config.js';
export type { DvtsNode, DvtsNodeStatus, DvtsOptions, DvtsTree } from './dvts.js';
export { dvts, dvtsSearcher } from './dvts.js';
