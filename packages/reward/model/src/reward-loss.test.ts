import { initTfBackend } from '@o1lab/model';
import { referenceBceWithLogits, referenceBradleyTerryLoss } from '@o1lab/reference';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceWithLogitsLoss, bradleyTerryLoss } from './reward-loss.js';

beforeAll(async () => {
  await initTfBackend({ log: () => {} });
});

/** Within 1e-6, relative to the loss once it exceeds 1 (float32 holds about 7 digits). */
const within = (got: number, want: number) => Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want));

const MARGINS = [-750, -40, -7.5, -1, -1e-3, 0, 1e-3, 0.5, 2, 9, 40, 750];

describe('reward-model losses against the float64 oracles', () => {
  it('Bradley–Terry loss of each pair equals -log sigmoid(r+ - r-) to 1e-6', () => {
    for (const chosen of MARGINS) {
      for (const rejected of [-3, 0, 0.25, 5]) {
        const got = tf.tidy(
          () => bradleyTerryLoss(tf.tensor1d([chosen]), tf.tensor1d([rejected])).dataSync()[0]!,
        );
        const want = referenceBradleyTerryLoss(chosen, rejected);
        expect(within(got, want), `${chosen} vs ${rejected}: ${got} != ${want}`).toBe(true);
      }
    }
  });

  it('Bradley–Terry loss of a batch is the mean over its pairs', () => {
    const chosen = [2, -1, 0.5, 30];
    const rejected = [0, 1, 0.5, -30];
    const got = tf.tidy(() => bradleyTerryLoss(tf.tensor1d(chosen), tf.tensor1d(rejected)).dataSync()[0]!);
    const want =
      chosen.reduce((s, c, i) => s + referenceBradleyTerryLoss(c, rejected[i]!), 0) / chosen.length;
    expect(within(got, want)).toBe(true);
  });

  it('BCE with logits equals the oracle per position to 1e-6, finite at |logit| = 750', () => {
    for (const logit of MARGINS) {
      for (const target of [0, 0.25, 0.5, 1]) {
        const got = tf.tidy(
          () =>
            bceWithLogitsLoss(tf.tensor1d([logit]), tf.tensor1d([target]), tf.tensor1d([1])).dataSync()[0]!,
        );
        const want = referenceBceWithLogits(logit, target);
        expect(Number.isFinite(got)).toBe(true);
        expect(within(got, want), `${logit}, ${target}: ${got} != ${want}`).toBe(true);
      }
    }
  });

  it('BCE with logits averages over the weighted positions only', () => {
    // [2, 3]: the loss reads three positions; the others carry garbage that must not count.
    const logits = [1.5, 99, -2, 99, 0.3, 99];
    const targets = [1, 0.5, 0, 0.5, 0.75, 0.5];
    const weights = [1, 0, 1, 0, 1, 0];
    const got = tf.tidy(
      () =>
        bceWithLogitsLoss(
          tf.tensor2d(logits, [2, 3]),
          tf.tensor2d(targets, [2, 3]),
          tf.tensor2d(weights, [2, 3]),
        ).dataSync()[0]!,
    );
    const want =
      (referenceBceWithLogits(1.5, 1) + referenceBceWithLogits(-2, 0) + referenceBceWithLogits(0.3, 0.75)) /
      3;
    expect(within(got, want)).toBe(true);
  });
});
