export type { BeamNode, BeamNodeStatus, BeamSearchOptions, BeamTree } from './beam.js';
export { beamSearch, beamSearcher, isTerminal, planCall } from './beam.js';
export type { BeamConfig } from './config.js';
export { defaultBeamConfig, resolveBeamConfig } from './config.js';
