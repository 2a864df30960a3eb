import { describe, expect, it } from 'vitest';
import { behaviourRates, detectBehaviours, solutionOf } from './behaviours.js';

const FULL = [
  'given: 3 10 16 20, make 17',
  'plan: get 13 and 4, then add',
  'try: 20-10=10',
  'back: no way to 17 from 3 16 10',
  '10+3=11',
  'oops: 11-3 is not 10',
  '10+3=13',
  '20-16=4',
  'check: 4+16=20 ok',
  '13+4=17',
  'answer: 17',
].join('\n');

describe('detectBehaviours', () => {
  it('tags every behaviour of a full trace by its line prefix', () => {
    expect(detectBehaviours(FULL)).toEqual({
      analysis: true,
      decomposition: true,
      stepByStep: true,
      selfEvaluation: true,
      selfCorrection: true,
      backtracking: true,
    });
  });

  it('tags a plain derivation as step by step only, and an answer alone as nothing', () => {
    expect(detectBehaviours('25+3=28\n8-7=1\n28+1=29\nanswer: 29')).toEqual({
      analysis: false,
      decomposition: false,
      stepByStep: true,
      selfEvaluation: false,
      selfCorrection: false,
      backtracking: false,
    });
    expect(Object.values(detectBehaviours('answer: (25+3)+(8-7)')).some(Boolean)).toBe(false);
  });

  it('ignores what follows the answer line, as the verifiers do', () => {
    expect(detectBehaviours('answer: 29\ncheck: 29-1=28 ok').selfEvaluation).toBe(false);
  });

  it('reports rates over many completions', () => {
    const rates = behaviourRates([FULL, '1+2=3\nanswer: 3', 'given: 1 2, make 3\nanswer: 1+2', 'garbage']);
    expect(rates.analysis).toBe(0.5);
    expect(rates.stepByStep).toBe(0.5);
    expect(rates.selfCorrection).toBe(0.25);
    expect(behaviourRates([]).analysis).toBe(0);
  });
});

describe('solutionOf', () => {
  it('keeps the plain derivation: commentary, the abandoned branch and the retracted step are dropped', () => {
    expect(solutionOf(FULL)).toBe('10+3=13\n20-16=4\n13+4=17\nanswer: 17');
  });
});
