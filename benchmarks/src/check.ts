import { execFile, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { writeFileAtomic } from '@o1lab/core';
import type { CheckReport, RoundOutput, ThresholdsConfig } from './compare.js';
import { compareRuns, resolveThresholdsConfig, toGithubBenchmark } from './compare.js';
import { alignColumns, formatNumber, REPO_ROOT, REPORTS_DIR } from './runner.js';

const run = promisify(execFile);

/** Rounds (base and head once each) of a full check. */
export const DEFAULT_ROUNDS = 5;
/** Where the checked-in thresholds live. */
export const THRESHOLDS_PATH = join(REPO_ROOT, 'benchmarks', 'thresholds.json');
/** The runner this check drives for both sides (it loads either side's suites by directory). */
const RUNNER_CLI = join(dirname(fileURLToPath(import.meta.url)), 'cli.js');

/** How to run one side: a command that prints the runner's `--json` output, and its suites. */
export interface SideSpec {
  /** `'base'` or `'head'`, for logs. */
  readonly label: string;
  /** The directory of built suite files to load. */
  readonly suitesDir: string;
  /**
   * The command before the runner's flags.
   * @default [process.execPath, '<this dir>/cli.js']
   */
  readonly command?: readonly string[];
  /** Extra environment for this side (tests inject `O1LAB_BENCH_SLOWDOWN` here). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of the child. @default the repository root */
  readonly cwd?: string;
}

/** Options of {@link runInterleaved}. */
export interface InterleaveOptions {
  /** @default DEFAULT_ROUNDS */
  readonly rounds?: number;
  /** @default false */
  readonly quick?: boolean;
  /** @default [] (all suites) */
  readonly filter?: readonly string[];
  /** @default no output */
  readonly log?: (line: string) => void;
}

/**
 * Runs base and head alternately, each in a fresh child process: round 1 base then head, round 2
 * head then base, and so on (ABBA), so a machine that speeds up or slows down during the check
 * affects both sides alike. Returns each side's outputs in round order; a child that fails throws
 * with its stderr.
 */
export async function runInterleaved(
  base: SideSpec,
  head: SideSpec,
  options: InterleaveOptions = {},
): Promise<{ base: RoundOutput[]; head: RoundOutput[] }> {
  const rounds = options.rounds ?? DEFAULT_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`\`rounds\` must be an integer >= 1, got ${rounds}`);
  }
  const log = options.log ?? (() => {});
  const out = { base: [] as RoundOutput[], head: [] as RoundOutput[] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ([base, head] as const) : ([head, base] as const);
    for (const side of order) {
      const start = performance.now();
      const output = await runSide(side, options);
      (side === base ? out.base : out.head).push(output);
      log(`round ${r + 1}/${rounds} ${side.label}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
    }
  }
  return out;
}

async function runSide(side: SideSpec, options: InterleaveOptions): Promise<RoundOutput> {
  const [cmd, ...prefix] = side.command ?? [process.execPath, RUNNER_CLI];
  const args = [...prefix, '--json', '--no-write', '--suites-dir', side.suitesDir];
  if (options.quick) args.push('--quick');
  if (options.filter !== undefined && options.filter.length > 0)
    args.push('--filter', options.filter.join(','));
  let stdout: string;
  try {
    ({ stdout } = await run(cmd!, args, {
      cwd: side.cwd ?? REPO_ROOT,
      env: { ...process.env, ...side.env },
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    // The runner exits 1 when a suite threw but still prints what it measured; keep that.
    const json = e.stdout === undefined ? undefined : lastJsonLine(e.stdout);
    if (json !== undefined) {
      for (const message of json.errors ?? []) options.log?.(`${side.label}: ${message}`);
      return json;
    }
    throw new Error(`${side.label} run failed: ${e.message}\n${e.stderr ?? ''}`);
  }
  const json = lastJsonLine(stdout);
  if (json === undefined) throw new Error(`${side.label} run printed no JSON`);
  for (const message of json.errors ?? []) options.log?.(`${side.label}: ${message}`);
  return json;
}

function lastJsonLine(stdout: string): (RoundOutput & { errors?: string[] }) | undefined {
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as RoundOutput & { errors?: string[] };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Options of {@link runCheck}. */
export interface CheckOptions extends InterleaveOptions {
  /** Base commit; default: merge-base with origin/main when it differs from HEAD, else HEAD~1. */
  readonly baseRef?: string;
  /** Overrides the base side (tests; comparing two existing builds); skips git entirely. */
  readonly baseSide?: SideSpec;
  /** Overrides the head side. @default this checkout's built suites */
  readonly headSide?: SideSpec;
  /** @default THRESHOLDS_PATH */
  readonly thresholdsPath?: string;
  /** Where `check.json` (github-action-benchmark) and `check-details.json` go. @default reports/bench */
  readonly outDir?: string;
  /** Leave the base worktree in place for inspection. @default false */
  readonly keepWorktree?: boolean;
  /** Where the result table goes. @default stdout */
  readonly print?: (text: string) => void;
  /** Run `npm ci --ignore-scripts` in the base worktree instead of linking head's node_modules. @default false */
  readonly install?: boolean;
}

/** What a check ended with. */
export interface CheckOutcome {
  /** 0 passed (warnings allowed), 1 a benchmark failed its threshold. */
  readonly code: number;
  /** Absent when there was nothing to compare (no base, or a base without benchmarks). */
  readonly report?: CheckReport;
  readonly baseSha?: string;
}

/**
 * The regression gate: builds the base commit in a temporary git worktree, runs base and head
 * suites interleaved, compares the median paired ratios with the thresholds, prints a table and
 * writes `check.json` (github-action-benchmark `customBiggerIsBetter`) and `check-details.json`.
 * Head must already be built (the `bench:check` script builds it).
 */
export async function runCheck(options: CheckOptions = {}): Promise<CheckOutcome> {
  const log = options.log ?? (() => {});
  const thresholds = await loadThresholds(options.thresholdsPath ?? THRESHOLDS_PATH);
  const head: SideSpec = options.headSide ?? {
    label: 'head',
    suitesDir: join(REPO_ROOT, 'benchmarks', 'dist', 'suites'),
  };
  let baseSha: string | undefined;
  let worktree: string | undefined;
  let base = options.baseSide;
  try {
    if (base === undefined) {
      const resolved = await resolveBaseRef(options.baseRef);
      if (resolved === undefined) {
        log('no base commit to compare with (first commit); passing');
        return { code: 0 };
      }
      baseSha = resolved.sha;
      log(`base: ${resolved.sha.slice(0, 10)} (${resolved.why})`);
      if (!(await hasBenchmarks(resolved.sha))) {
        log(
          `base ${resolved.sha.slice(0, 10)} has no benchmarks (it predates benchmarks/src/harness.ts); passing`,
        );
        return { code: 0, baseSha };
      }
      worktree = await createWorktree(resolved.sha);
      if (!options.keepWorktree) removeOnInterrupt(worktree);
      log(`base worktree: ${worktree}`);
      await prepareWorktree(worktree, options.install ?? false, log);
      base = { label: 'base', suitesDir: join(worktree, 'benchmarks', 'dist', 'suites') };
    }
    if (!existsSync(base.suitesDir)) {
      log(`base has no built suites at ${base.suitesDir}; passing`);
      return { code: 0, ...(baseSha ? { baseSha } : {}) };
    }
    const outputs = await runInterleaved(base, head, options);
    const report = compareRuns(outputs.base, outputs.head, thresholds);
    log(`\ncompared: ${thresholds.metric ?? 'value'} (median over rounds of the per-round head/base ratio)`);
    (options.print ?? ((text) => process.stdout.write(text)))(`${formatReport(report)}\n`);
    const outDir = options.outDir ?? REPORTS_DIR;
    await writeFileAtomic(
      join(outDir, 'check.json'),
      `${JSON.stringify(toGithubBenchmark(report), null, 2)}\n`,
    );
    await writeFileAtomic(
      join(outDir, 'check-details.json'),
      `${JSON.stringify({ baseSha: baseSha ?? null, rounds: outputs.base.length, ...report }, null, 2)}\n`,
    );
    const verdict = report.passed
      ? `passed${report.numWarn > 0 ? ` with ${report.numWarn} warning(s)` : ''}`
      : `FAILED: ${report.numFail} benchmark(s) slower than their fail threshold`;
    log(`bench:check ${verdict}; wrote ${join(outDir, 'check.json')}`);
    return { code: report.passed ? 0 : 1, report, ...(baseSha ? { baseSha } : {}) };
  } finally {
    if (worktree !== undefined && !options.keepWorktree) await removeWorktree(worktree);
  }
}

/** The comparison as a table, one row per benchmark. */
export function formatReport(report: CheckReport): string {
  const rows: string[][] = [
    ['status', 'suite', 'benchmark', 'base', 'head', 'unit', 'head/base', 'rounds', 'limits'],
  ];
  for (const c of report.comparisons) {
    rows.push([
      c.status === 'ok' ? 'ok' : c.status.toUpperCase(),
      c.suite,
      c.name,
      c.baseMedian === undefined ? '-' : formatNumber(c.baseMedian),
      c.headMedian === undefined ? '-' : formatNumber(c.headMedian),
      c.unit,
      c.ratio === undefined ? (c.note ?? '') : c.ratio.toFixed(3),
      c.ratios === undefined ? '' : c.ratios.map((r) => r.toFixed(2)).join(' '),
      `-${pct(c.thresholds.warn)}/-${pct(c.thresholds.fail)}`,
    ]);
  }
  return alignColumns(rows, [false, false, false, true, true, false, true, false, false]);
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

async function loadThresholds(path: string): Promise<ThresholdsConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return resolveThresholdsConfig({}, path);
  }
  return resolveThresholdsConfig(JSON.parse(text), path);
}

async function git(args: readonly string[], cwd = REPO_ROOT): Promise<string> {
  const { stdout } = await run('git', [...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function tryGit(args: readonly string[]): Promise<string | undefined> {
  try {
    return await git(args);
  } catch {
    return undefined;
  }
}

/**
 * The base commit: `explicit` when given; otherwise the merge-base with origin/main when that exists
 * and differs from HEAD (a branch is compared with where it left main), else HEAD~1 (a commit on
 * main is compared with its parent). `undefined` when HEAD has no parent.
 */
export async function resolveBaseRef(explicit?: string): Promise<{ sha: string; why: string } | undefined> {
  if (explicit !== undefined) {
    const sha = await tryGit(['rev-parse', '--verify', `${explicit}^{commit}`]);
    if (sha === undefined) throw new Error(`--base ${explicit}: not a commit in this repository`);
    return { sha, why: `--base ${explicit}` };
  }
  const head = await git(['rev-parse', 'HEAD']);
  if ((await tryGit(['rev-parse', '--verify', '--quiet', 'origin/main^{commit}'])) !== undefined) {
    const mergeBase = await tryGit(['merge-base', 'HEAD', 'origin/main']);
    if (mergeBase !== undefined && mergeBase !== head)
      return { sha: mergeBase, why: 'merge-base with origin/main' };
  }
  const parent = await tryGit(['rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}']);
  return parent === undefined ? undefined : { sha: parent, why: 'HEAD~1' };
}

async function hasBenchmarks(sha: string): Promise<boolean> {
  return (await tryGit(['cat-file', '-e', `${sha}:benchmarks/src/harness.ts`])) !== undefined;
}

async function createWorktree(sha: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'o1lab-bench-base-'));
  const tree = join(dir, 'tree');
  await git(['worktree', 'add', '--detach', tree, sha]);
  return tree;
}

/** Ctrl-C during a check must not leave a registered worktree behind in the repository. */
function removeOnInterrupt(tree: string): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    try {
      execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: REPO_ROOT, stdio: 'ignore' });
    } catch {
      // Already gone, or never fully created; the rm and prune below cover both.
    }
    rmSync(dirname(tree), { recursive: true, force: true });
    try {
      execFileSync('git', ['worktree', 'prune'], { cwd: REPO_ROOT, stdio: 'ignore' });
    } catch {
      // Nothing to prune.
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

async function removeWorktree(tree: string): Promise<void> {
  await tryGit(['worktree', 'remove', '--force', tree]);
  await rm(dirname(tree), { recursive: true, force: true });
  await tryGit(['worktree', 'prune']);
}

/**
 * Gives the worktree dependencies and builds `@o1lab/benchmarks` and its workspace dependencies
 * there. By default it links head's installed third-party packages instead of installing (fast,
 * offline); workspace packages get links to the worktree's own sources, since a link to head's
 * would benchmark head twice.
 */
async function prepareWorktree(tree: string, install: boolean, log: (line: string) => void): Promise<void> {
  const start = performance.now();
  if (install) {
    await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: tree,
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } else {
    const headLock = await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8').catch(() => '');
    const baseLock = await readFile(join(tree, 'package-lock.json'), 'utf8').catch(() => '');
    if (headLock !== baseLock) {
      log(
        'note: base package-lock.json differs; base runs with head third-party packages (use --install to install its own)',
      );
    }
    await linkNodeModules(join(REPO_ROOT, 'node_modules'), join(tree, 'node_modules'), REPO_ROOT, tree);
    for (const workspace of await workspaceDirsWithNodeModules(REPO_ROOT)) {
      if (existsSync(join(tree, workspace))) {
        await linkNodeModules(
          join(REPO_ROOT, workspace, 'node_modules'),
          join(tree, workspace, 'node_modules'),
          REPO_ROOT,
          tree,
        );
      }
    }
  }
  log(`base dependencies ready in ${((performance.now() - start) / 1000).toFixed(1)} s; building base`);
  const buildStart = performance.now();
  try {
    await run(
      join(tree, 'node_modules', '.bin', 'turbo'),
      ['run', 'build', '--filter=@o1lab/benchmarks...', '--output-logs=errors-only'],
      { cwd: tree, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
    );
  } catch (error) {
    // tsc still emits JavaScript when types fail, and the runner loads suite by suite, so a base
    // commit with one broken suite (or a dependency missing from its package.json) can still be
    // compared on the suites that did build.
    const e = error as { stdout?: string; stderr?: string; message: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    log(`warning: building base failed; comparing whatever suites it built:\n${output}`);
  }
  log(`base built in ${((performance.now() - buildStart) / 1000).toFixed(1)} s`);
}

/**
 * Mirrors `from` (a node_modules directory of head) into `to`: third-party entries become absolute
 * links to head's copies; links that point into head's repository (npm workspace links) are
 * re-pointed at the same relative place inside the worktree, or dropped when the base lacks it.
 */
export async function linkNodeModules(
  from: string,
  to: string,
  headRoot: string,
  treeRoot: string,
): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) {
    // Tool caches and npm's own lock mirror belong to head's install, not to the base.
    if (name.startsWith('.') && name !== '.bin') continue;
    const source = join(from, name);
    const target = join(to, name);
    const info = await lstat(source);
    if (name.startsWith('@') && info.isDirectory()) {
      await linkNodeModules(source, target, headRoot, treeRoot);
      continue;
    }
    if (info.isSymbolicLink()) {
      const link = await readlink(source);
      const resolvedLink = isAbsolute(link) ? link : resolve(dirname(source), link);
      const inRepo = relative(headRoot, resolvedLink);
      if (!inRepo.startsWith('..') && !inRepo.startsWith('node_modules')) {
        const mirrored = join(treeRoot, inRepo);
        if (existsSync(mirrored)) await symlink(relative(dirname(target), mirrored), target);
        continue;
      }
    }
    await symlink(source, target);
  }
}

/**
 * Workspace directories (relative to `root`) that have their own node_modules, from the `workspaces`
 * patterns of `root/package.json` (`dir` or `dir/*`).
 */
export async function workspaceDirsWithNodeModules(root: string): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { workspaces?: unknown };
  const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces.filter((w) => typeof w === 'string') : [];
  const dirs: string[] = [];
  for (const pattern of patterns as string[]) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      const entries = await readdir(join(root, parent)).catch(() => [] as string[]);
      for (const entry of entries.sort()) dirs.push(join(parent, entry));
    } else {
      dirs.push(pattern);
    }
  }
  return dirs.filter(
    (dir) => existsSync(join(root, dir, 'package.json')) && existsSync(join(root, dir, 'node_modules')),
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      base: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      filter: { type: 'string', multiple: true },
      thresholds: { type: 'string' },
      out: { type: 'string' },
      'keep-worktree': { type: 'boolean', default: false },
      install: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const rounds = values.rounds === undefined ? DEFAULT_ROUNDS : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write(`--rounds must be an integer >= 1, got '${values.rounds}'\n`);
    return 2;
  }
  const filter = (values.filter ?? [])
    .flatMap((f) => f.split(','))
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
  const outcome = await runCheck({
    rounds,
    quick: values.quick,
    filter,
    keepWorktree: values['keep-worktree'],
    install: values.install,
    ...(values.base === undefined ? {} : { baseRef: values.base }),
    ...(values.thresholds === undefined ? {} : { thresholdsPath: resolve(values.thresholds) }),
    ...(values.out === undefined ? {} : { outDir: resolve(values.out) }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  return outcome.code;
}

const HELP = `Usage: npm run bench:check -- [options]

Throughput-regression gate: builds the base commit in a temporary git worktree, runs base and head
suites interleaved in child processes, and fails when a benchmark's median head/base ratio is slower
than its threshold (benchmarks/thresholds.json; default warn 10 %, fail 25 %).

Options:
  --base REF         base commit (default: merge-base with origin/main if it differs from HEAD, else HEAD~1)
  --rounds N         interleaved rounds, each running base and head once (default ${DEFAULT_ROUNDS})
  --quick            short time budgets per benchmark
  --filter NAMES     comma-separated suite or file names (default all)
  --thresholds PATH  thresholds file (default benchmarks/thresholds.json)
  --out DIR          where check.json and check-details.json go (default reports/bench)
  --install          npm ci in the base worktree instead of linking head's node_modules
  --keep-worktree    leave the base worktree for inspection
  --help             this text
`;

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bench:check: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
