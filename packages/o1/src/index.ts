export type {
  Claim,
  CurvePoint,
  LogLinearFit,
  PointCompute,
  RunMetrics,
  TestTimeSweep,
  TrainRound,
} from './metrics.js';
export { METRICS_SCHEMA_VERSION } from './metrics.js';
