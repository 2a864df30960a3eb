import type { Policy, State } from '@o1lab/core';
import { assertInteger, assertNumber, O1labError, renderState } from '@o1lab/core';

/**
 * Values a batch of states in one call (higher is better). `samplesPerState` and `maxTokens` say what
 * one call costs the policy, so the search can check its budget first (0 for a judge that does not
 * use the policy).
 */
export interface ThoughtJudge {
  readonly name: string;
  readonly samplesPerState: number;
  readonly maxTokens: number;
  evaluate(states: readonly State[], options: { readonly seed: number }): Promise<number[]>;
}

/** Options of {@link createPolicyJudge}. */
export interface PolicyJudgeOptions {
  /** Step delimiter of the task (renders the state into the value prompt). */
  readonly stepDelimiter: string;
  /**
   * The value prompt: ToT asks the model whether the partial solution can still reach the goal.
   * @default a prompt that shows the partial solution and asks for sure / likely / impossible
   */
  readonly valuePrompt?: (state: State, stepDelimiter: string) => string;
  /**
   * Value of one judgement text. @default the last of `sure`, `likely`, `impossible` in the text,
   * mapped by `values`; 0 when none appears
   */
  readonly parseValue?: (text: string) => number;
  /** Value of each verdict. @default { sure: 20, likely: 1, impossible: 0.001 } (Yao et al. 2023, Game of 24) */
  readonly values?: Readonly<Record<string, number>>;
  /** Judgements sampled per state; the state's value is their sum. @default 3 (Yao et al. 2023) */
  readonly numEvaluations?: number;
  /** Token limit of one judgement. @default 32 */
  readonly maxTokens?: number;
  /** @default 0.7 (Yao et al. 2023) */
  readonly temperature?: number;
}

/** ToT's value verdicts for Game of 24 and their values (Yao et al. 2023, code `value_map`). */
export const TOT_VALUE_MAP: Readonly<Record<string, number>> = Object.freeze({
  sure: 20,
  likely: 1,
  impossible: 0.001,
});

/**
 * The policy as its own judge (ToT's value prompt, Yao et al. 2023 section 3): for every state one
 * batched `sampleCompletions` call of `numEvaluations` judgements each; the state's value is the
 * sum of the judgements' values, as in ToT's `get_value`.
 */
export function createPolicyJudge(policy: Policy, options: PolicyJudgeOptions): ThoughtJudge {
  const numEvaluations = assertInteger(
    'numEvaluations',
    options.numEvaluations ?? 3,
    { min: 1 },
    'createPolicyJudge',
  );
  const maxTokens = assertInteger('maxTokens', options.maxTokens ?? 32, { min: 1 }, 'createPolicyJudge');
  const temperature = assertNumber(
    'temperature',
    options.temperature ?? 0.7,
    { min: 0 },
    'createPolicyJudge',
  );
  const values = options.values ?? TOT_VALUE_MAP;
  const valuePrompt = options.valuePrompt ?? defaultValuePrompt;
  const parseValue = options.parseValue ?? ((text: string) => verdictValue(text, values));
  return {
    name: `policy-judge-${policy.name}`,
    samplesPerState: numEvaluations,
    maxTokens,
    async evaluate(states, { seed }) {
      const prompts: State[] = states.map((s) => ({
        problem: s.problem,
        prompt: valuePrompt(s, options.stepDelimiter),
        steps: [],
      }));
      const judged = await policy.sampleCompletions(prompts, {
        n: numEvaluations,
        maxTokens,
        temperature,
        seed,
      });
      return judged.map((samples, i) => {
        if (samples === undefined) {
          throw new O1labError('BACKEND_ERROR', `the policy returned no judgement for state ${i}`, {
            where: 'createPolicyJudge',
          });
        }
        return samples.reduce((sum, s) => sum + parseValue(s.text), 0);
      });
    },
  };
}

function defaultValuePrompt(state: State, stepDelimiter: string): string {
  return (
    `${renderState(state, stepDelimiter)}\n` +
    'Evaluate whether the steps above can still reach a correct answer (sure/likely/impossible):\n'
  );
}

/** Value of the last verdict word in `text` (0 when there is none). */
function verdictValue(text: string, values: Readonly<Record<string, number>>): number {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  for (let i = words.length - 1; i >= 0; i--) {
    const v = values[words[i]!];
    if (v !== undefined) return v;
  }
  return 0;
}
