/**
 * `npm start`: a short tour of the verifiable tasks. Generates a few seeded problems of each
 * synthetic task, prints their prompts and reference traces, verifies them, checks steps, and shows
 * hostile inputs being rejected. Runs in a few seconds with no data files.
 */
import { createRng, type Problem, type Task } from '@o1lab/core';
import {
  countdownProblem,
  countdownTask,
  extractBoxedAnswer,
  extractGsm8kAnswer,
  game24Problem,
  game24Task,
  getTask,
  mathAnswersEqual,
  taskRegistry,
} from '@o1lab/tasks';

const rng = createRng(2024);

function show(task: Task, problem: Problem): void {
  const steps = task.solve?.(problem) ?? [];
  const text = steps.join(task.stepDelimiter);
  const verdict = task.verify(problem, text);
  const checks = task.checkSteps?.(problem, steps.slice(0, -1)) ?? [];
  console.log(`  ${problem.id}`);
  console.log(indent(task.prompt(problem) + text));
  console.log(
    `    -> verify: ${verdict.correct ? 'correct' : `wrong (${verdict.reason})`}, answer ${verdict.answer}, ` +
      `steps correct ${checks.filter((c) => c.correct).length}/${checks.length}`,
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    | ${line}`)
    .join('\n');
}

console.log(`o1lab tasks: ${taskRegistry.names().join(', ')}\n`);

const settings: Record<string, readonly Record<string, number>[]> = {
  countdown: [{}, { numNumbers: 5, maxNumber: 50, minTarget: 100, maxTarget: 500 }],
  arithmetic: [{}, { digitsA: 4, digitsB: 2 }],
  game24: [{}, { maxSolutions: 2 }],
};
for (const [name, optionsList] of Object.entries(settings)) {
  const task = getTask(name);
  console.log(`${name} (step delimiter ${JSON.stringify(task.stepDelimiter)})`);
  for (const options of optionsList) show(task, task.generate(rng, options));
  console.log();
}

console.log('hostile completions are rejected, not evaluated:');
const cd = countdownProblem({ numbers: [3, 7, 8, 25], target: 29 });
const g24 = game24Problem([3, 3, 8, 8]);
function rejectDemo<D>(label: string, task: Task<D>, p: Problem<D>, text: string): void {
  const start = performance.now();
  const v = task.verify(p, text);
  const ms = (performance.now() - start).toFixed(1);
  console.log(`  ${label.padEnd(40)} correct=${v.correct}  (${v.reason}; ${ms} ms)`);
}
rejectDemo('countdown: claimed target, no derivation', countdownTask, cd, 'answer: 29');
rejectDemo('countdown: a number used twice', countdownTask, cd, '25+25=50\nanswer: 50');
rejectDemo('countdown: Arabic-Indic digits', countdownTask, cd, 'answer: \u0662\u0669');
rejectDemo('countdown: Infinity spelled out', countdownTask, cd, 'answer: Infinity');
rejectDemo('countdown: 100-digit number', countdownTask, cd, `answer: ${'9'.repeat(100)}`);
rejectDemo(
  'countdown: 40-deep parentheses',
  countdownTask,
  cd,
  `answer: ${'('.repeat(40)}29${')'.repeat(40)}`,
);
rejectDemo('countdown: a 1 MB completion', countdownTask, cd, '25+3=28\n'.repeat(125_000));
rejectDemo('game24: division by zero', game24Task, g24, '8/(3-3)=0\nanswer: 24');
rejectDemo('game24: a number left over', game24Task, g24, '8*3=24\nanswer: 24');
const ok = game24Task.verify(g24, 'answer: 8/(3-8/3)');
console.log(`  ${'game24: 8/(3-8/3), exact rationals'.padEnd(40)} correct=${ok.correct}`);

console.log('\nanswer checking for real-model runs:');
const gsm = 'She sells 9 eggs at $2 each, so 9 * 2 = $18.\n#### 18';
console.log(`  GSM8K   ${JSON.stringify(gsm.slice(-20))} -> ${extractGsm8kAnswer(gsm)}`);
const math = 'Therefore the ratio is $\\boxed{\\dfrac{1}{2}}$.';
const boxed = extractBoxedAnswer(math);
console.log(`  MATH    boxed ${JSON.stringify(boxed)}; equals 0.5: ${mathAnswersEqual(boxed ?? '', '0.5')}`);
console.log(`  MATH    2\\sqrt{3} equals \\sqrt{12}: ${mathAnswersEqual('2\\sqrt{3}', '\\sqrt{12}')}`);
