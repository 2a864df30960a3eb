import cliProgress from 'cli-progress';

/** A training progress bar: step, loss, tokens/s and ETA. */
export interface Progress {
  update(step: number, values: { readonly loss: number; readonly tokensPerSecond: number }): void;
  stop(): void;
}

/**
 * A cli-progress bar on stderr, or a no-op when `enabled` is false or stderr is not a TTY (logs
 * and CI stay clean). cli-progress draws, throttles redraws and computes the ETA from the step rate.
 */
export function createProgress(enabled: boolean, label: string, total: number, startStep: number): Progress {
  if (!enabled || process.stderr.isTTY !== true) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label.padEnd(8)} [{bar}] {value}/{total} | loss {loss} | {tps} tok/s | eta {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, startStep, { loss: '-', tps: '-' });
  return {
    update(step, values) {
      bar.update(step, { loss: values.loss.toFixed(4), tps: values.tokensPerSecond.toFixed(0) });
    },
    stop() {
      bar.stop();
    },
  };
}
