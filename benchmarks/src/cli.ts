import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchDevice } from './harness.js';
import {
  appendHistory,
  formatTable,
  HISTORY_DIR,
  REPORTS_DIR,
  runSuites,
  writeSuiteReports,
} from './runner.js';

const HELP = `Usage: npm run bench -- [options]

Runs the benchmark suites in benchmarks/dist/suites and writes reports/bench/<suite>.json.

Options:
  --filter NAMES     comma-separated suite names or suite file names (repeatable); default all
  --quick            short time budgets (CI)
  --device cpu|gpu   gpu runs the suites that have a CUDA lane; default cpu
  --json             print the records as JSON on stdout (progress goes to stderr)
  --history          also append the results to reports/bench/history/<suite>.jsonl
  --out DIR          write the suite JSON files to DIR instead of reports/bench
  --no-write         write no suite JSON files
  --suites-dir DIR   load suites from DIR (bench:check runs a base build's suites this way)
  --help             this text
`;

/** The JSON printed by `--json`: records per suite name, and what failed. */
export interface CliJsonOutput {
  readonly suites: Readonly<Record<string, readonly unknown[]>>;
  readonly errors: readonly string[];
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      filter: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      device: { type: 'string', default: 'cpu' },
      json: { type: 'boolean', default: false },
      history: { type: 'boolean', default: false },
      out: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      'suites-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.device !== 'cpu' && values.device !== 'gpu') {
    process.stderr.write(`--device must be cpu or gpu, got '${values.device}'\n`);
    return 2;
  }
  const device: BenchDevice = values.device;
  const filter = (values.filter ?? [])
    .flatMap((f) => f.split(','))
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const result = await runSuites({
    quick: values.quick,
    device,
    filter,
    ...(values['suites-dir'] === undefined ? {} : { suitesDir: resolve(values['suites-dir']) }),
    log,
  });
  const errors = [
    ...result.loadErrors,
    ...result.suites.flatMap((s) => s.errors.map((e) => `${s.name}: ${e}`)),
  ];
  if (values.json) {
    const out: CliJsonOutput = {
      suites: Object.fromEntries(result.suites.map((s) => [s.name, s.records])),
      errors,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else if (result.suites.length === 0) {
    const why =
      result.notOnDevice.length > 0
        ? `no matching suite runs on --device ${device}`
        : `no suite matched${filter.length > 0 ? ` --filter ${filter.join(',')}` : ''}`;
    process.stdout.write(`${why}\n`);
  } else {
    process.stdout.write(`${formatTable(result)}\n`);
  }
  if (!values['no-write']) {
    const dir = values.out === undefined ? REPORTS_DIR : resolve(values.out);
    const written = await writeSuiteReports(result, dir, device);
    if (written.length > 0) log(`wrote ${written.join(', ')}`);
  }
  if (values.history) {
    const written = await appendHistory(result, HISTORY_DIR, device);
    if (written.length > 0) log(`appended ${written.join(', ')}`);
  }
  for (const error of errors) log(`error: ${error}`);
  return errors.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
