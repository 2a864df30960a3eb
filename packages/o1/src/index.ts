export type { CliIo } from './cli.js';
export { main } from './cli.js';
export type { EvalOptions, EvalResult } from './eval.js';
export { evalOnce } from './eval.js';
export type { LearnerFn, LearnOutcome, SearchRecord } from './learn-phase.js';
export { LEARNERS } from './learn-phase.js';
export type { RunOptions } from './loop.js';
export { runRecipe } from './loop.js';
export type { MethodBase, MethodReward, MethodSpec } from './methods.js';
export { BUILT_IN_METHODS, backtrackingRevisionPrompt, createMethodRegistry } from './methods.js';
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
export type { LoadedPolicy } from './policy.js';
export { loadPolicy, REFERENCE_PREFIX, resolveCheckpointDir, trainableModel } from './policy.js';
export type { Progress, ProgressBar } from './progress.js';
export { createProgress, silentProgress } from './progress.js';
export type {
  BudgetKind,
  EvaluationRecipe,
  LearnerName,
  LearnerRecipe,
  Recipe,
  RewardModelKind,
  RewardModelRecipe,
  SearchRecipe,
} from './recipe.js';
export {
  BUDGET_KINDS,
  builtInRecipes,
  defaultEvaluationRecipe,
  defaultLearnerRecipe,
  defaultRewardModelRecipe,
  defaultSearchRecipe,
  LEARNER_NAMES,
  RECIPES_DIR,
  REWARD_MODEL_KINDS,
  readRecipe,
  resolveRecipe,
} from './recipe.js';
export type {
  CurveAxis,
  NormalisedTree,
  RenderedReport,
  TreeFieldValue,
  TreeKind,
  TreeViewerOptions,
  TreeViewNode,
} from './report/index.js';
export {
  CLAIM_STATEMENTS,
  curvesSpec,
  DEFAULT_TREE_OPEN_DEPTH,
  escapeHtml,
  evaluateClaims,
  LOG_LINEAR_MIN_R2,
  logLinearFits,
  normaliseTree,
  REPORT_FILES,
  renderReport,
  renderTreeViewer,
  renderVegaLiteSvg,
  trainTimeSpec,
  writeReport,
  writeTreeViewer,
} from './report/index.js';
export type { RewardPhaseInputs, RewardPhaseResult } from './reward-phase.js';
export { rewardPhase } from './reward-phase.js';
export type { RunManifest } from './run-dir.js';
export { Journal, RunDir, stableStringify } from './run-dir.js';
export type { CellRecord, SweepInputs } from './sweep.js';
export { cellSeed, levelForTokens, runSweep } from './sweep.js';
