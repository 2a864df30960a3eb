import type { Budget, ComputeMeter, ComputeSnapshot } from './compute.js';
import type { Rng } from './rng.js';

/** JSON-serialisable values (configs, problem data, reports). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * One instance of a task, with what is needed to verify an answer. `data` is task-specific and
 * JSON-serialisable (countdown: numbers and target; arithmetic: the two factors).
 */
export interface Problem<D = Json> {
  /** Stable identifier, unique within its task (e.g. `countdown-4-17-3-8-24`). */
  readonly id: string;
  /** Name of the task that made it. */
  readonly task: string;
  /** The problem in words, for people and logs. */
  readonly question: string;
  readonly data: D;
  /** The canonical answer where the task knows one. */
  readonly answer?: string;
}

/** One reasoning step: text up to (not including) the task's step delimiter. */
export interface Step {
  readonly text: string;
  /** Token ids of the step as sampled, where the policy reports them. */
  readonly tokenIds?: readonly number[];
  /** Sum of the step's token log-probabilities under the policy that sampled it. */
  readonly logprob?: number;
}

/** The problem plus the steps written so far: the MDP state. */
export interface State<D = Json> {
  readonly problem: Problem<D>;
  /** The prompt text the policy conditions on (from `Task.prompt`). */
  readonly prompt: string;
  readonly steps: readonly Step[];
}

/** Why a sample ended. */
export type FinishReason = 'stop' | 'eos' | 'length';

/** One sampled continuation. */
export interface Sample {
  /** Generated text, without the stop string that ended it. */
  readonly text: string;
  readonly tokenIds: readonly number[];
  /** Log-probability of each generated token under the sampling distribution's model. */
  readonly tokenLogprobs: readonly number[];
  readonly finishReason: FinishReason;
  /** The stop string that ended the sample, when `finishReason` is `'stop'`. */
  readonly stop?: string;
}

/** Sampling options of a policy call. */
export interface SampleOptions {
  /** Samples per state. @default 1 */
  readonly n?: number;
  /** Maximum tokens per sample. */
  readonly maxTokens: number;
  /** @default 1 */
  readonly temperature?: number;
  /** Keep only the k most likely tokens (0 = off). @default 0 */
  readonly topK?: number;
  /** Nucleus sampling mass (1 = off). @default 1 */
  readonly topP?: number;
  /** Strings that end a sample (not included in its text). */
  readonly stop?: readonly string[];
  /** Seed of this call's sampling; policies derive per-sample streams from it. */
  readonly seed?: number;
}

/**
 * Proposes next steps or whole solutions, batched: one call serves a whole frontier of states.
 * Every call adds what it spent to `meter`.
 */
export interface Policy {
  readonly name: string;
  readonly meter: ComputeMeter;
  /**
   * For each state, `n` samples of the next step: generation stops at `stepDelimiter` (plus any
   * `stop` strings), end of sequence or `maxTokens`. Returns `[states.length][n]`.
   */
  sampleSteps(
    states: readonly State[],
    options: SampleOptions & { readonly stepDelimiter: string },
  ): Promise<Sample[][]>;
  /** For each state, `n` whole completions (until `stop`, end of sequence or `maxTokens`). */
  sampleCompletions(states: readonly State[], options: SampleOptions): Promise<Sample[][]>;
  /** Per-token log-probabilities of `continuation` after `state` (for learning). */
  logprobs?(state: State, continuation: string): Promise<readonly number[]>;
  /** FLOPs of one forward token, where known (for compute accounting). */
  readonly flopsPerToken?: number;
}

/**
 * Learned or rule-based scorer. Both calls are batched; scores are in [0, 1] where the model is a
 * probability (ORM, PRM) and unbounded for pairwise (Bradley–Terry) models.
 */
export interface RewardModel {
  readonly name: string;
  readonly meter: ComputeMeter;
  /** One score per state: how good the finished solution is. */
  scoreOutcome(states: readonly State[]): Promise<number[]>;
  /** Per state, one score per step: how good the solution is up to and including that step. */
  scoreSteps(states: readonly State[]): Promise<number[][]>;
}

/** Result of verifying an answer. */
export interface Verification {
  readonly correct: boolean;
  /** The answer as parsed from the text, or null when none was found. */
  readonly answer: string | null;
  /** Why it is not correct, for logs. */
  readonly reason?: string;
}

/** Ground truth about one step, where a task can tell. */
export interface StepCheck {
  readonly correct: boolean;
  readonly reason?: string;
}

