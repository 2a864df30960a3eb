import { createRng, type Task } from '@o1lab/core';
import { arithmeticTask, countdownTask, game24Task, isTraceText, TRACE_LINE_PREFIXES } from '@o1lab/tasks';
import { describe, expect, it } from 'vitest';
import { BEHAVIOUR_PREFIXES, BEHAVIOURS, detectBehaviours, solutionOf } from './behaviours.js';
import { heldOutProblems, isHeldOut, synthesizeCorpus, synthesizeTrace } from './synthesize.js';

const TASKS: readonly Task[] = [countdownTask, arithmeticTask, game24Task] as unknown as Task[];
const ALL_ON = {
  analysis: 1,
  decomposition: 1,
  stepByStep: 1,
  selfEvaluation: 1,
  selfCorrection: 1,
  backtracking: 1,
};

describe('synthesizeTrace', () => {
  for (const task of TASKS) {
    it(`${task.name}: every trace and its solution verify, on 150 seeded problems with mixed behaviours`, () => {
      const rng = createRng(7);
      let made = 0;
      for (let i = 0; i < 150; i++) {
        const problem = task.generate(rng);
        const trace = synthesizeTrace(task, problem, rng, { maxLength: 400 });
        if (trace === null) continue;
        made++;
        expect(isTraceText(trace.prompt + trace.completion)).toBe(true);
        expect(task.verify(problem, solutionOf(trace.completion)).correct).toBe(true);
        expect(task.verify(problem, trace.completion).correct).toBe(true);
        const flags = detectBehaviours(trace.completion);
        for (const b of BEHAVIOURS) expect(flags[b]).toBe(trace.behaviours.includes(b));
      }
      expect(made).toBeGreaterThan(145);
    });
  }

  it('arithmetic: the full text with every behaviour verifies with the task itself', () => {
    const rng = createRng(3);
    for (let i = 0; i < 200; i++) {
      const problem = arithmeticTask.generate(rng);
      const trace = synthesizeTrace(arithmeticTask, problem, rng, { rates: ALL_ON, maxLength: 1000 })!;
      expect(trace.behaviours).toEqual(BEHAVIOURS);
      expect(arithmeticTask.verify(problem, trace.completion).correct).toBe(true);
    }
  });

  for (const task of [countdownTask, game24Task] as unknown as Task[]) {
    it(`${task.name}: plain and answer-only traces verify with the task itself`, () => {
      const rng = createRng(5);
      let answerOnly = 0;
      for (let i = 0; i < 200; i++) {
        const problem = task.generate(rng);
        for (const stepByStep of [0, 1]) {
          const rates = {
            analysis: 0,
            decomposition: 0,
            selfEvaluation: 0,
            selfCorrection: 0,
            backtracking: 0,
            stepByStep,
          };
          const trace = synthesizeTrace(task, problem, rng, { rates })!;
          expect(task.verify(problem, trace.completion).correct).toBe(true);
          if (stepByStep === 1) expect(trace.behaviours.includes('stepByStep')).toBe(true);
          else answerOnly += trace.behaviours.includes('stepByStep') ? 0 : 1;
        }
      }
      expect(answerOnly).toBeGreaterThan(150);
    });
  }

  it('marks the corrupted step: it is wrong, an oops line retracts it and the repaired step follows', () => {
    const rng = createRng(11);
    for (const task of TASKS) {
      for (let i = 0; i < 50; i++) {
        const problem = task.generate(rng);
        const trace = synthesizeTrace(task, problem, rng, {
          rates: { ...ALL_ON, backtracking: 0, selfEvaluation: 0 },
          maxLength: 1000,
        })!;
        expect(trace.corruptedLines.length).toBe(1);
        const lines = trace.completion.split('\n');
        const k = trace.corruptedLines[0]!;
        expect(lines[k + 1]!.startsWith('oops:')).toBe(true);
        const checks = task.checkSteps!(problem, [lines[k]!]);
        expect(checks[0]!.correct).toBe(false);
        expect(lines[k + 2]!.split('=')[0]).toBe(lines[k]!.split('=')[0]);
      }
    }
  });

  it('abandons a real dead end in countdown: the branch step is valid but the target is out of reach after it', () => {
    const rng = createRng(13);
    let branches = 0;
    for (let i = 0; i < 100; i++) {
      const problem = countdownTask.generate(rng);
      const trace = synthesizeTrace(countdownTask, problem, rng, {
        rates: { ...ALL_ON, selfCorrection: 0, selfEvaluation: 0 },
        maxLength: 1000,
      })!;
      if (!trace.behaviours.includes('backtracking')) continue;
      branches++;
      const lines = trace.completion.split('\n');
      const step = lines[trace.abandonedLines[0]!]!.slice('try:'.length).trim();
      expect(countdownTask.checkSteps!(problem, [step])[0]!.correct).toBe(true);
      expect(lines[trace.abandonedLines[0]! + 1]!.startsWith('back:')).toBe(true);
    }
    expect(branches).toBeGreaterThan(50);
  });

  for (const task of [countdownTask, game24Task] as unknown as Task[]) {
    it(`${task.name}: full behaviour traces verify with the task itself, on 300 seeded problems`, () => {
      let withEvery = 0;
      for (let seed = 0; seed < 300; seed++) {
        const rng = createRng(seed);
        const problem = task.generate(rng);
        for (const rates of [ALL_ON, {}]) {
          const trace = synthesizeTrace(task, problem, rng, { rates, maxLength: 1000 });
          if (trace === null) continue;
          const verdict = task.verify(problem, trace.completion);
          expect(verdict.correct, `${trace.completion}\n${verdict.reason}`).toBe(true);
          const lines = trace.completion.split('\n');
          const wrong = task.checkSteps!(problem, lines).flatMap((c, i) => (c.correct ? [] : [i]));
          expect(wrong).toEqual(trace.corruptedLines);
          if (trace.behaviours.length === BEHAVIOURS.length) withEvery++;
        }
      }
      expect(withEvery).toBeGreaterThan(200);
    });
  }

  it('uses the line prefixes the tasks verifiers read', () => {
    expect(BEHAVIOUR_PREFIXES).toEqual(TRACE_LINE_PREFIXES);
  });

  it('shows the example formats', () => {
    const problem = countdownTask.generate(createRng(1));
    const trace = synthesizeTrace(countdownTask, problem, createRng(2), { rates: ALL_ON, maxLength: 1000 })!;
    expect(trace.completion).toMatchInlineSnapshot(`
      "given: 3 10 16 20, make 17
      plan: get 13 and 4, then add
      try: 20-10=10
      back: no way to 17 from 3 16 10
      10+3=11
      oops: 11-3 is not 10
      10+3=13
      20-16=4
      check: 4+16=20 ok
      13+4=17
      check: 17-4=13 ok
      answer: 17"
    `);
  });

  it('is seeded: the same seed gives the same corpus, and held-out problems never appear in it', () => {
    const a = synthesizeCorpus(countdownTask, 200, { synthesis: { seed: 4 } });
    const b = synthesizeCorpus(countdownTask, 200, { synthesis: { seed: 4 } });
    expect(a).toEqual(b);
    expect(a.some((r) => isHeldOut(r.problemId, 0.1))).toBe(false);
    const test = heldOutProblems(countdownTask, 50);
    expect(test.length).toBe(50);
    const train = new Set(a.map((r) => r.problemId));
    expect(test.some((p) => train.has(p.id))).toBe(false);
  });

  it('keeps behaviour rates near their switches', () => {
    const corpus = synthesizeCorpus(arithmeticTask, 2000, { synthesis: { maxLength: 1000 } });
    const rate = (b: string) =>
      corpus.filter((r) => r.behaviours.includes(b as never)).length / corpus.length;
    expect(rate('analysis')).toBeCloseTo(0.5, 1);
    expect(rate('selfCorrection')).toBeCloseTo(0.2, 1);
    expect(rate('stepByStep')).toBe(1);
  });
});
