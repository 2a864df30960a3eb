import * as tf from '@tensorflow/tfjs';

/**
 * Binary cross-entropy on logits `x` with targets `y` in [0, 1], weighted per position and averaged
 * over the weights: sum(w (max(x, 0) - x y + log(1 + e^{-|x|}))) / sum(w), the overflow-safe form of
 * PyTorch's BCEWithLogitsLoss. Shapes of `logits`, `targets` and `weights` agree (e.g. `[B, T]`
 * with the weight on the positions a PRM or ORM reads); a zero weight drops a position.
 */
export function bceWithLogitsLoss(logits: tf.Tensor, targets: tf.Tensor, weights: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const perPosition = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), softplusOfMinusAbs(logits));
    return tf.div(tf.sum(tf.mul(perPosition, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
  });
}

/**
 * Bradley–Terry loss of a pairwise reward model (Ouyang et al. 2022, eq. 1), averaged over pairs:
 * mean(-log sigmoid(r_chosen - r_rejected)) = mean(softplus(r_rejected - r_chosen)), computed as
 * max(d, 0) + log(1 + e^{-|d|}) so large margins neither overflow nor lose the gradient. `[P]` each.
 */
export function bradleyTerryLoss(rChosen: tf.Tensor, rRejected: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d = tf.sub(rRejected, rChosen);
    return tf.mean(tf.add(tf.relu(d), softplusOfMinusAbs(d))) as tf.Scalar;
  });
}

/** log(1 + e^{-|x|}), finite for every finite x. */
function softplusOfMinusAbs(x: tf.Tensor): tf.Tensor {
  return tf.log1p(tf.exp(tf.neg(tf.abs(x))));
}
