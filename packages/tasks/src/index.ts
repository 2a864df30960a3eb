export {
  extractGsm8kAnswer,
  gsm8kAnswersEqual,
  MAX_ANSWER_TEXT_LENGTH,
  normalizeGsm8kNumber,
} from './answers/gsm8k.js';
export {
  evaluateMathNumber,
  extractBoxedAnswer,
  MATH_ANSWER_LIMITS,
  mathAnswersEqual,
  normalizeMathAnswer,
} from './answers/math.js';
export type { ArithmeticData, ArithmeticOptions } from './arithmetic.js';
export {
  arithmeticProblem,
  arithmeticTask,
  checkArithmeticSteps,
  defaultArithmeticOptions,
  resolveArithmeticOptions,
  solveArithmetic,
} from './arithmetic.js';
export type { CountdownData, CountdownOptions } from './countdown.js';
export {
  countdownProblem,
  countdownTask,
  defaultCountdownOptions,
  resolveCountdownOptions,
  solveCountdown,
} from './countdown.js';
export type { Gsm8kData, MathData } from './datasets.js';
export { gsm8kProblem, loadGsm8k, loadMath500 } from './datasets.js';
export type { DerivationRules } from './derivation.js';
export { checkDerivationSteps, derivationVoteKey, verifyDerivation } from './derivation.js';
export type { Equation, ExprNode, Operator, Parsed } from './expression.js';
export { EXPRESSION_LIMITS, parseEquation, parseExpression, parseValue } from './expression.js';
export type { Game24Data, Game24Options, Game24Puzzle } from './game24.js';
export {
  countGame24Solutions,
  createGame24Task,
  defaultGame24Options,
  enumerateGame24Puzzles,
  GAME24_TARGET,
  game24Problem,
  game24Task,
  resolveGame24Options,
  solveGame24,
} from './game24.js';
export type { Game24RankEntry, Game24Ranking } from './game24-ranking.js';
export { loadGame24Ranking, parseGame24Ranking } from './game24-ranking.js';
export type { Rational } from './rational.js';
export { gsm8kTask, mathTask } from './real-tasks.js';
export { getTask, taskRegistry } from './registry.js';
export type { SplitCompletion } from './text.js';
export {
  ANSWER_PREFIX,
  isTraceText,
  MAX_COMPLETION_LENGTH,
  STEP_DELIMITER,
  splitCompletion,
  TRACE_ALPHABET,
} from './text.js';
export type { TraceLineKind } from './trace-lines.js';
export { COMMENTARY_REASON, classifyTraceLine, TRACE_LINE_PREFIXES } from './trace-lines.js';
