import { ComputeMeter, O1labError, type Policy, type RewardModel, type State } from '@o1lab/core';
import { type JudgeRewardModelConfig, resolveJudgeRewardModelConfig } from './config.js';
import { solutionText } from './verifier-reward-model.js';

/** What the judge is asked about: a partial solution (`'step'`) or a finished one (`'outcome'`). */
export type JudgeKind = 'step' | 'outcome';

/** Builds the judge prompt for one state. */
export type JudgePromptBuilder = (state: State, kind: JudgeKind, stepDelimiter: string) => string;

/** Non-JSON parts of {@link createJudgeRewardModel}. */
export interface JudgeRewardModelOptions {
  /** @default {@link defaultJudgePrompt} */
  readonly buildPrompt?: JudgePromptBuilder;
  /** Delimiter between steps when rendering a solution for the judge. @default '\n' */
  readonly stepDelimiter?: string;
}

/**
 * A generative judge: the policy itself rates a partial or finished solution, as Tree of Thoughts'
 * value prompt does (Yao et al. 2023, sec. 3, "value each state independently"). For every judged
 * state a judge prompt is built, `numJudgements` judgements are sampled in ONE batched
 * `sampleCompletions` call over all states, each is parsed to a verdict value, and the values are
 * averaged.
 *
 * `scoreSteps` judges every prefix s_1..s_k of every state (all in the same call); `scoreOutcome`
 * judges each whole solution. The sampling cost is counted in the policy's meter (it is the same
 * model); this reward model's meter counts one `rewardCalls` per batched call, so merging both
 * meters counts every token once.
 */
export function createJudgeRewardModel(
  policy: Policy,
  config?: Partial<JudgeRewardModelConfig>,
  options: JudgeRewardModelOptions = {},
): RewardModel {
  const c = resolveJudgeRewardModelConfig(config);
  const buildPrompt = options.buildPrompt ?? defaultJudgePrompt;
  const delimiter = options.stepDelimiter ?? '\n';
  const meter = new ComputeMeter();
  const pattern = verdictPattern(Object.keys(c.verdicts));

  const judge = async (states: readonly State[], kind: JudgeKind): Promise<number[]> => {
    if (states.length === 0) return [];
    const prompts: State[] = states.map((s) => ({
      problem: s.problem,
      prompt: buildPrompt(s, kind, delimiter),
      steps: [],
    }));
    meter.add({ rewardCalls: 1 });
    const samples = await policy.sampleCompletions(prompts, {
      n: c.numJudgements,
      maxTokens: c.maxTokens,
      temperature: c.temperature,
      seed: c.seed,
    });
    if (samples.length !== prompts.length) {
      throw new O1labError(
        'BACKEND_ERROR',
        `policy ${policy.name} returned ${samples.length} sample lists for ${prompts.length} judge prompts`,
        { where: 'createJudgeRewardModel' },
      );
    }
    return samples.map((row) => {
      let sum = 0;
      for (const s of row) sum += parseVerdictWith(s.text, pattern, c.verdicts) ?? c.unparsedValue;
      return row.length === 0 ? c.unparsedValue : sum / row.length;
    });
  };

  return {
    name: `judge:${policy.name}`,
    meter,
    scoreOutcome: (states) => judge(states, 'outcome'),
    async scoreSteps(states) {
      const prefixes: State[] = [];
      for (const s of states) {
        for (let k = 1; k <= s.steps.length; k++) {
          prefixes.push({ problem: s.problem, prompt: s.prompt, steps: s.steps.slice(0, k) });
        }
      }
      const flat = await judge(prefixes, 'step');
      let i = 0;
      return states.map((s) => s.steps.map(() => flat[i++]!));
    },
  };
}

/**
 * The default judge prompt, after Tree of Thoughts' value prompt: the problem, the steps so far,
 * and a request for one of sure / likely / impossible.
 */
export function defaultJudgePrompt(state: State, kind: JudgeKind, stepDelimiter: string): string {
  const question =
    kind === 'step'
      ? 'Can these steps still reach a correct answer? Answer sure, likely or impossible.'
      : 'Is this solution correct? Answer sure, likely or impossible.';
  return `Problem: ${state.problem.question}\nSteps:\n${solutionText(state, stepDelimiter)}${question}\nVerdict:`;
}

/**
 * The value of a judgement: the last verdict word in `text` (whole word, any case) looked up in
 * `verdicts`, or null when the text has none.
 */
export function parseVerdict(text: string, verdicts: Readonly<Record<string, number>>): number | null {
  return parseVerdictWith(text, verdictPattern(Object.keys(verdicts)), verdicts);
}

function parseVerdictWith(
  text: string,
  pattern: RegExp,
  verdicts: Readonly<Record<string, number>>,
): number | null {
  let last: string | null = null;
  for (const m of text.matchAll(pattern)) last = m[1]!.toLowerCase();
  if (last === null) return null;
  for (const [word, value] of Object.entries(verdicts)) if (word.toLowerCase() === last) return value;
  return null;
}

function verdictPattern(words: readonly string[]): RegExp {
  // Longest first, so that 'very likely' wins over 'likely'.
  const alternatives = [...words]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[-\\^$*+?.()|[\]{}]/g, '\\$&'))
    .join('|');
  return new RegExp(`(?<![\\p{L}\\p{N}])(${alternatives})(?![\\p{L}\\p{N}])`, 'giu');
}
