import { ANSWER_PREFIX, STEP_DELIMITER } from '@o1lab/tasks';

/**
 * The human-like reasoning behaviours of the roadmap's policy initialisation (Zeng et al. 2024,
 * section 3.2): problem analysis, task decomposition, step-by-step completion, self-evaluation,
 * self-correction, and backtracking with an alternative proposal.
 */
export type Behaviour =
  | 'analysis'
  | 'decomposition'
  | 'stepByStep'
  | 'selfEvaluation'
  | 'selfCorrection'
  | 'backtracking';

/** Every behaviour, in the order the trace writes them. */
export const BEHAVIOURS: readonly Behaviour[] = Object.freeze([
  'analysis',
  'decomposition',
  'stepByStep',
  'selfEvaluation',
  'selfCorrection',
  'backtracking',
]);

/**
 * Line prefixes of the behaviour lines. Each behaviour line is one step (delimited by `"\n"`);
 * the detector recognises it by its prefix. A step line (`a op b=c`) carries no prefix.
 *
 * - `given:` restates what is given and asked (analysis);
 * - `plan:` names the sub-goals (decomposition);
 * - `check:` re-derives an operand from a result (self-evaluation), e.g. `check: 161/7=23 ok`;
 * - `oops:` follows a deliberately wrong step and says what the check found (self-correction); the
 *   repaired step follows it;
 * - `try:` is a step of a branch that is then abandoned, `back:` abandons it (backtracking).
 */
export const BEHAVIOUR_PREFIXES = Object.freeze({
  analysis: 'given:',
  decomposition: 'plan:',
  selfEvaluation: 'check:',
  selfCorrection: 'oops:',
  branch: 'try:',
  backtracking: 'back:',
});

const COMMENTARY = [
  BEHAVIOUR_PREFIXES.analysis,
  BEHAVIOUR_PREFIXES.decomposition,
  BEHAVIOUR_PREFIXES.selfEvaluation,
  BEHAVIOUR_PREFIXES.selfCorrection,
  BEHAVIOUR_PREFIXES.branch,
  BEHAVIOUR_PREFIXES.backtracking,
];

/** Which behaviours a completion shows. */
export type BehaviourFlags = Readonly<Record<Behaviour, boolean>>;

/**
 * Tags one completion by its line prefixes: `stepByStep` when at least one step line (`lhs=value`,
 * no prefix) comes before the answer line; the others when a line with their prefix does
 * (`backtracking` by `try:` or `back:`). Only text before the first `answer:` line counts, as in
 * the tasks' verifiers.
 */
export function detectBehaviours(completion: string): BehaviourFlags {
  const flags: Record<Behaviour, boolean> = {
    analysis: false,
    decomposition: false,
    stepByStep: false,
    selfEvaluation: false,
    selfCorrection: false,
    backtracking: false,
  };
  for (const raw of completion.split(STEP_DELIMITER)) {
    const line = raw.trim();
    if (line.startsWith(ANSWER_PREFIX)) break;
    if (line.startsWith(BEHAVIOUR_PREFIXES.analysis)) flags.analysis = true;
    else if (line.startsWith(BEHAVIOUR_PREFIXES.decomposition)) flags.decomposition = true;
    else if (line.startsWith(BEHAVIOUR_PREFIXES.selfEvaluation)) flags.selfEvaluation = true;
    else if (line.startsWith(BEHAVIOUR_PREFIXES.selfCorrection)) flags.selfCorrection = true;
    else if (line.startsWith(BEHAVIOUR_PREFIXES.branch) || line.startsWith(BEHAVIOUR_PREFIXES.backtracking))
      flags.backtracking = true;
    else if (line.includes('=')) flags.stepByStep = true;
  }
  return flags;
}

/** Fraction of completions showing each behaviour. */
export type BehaviourRates = Readonly<Record<Behaviour, number>>;

/** {@link detectBehaviours} over many completions: the fraction showing each behaviour (0 for none). */
export function behaviourRates(completions: readonly string[]): BehaviourRates {
  const counts: Record<Behaviour, number> = {
    analysis: 0,
    decomposition: 0,
    stepByStep: 0,
    selfEvaluation: 0,
    selfCorrection: 0,
    backtracking: 0,
  };
  for (const c of completions) {
    const flags = detectBehaviours(c);
    for (const b of BEHAVIOURS) if (flags[b]) counts[b]++;
  }
  const n = Math.max(1, completions.length);
  const out = {} as Record<Behaviour, number>;
  for (const b of BEHAVIOURS) out[b] = counts[b] / n;
  return out;
}

/**
 * The plain derivation inside a behaviour trace: commentary lines (`given:`, `plan:`, `check:`,
 * `oops:`, `try:`, `back:`) are dropped, and so is a step that an `oops:` line right after it
 * retracts. What is left is the step list the tasks' verifiers read.
 */
export function solutionOf(completion: string): string {
  const lines = completion.split(STEP_DELIMITER);
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (COMMENTARY.some((p) => line.startsWith(p))) continue;
    const next = lines[i + 1]?.trim() ?? '';
    if (next.startsWith(BEHAVIOUR_PREFIXES.selfCorrection)) continue;
    kept.push(lines[i]!);
  }
  return kept.join(STEP_DELIMITER);
}