/** Options of {@link Task.generate}; each task documents its own difficulty knobs. */
export type GenerateOptions = Readonly<Record<string, number | string | boolean>>;

/** A task with a verifiable answer. */
export interface Task<D = Json> {
  readonly name: string;
  /** Ends one reasoning step. */
  readonly stepDelimiter: string;
  /** A seeded problem. */
  generate(rng: Rng, options?: GenerateOptions): Problem<D>;
  /** The text the policy conditions on. */
  prompt(problem: Problem<D>): string;
  /** The final answer in `text`, normalised so that equal answers compare equal, or null. */
  parseAnswer(text: string): string | null;
  /**
   * What self-consistency votes on, where that is not the answer: a task whose answer is given in
   * the question (countdown's target) returns the solution in a canonical form, so that votes can
   * tell completions apart. Searchers that vote fall back to {@link Task.parseAnswer}.
   */
  voteKey?(text: string): string | null;
  /** Rule-based outcome check. Model text is untrusted: this parses and never evaluates. */
  verify(problem: Problem<D>, text: string): Verification;
  /** Per-step ground truth, where the task defines it. */
  checkSteps?(problem: Problem<D>, steps: readonly string[]): StepCheck[];
  /** A reference solution as steps (the last one states the answer), where the task has a solver. */
  solve?(problem: Problem<D>): string[] | null;
}

/** What `text` votes for: {@link Task.voteKey} where the task defines one, else its parsed answer. */
export function voteKeyOf(task: Pick<Task, 'parseAnswer' | 'voteKey'>, text: string): string | null {
  return task.voteKey === undefined ? task.parseAnswer(text) : task.voteKey(text);
}

/** The weight of one distinct vote key (the answer, or {@link Task.voteKey}) in a weighted vote. */
export interface AnswerWeight {
  readonly key: string;
  /** The answer of the first candidate with this key. */
  readonly answer: string | null;
  readonly weight: number;
}

/** Renders a state as the text the policy continues: prompt, then each step and its delimiter. */
export function renderState(state: State, stepDelimiter: string): string {
  let text = state.prompt;
  for (const step of state.steps) text += step.text + stepDelimiter;
  return text;
}

/** A state with one more step. */
export function appendStep<D>(state: State<D>, step: Step): State<D> {
  return { problem: state.problem, prompt: state.prompt, steps: [...state.steps, step] };
}

/** The root state of a problem. */
export function initialState<D>(task: Task<D>, problem: Problem<D>): State<D> {
  return { problem, prompt: task.prompt(problem), steps: [] };
}

/** A complete sequence of steps ending in an answer or a budget stop. */
export interface Trajectory<D = Json> {
  readonly problem: Problem<D>;
  readonly prompt: string;
  readonly steps: readonly Step[];
  readonly answer: string | null;
  readonly finishReason: FinishReason | 'answer' | 'budget';
  /** Outcome reward where known (1 correct, 0 wrong under a verifier). */
  readonly reward?: number;
}

/** One answer a searcher considered. */
export interface Candidate {
  readonly steps: readonly string[];
  readonly answer: string | null;
  /** The searcher's score (reward, vote share, value); higher is better. */
  readonly score: number;
}

/** What a searcher needs: the policy to expand with, the task, and optionally a reward model. */
export interface SearchContext<D = Json> {
  readonly policy: Policy;
  readonly task: Task<D>;
  readonly reward?: RewardModel;
}

/** What a searcher returns. */
export interface SearchResult<C = Json, T = Json> {
  /** The chosen answer, or null when none was found within the budget. */
  readonly answer: string | null;
  /** Steps of the chosen solution. */
  readonly steps: readonly string[];
  readonly candidates: readonly Candidate[];
  /** The search tree or beams, serialisable, where the algorithm has one. */
  readonly tree?: T;
  /** Compute spent by this search (policy and reward model together). */
  readonly compute: ComputeSnapshot;
  /** The resolved config that produced this result. */
  readonly config: C;
}

/** Spends a compute budget to pick an answer. */
export interface Searcher<C = Json, T = Json> {
  readonly name: string;
  search<D>(
    problem: Problem<D>,
    context: SearchContext<D>,
    options?: { readonly budget?: Budget; readonly config?: Partial<C> },
  ): Promise<SearchResult<C, T>>;
}

/** Statistics of one learning update. */
export interface LearnStats {
  readonly step: number;
  readonly loss: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** Turns data (trajectories, preference pairs, search trees) into a better policy. */
export interface Learner<B> {
  readonly name: string;
  update(batch: B): Promise<LearnStats>;
}
