import cliProgress from 'cli-progress';

/** One long phase: a bar with count, rate and ETA. */
export interface ProgressBar {
  /** Advances by `n` units; `detail` replaces the bar's trailing note (e.g. a running accuracy). */
  tick(n?: number, detail?: string): void;
  /** Ends the bar (it stays on screen with its final numbers). */
  done(): void;
}

/** Starts bars for the phases of a run. */
export interface Progress {
  bar(phase: string, total: number, startAt?: number): ProgressBar;
  /** A log line above the bars (stderr). */
  log(line: string): void;
}

/** Progress that prints nothing (tests, `--quiet`). */
export const silentProgress: Progress = Object.freeze({
  bar: () => ({ tick: () => {}, done: () => {} }),
  log: () => {},
});

/**
 * Progress bars on stderr through cli-progress: on a terminal they redraw in place; redirected to a
 * file or CI log, a line every `notTTYScheduleMs` (so long runs show they are alive and their ETA).
 * `--json` keeps stdout machine-readable because everything here goes to stderr.
 */
export function createProgress(
  options: { readonly stream?: NodeJS.WriteStream; readonly notTTYScheduleMs?: number } = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  return {
    bar(phase, total, startAt = 0) {
      const bar = new cliProgress.SingleBar(
        {
          format: `${phase.padEnd(28)} [{bar}] {percentage}% {value}/{total} | {duration_formatted} elapsed, ETA {eta_formatted} | {detail}`,
          stream,
          hideCursor: stream.isTTY === true,
          noTTYOutput: true,
          notTTYSchedule: options.notTTYScheduleMs ?? 10_000,
          etaBuffer: 50,
          barsize: 24,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(1, total), startAt, { detail: '' });
      let finished = false;
      return {
        tick(n = 1, detail) {
          bar.increment(n, detail === undefined ? {} : { detail });
        },
        done() {
          if (finished) return;
          finished = true;
          bar.update(Math.max(1, total));
          bar.stop();
        },
      };
    },
    log(line) {
      stream.write(`${line}\n`);
    },
  };
}
