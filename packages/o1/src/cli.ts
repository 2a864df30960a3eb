import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runServe, SERVE_USAGE } from '@o1lab/backend-serve';
import { type Json, O1labError } from '@o1lab/core';
import { taskRegistry } from '@o1lab/tasks';
import { Command, InvalidArgumentError, Option } from 'commander';
import { evalOnce } from './eval.js';
import { runRecipe } from './loop.js';
import { createMethodRegistry } from './methods.js';
import type { RunMetrics } from './metrics.js';
import { createProgress, silentProgress } from './progress.js';
import {
  BUDGET_KINDS,
  builtInRecipes,
  LEARNER_NAMES,
  REWARD_MODEL_KINDS,
  type Recipe,
  readRecipe,
  resolveRecipe,
} from './recipe.js';
import { evaluateClaims, logLinearFits, writeReport, writeTreeViewer } from './report/index.js';

/** Where the CLI writes: stdout for results (`--json`), stderr for progress and logs. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/**
 * `o1lab`: the command line of the o1 loop. Returns the exit code (0 ok, 1 failure, 2 bad usage).
 * Ctrl-C stops between units of work; the run directory then resumes with `--resume`.
 */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr('\n[o1lab] stopping after the current unit of work (Ctrl-C again to quit now)\n');
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code = 0;
  const program = buildProgram(io, controller.signal, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    code = reportError(error, io);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return code;
}

function buildProgram(io: CliIo, signal: AbortSignal, setCode: (code: number) => void): Command {
  const program = new Command('o1lab')
    .description(
      'Search and learning for LLM reasoning: the o1 roadmap (Zeng et al. 2024) loop, scaling curves and reports',
    )
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError();
  const methods = createMethodRegistry();

  program
    .command('run')
    .description('run a recipe: policy -> reward model -> rounds of search + learning, with test-time sweeps')
    .argument('<recipe>', `a built-in recipe (${RECIPE_LIST}) or a path to a recipe .json`)
    .option('--out <dir>', 'run directory (default runs/<recipe>-<timestamp>)')
    .option('--resume', 'finish the run in --out, skipping the work it journaled', false)
    .option('--report-dir <dir>', 'also write the report files here')
    .option('--seed <n>', 'override the recipe seed', parseNonNegativeInt)
    .option('--json', 'print the metrics as JSON on stdout', false)
    .option('--quiet', 'no progress bars', false)
    .action(async (name: string, opts: RunFlags) => {
      if (opts.resume && opts.out === undefined) {
        throw new O1labError('INVALID_INPUT', '--resume needs --out <run dir>', { where: 'o1lab run' });
      }
      const { json } = await readRecipe(name);
      const raw = opts.seed === undefined ? json : { ...(json as object), seed: opts.seed };
      const recipe = resolveRecipe(raw, { tasks: taskRegistry.names(), methods: methods.names() });
      const out = opts.out ?? join('runs', `${recipe.name}-${timestamp()}`);
      const metrics = await runRecipe(recipe, {
        out,
        resume: opts.resume,
        ...(opts.reportDir === undefined ? {} : { reportDir: opts.reportDir }),
        progress: opts.quiet ? silentProgress : createProgress(),
        signal,
        command: `o1lab run ${name}`,
      });
      finish(io, metrics, opts.json, out, opts.reportDir);
    });

  const scale = program
    .command('scale')
    .description('scaling curves: accuracy vs test-time or train-time compute');
  const known = { tasks: taskRegistry.names(), methods: methods.names() };
  withRunOptions(
    scaleOptions(
      scale
        .command('test-time')
        .description('methods x budgets -> accuracy vs compute with 95% CIs, log-linear fits and a report'),
      methods.names(),
      {
        methods: 'greedy,majority-vote,best-of-n-prm,beam-prm,mcts-prm',
        levels: '1,2,4,8,16',
        reward: 'prm',
      },
    )
      .option('--seeds <n>', 'search seeds per problem', parsePositiveInt, 1)
      .addOption(
        new Option('--budget <kind>', 'levels are method knobs, or generated-token budgets per problem')
          .choices([...BUDGET_KINDS])
          .default('level'),
      )
      .option('--report-dir <dir>', 'also write the report files here'),
  ).action(async (opts: ScaleFlags & { budget: string; reportDir?: string }) => {
    const recipe = resolveRecipe(
      scaleRecipe('test-time', opts, { rounds: 0 }, opts.budget),
      known,
      'options',
    );
    await runScale(recipe, opts, io, signal);
  });
  withRunOptions(
    scaleOptions(
      scale
        .command('train-time')
        .description('accuracy vs rounds of train-time search + learning (and vs train compute)'),
      methods.names(),
      { methods: 'greedy,majority-vote', levels: '1,4,16', reward: 'verifier' },
    )
      .option('--rounds <n>', 'rounds of search + learning', parsePositiveInt, 2)
      .option('--search <method>', 'train-time searcher', 'best-of-n-oracle')
      .option('--level <n>', 'its budget level', parsePositiveInt, 8)
      .option('--train-problems <n>', 'training problems per round', parsePositiveInt, 256)
      .addOption(
        new Option('--learner <name>', 'learner').choices([...LEARNER_NAMES]).default('expert-iteration'),
      ),
  ).action(async (opts: ScaleFlags & TrainFlags) => {
    const extra = {
      rounds: opts.rounds,
      search: { method: opts.search, level: opts.level, problems: opts.trainProblems },
      learner: { name: opts.learner },
    };
    const recipe = resolveRecipe(scaleRecipe('train-time', opts, extra), known, 'options');
    await runScale(recipe, opts, io, signal);
  });

  program
    .command('eval')
    .description('one policy + one searcher on a task: accuracy with a 95% CI and the compute spent')
    .requiredOption('--task <name>', `task (${taskRegistry.names().join(', ')})`)
    .option('--policy <spec>', 'reference:<task> or a checkpoint directory (default reference:<task>)')
    .option('--method <name>', `method (${methods.names().join(', ')})`, 'majority-vote')
    .option('--level <n>', 'budget level', parsePositiveInt, 8)
    .option('--problems <n>', 'held-out problems', parsePositiveInt, 100)
    .option('--seeds <n>', 'search seeds per problem', parsePositiveInt, 1)
    .option(
      '--reward <spec>',
      "'verifier' or a reward-model directory (from a run's round-N/reward)",
      'verifier',
    )
    .option('--trees <dir>', 'write each search tree as JSON and an HTML viewer into this directory')
    .option('--seed <n>', 'seed', parseNonNegativeInt, 0)
    .option('--json', 'print the result as JSON on stdout', false)
    .option('--quiet', 'no progress bars', false)
    .action(async (opts: EvalFlags) => {
      methods.get(opts.method);
      const result = await evalOnce({
        ...opts,
        progress: opts.quiet ? silentProgress : createProgress(),
        registry: methods,
        signal,
      });
      if (opts.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else {
        const a = result.point.accuracy;
        io.stdout(
          `${opts.method} N=${opts.level} on ${result.problems} ${opts.task} problems: accuracy ${pct(a.value)} [${pct(a.lo)}, ${pct(a.hi)}], ` +
            `${result.point.compute.generatedTokens.toFixed(0)} generated tokens and ${result.point.compute.flops.toExponential(2)} FLOPs per problem\n`,
        );
        if (result.treesDir !== undefined) io.stdout(`search trees: ${result.treesDir}\n`);
      }
    });

  program
    .command('report')
    .description("rebuild a run's report (report.md, report.html, SVG plots) from its metrics.json")
    .argument('<run-dir>', 'a run directory')
    .option('--out <dir>', 'write the report here instead of the run directory')
    .option('--json', 'print the metrics as JSON on stdout', false)
    .action(async (runDir: string, opts: { out?: string; json: boolean }) => {
      const path = join(runDir, 'metrics.json');
      if (!existsSync(path)) {
        throw new O1labError('NOT_FOUND', `no metrics.json in ${runDir}`, {
          where: 'o1lab report',
          hint: 'pass a directory written by o1lab run or o1lab scale',
        });
      }
      const stored = JSON.parse(await readFile(path, 'utf8')) as RunMetrics;
      const testTime = stored.testTime.map((s) => ({ ...s, fits: logLinearFits(s.points) }));
      const base = { ...stored, testTime, claims: [] };
      const metrics: RunMetrics = { ...base, claims: evaluateClaims(base) };
      const written = await writeReport(opts.out ?? runDir, metrics);
      if (opts.json) io.stdout(`${JSON.stringify(metrics, null, 2)}\n`);
      else io.stdout(`${written.join('\n')}\n`);
    });

  program
    .command('tree')
    .description('an HTML viewer for a serialised search tree (expand nodes; see steps, scores, visits)')
    .argument('<tree.json>', 'a search tree as JSON (o1lab eval --trees writes them)')
    .option('--out <file>', 'output HTML (default: beside the JSON)')
    .action(async (file: string, opts: { out?: string }) => {
      const tree = JSON.parse(await readFile(file, 'utf8')) as Json;
      const out = opts.out ?? `${file.replace(/\.json$/, '')}.html`;
      await writeTreeViewer(out, tree, { title: file });
      io.stdout(`${out}\n`);
    });

  program
    .command('methods')
    .description('list the test-time methods')
    .option('--json', 'as JSON', false)
    .action((opts: { json: boolean }) => {
      const rows = methods.names().map((name) => {
        const m = methods.get(name);
        return { name, reward: m.reward, scalable: m.scalable, description: m.description };
      });
      if (opts.json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      else for (const r of rows) io.stdout(`${r.name.padEnd(24)} ${r.description}\n`);
    });

  program
    .command('recipes')
    .description('list the built-in recipes')
    .action(async () => {
      for (const name of await builtInRecipes()) {
        const { json } = await readRecipe(name);
        io.stdout(`${name.padEnd(10)} ${(json as { description?: string }).description ?? ''}\n`);
      }
    });

  program
    .command('bench')
    .description('run the benchmark suites (in the o1lab repository: benchmarks/)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'arguments of the benchmark runner (--filter, --quick, --rounds, --help)')
    .action(async (args: string[]) => {
      setCode(await runBenchmarks(args, io));
    });

  program
    .command('serve')
    .description('serve an ONNX model on the OpenAI-compatible /v1/completions API (loopback by default)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]', 'options of the server (--help lists them)')
    .action(async (args: string[]) => {
      if (args.includes('--help') || args.includes('-h')) {
        io.stdout(`${SERVE_USAGE.replace(/o1lab-serve/g, 'o1lab serve')}\n`);
        return;
      }
      const server = await runServe(args, (line) => io.stdout(`${line}\n`));
      await new Promise<void>((resolveStop) => {
        signal.addEventListener('abort', () => {
          server.close().then(resolveStop);
        });
      });
    });
  return program;
}

interface RunFlags {
  out?: string;
  resume: boolean;
  reportDir?: string;
  seed?: number;
  json: boolean;
  quiet: boolean;
}

interface ScaleFlags {
  task: string;
  policy?: string;
  methods: string;
  levels: string;
  problems: number;
  seeds?: number;
  reward: string;
  out?: string;
  resume: boolean;
  seed: number;
  json: boolean;
  quiet: boolean;
}

interface TrainFlags {
  rounds: number;
  search: string;
  level: number;
  trainProblems: number;
  learner: string;
}

interface EvalFlags {
  task: string;
  policy?: string;
  method: string;
  level: number;
  problems: number;
  seeds: number;
  reward: string;
  trees?: string;
  seed: number;
  json: boolean;
  quiet: boolean;
}

const RECIPE_LIST = 'quick, micro, full';

/** The options of both `scale` commands that say what to sweep. */
function scaleOptions(
  cmd: Command,
  methodNames: readonly string[],
  defaults: { readonly methods: string; readonly levels: string; readonly reward: string },
): Command {
  return cmd
    .requiredOption('--task <name>', `task (${taskRegistry.names().join(', ')})`)
    .option('--policy <spec>', 'reference:<task> or a checkpoint directory (default reference:<task>)')
    .option(
      '--methods <list>',
      `comma-separated test-time methods (${methodNames.join(', ')})`,
      defaults.methods,
    )
    .option(
      '--levels <list>',
      'comma-separated budget levels: N, beam N, MCTS simulations / 4 (16 or 2^4)',
      defaults.levels,
    )
    .option('--problems <n>', 'held-out problems', parsePositiveInt, 100)
    .addOption(
      new Option('--reward <kind>', 'reward model of the -prm/-orm methods')
        .choices([...REWARD_MODEL_KINDS])
        .default(defaults.reward),
    );
}

/** Run-directory, seed and output options. */
function withRunOptions(cmd: Command): Command {
  return cmd
    .option('--out <dir>', 'run directory (default runs/<name>-<timestamp>)')
    .option('--resume', 'finish the run in --out, skipping the work it journaled', false)
    .option('--seed <n>', 'seed', parseNonNegativeInt, 0)
    .option('--json', 'print the metrics as JSON on stdout', false)
    .option('--quiet', 'no progress bars', false);
}

/** A recipe (validated by resolveRecipe) from the `scale` flags. */
function scaleRecipe(
  kind: 'test-time' | 'train-time',
  opts: ScaleFlags,
  extra: Record<string, Json>,
  budget = 'level',
): Json {
  return {
    name: `scale-${kind}-${opts.task}`,
    description: `${kind} scaling (o1lab scale ${kind})`,
    task: opts.task,
    seed: opts.seed,
    ...(opts.policy === undefined ? {} : { policy: opts.policy }),
    rewardModel: { kind: opts.reward },
    evaluation: {
      methods: splitList(opts.methods, '--methods'),
      levels: splitList(opts.levels, '--levels').map((l) => parseLevel(l)),
      problems: opts.problems,
      seeds: opts.seeds ?? 1,
      greedyProblems: opts.problems,
      budget,
    },
    ...extra,
  };
}

async function runScale(
  recipe: Recipe,
  opts: ScaleFlags & { reportDir?: string },
  io: CliIo,
  signal: AbortSignal,
): Promise<void> {
  if (opts.resume && opts.out === undefined) {
    throw new O1labError('INVALID_INPUT', '--resume needs --out <run dir>', { where: 'o1lab scale' });
  }
  const out = opts.out ?? join('runs', `${recipe.name}-${timestamp()}`);
  const metrics = await runRecipe(recipe, {
    out,
    resume: opts.resume,
    ...(opts.reportDir === undefined ? {} : { reportDir: opts.reportDir }),
    progress: opts.quiet ? silentProgress : createProgress(),
    signal,
    command: `o1lab scale ${recipe.rounds === 0 ? 'test-time' : 'train-time'}`,
  });
  finish(io, metrics, opts.json, out, opts.reportDir);
}

function finish(
  io: CliIo,
  metrics: RunMetrics,
  json: boolean,
  out: string,
  reportDir: string | undefined,
): void {
  if (json) {
    io.stdout(`${JSON.stringify(metrics, null, 2)}\n`);
    return;
  }
  const where = reportDir ?? out;
  io.stdout(`\nreport: ${join(where, 'report.md')} (also report.html, curves.svg, metrics.json)\n`);
  for (const claim of metrics.claims) {
    const verdict = claim.holds === null ? 'not shown' : claim.holds ? 'holds' : 'does not hold';
    io.stdout(`  [${verdict}] ${claim.statement}: ${claim.evidence}\n`);
  }
}

/** Runs `benchmarks/dist/cli.js` of the repository this package sits in. */
async function runBenchmarks(args: readonly string[], io: CliIo): Promise<number> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const cli = join(root, 'benchmarks', 'dist', 'cli.js');
  if (!existsSync(cli)) {
    throw new O1labError('NOT_FOUND', 'the benchmark runner is not built', {
      where: 'o1lab bench',
      hint: existsSync(join(root, 'benchmarks'))
        ? 'run `npm run build` in the repository first (or `npm run bench -- ...`)'
        : 'the benchmarks ship with the o1lab repository, not with the npm package',
    });
  }
  io.stderr(`[o1lab] node ${cli} ${args.join(' ')}\n`);
  return new Promise((resolveCode) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'inherit' });
    child.on('exit', (code) => resolveCode(code ?? 1));
  });
}

function reportError(error: unknown, io: CliIo): number {
  const e = error as { code?: string; exitCode?: number; message?: string };
  // commander: --help and --version exit with 0; usage errors were already printed.
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version'
      ? 0
      : (e.exitCode ?? 2) === 0
        ? 0
        : 2;
  }
  if (error instanceof O1labError) {
    io.stderr(`o1lab: ${error.message}\n`);
    return error.code === 'INVALID_CONFIG' || error.code === 'INVALID_INPUT' || error.code === 'NOT_FOUND'
      ? 2
      : 1;
  }
  io.stderr(`o1lab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be an integer >= 1');
  return n;
}

function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer >= 0');
  return n;
}

/** A budget level: `16` or `2^4`. */
function parseLevel(value: string): number {
  const m = /^2\^(\d+)$/.exec(value);
  const n = m === null ? Number(value) : 2 ** Number(m[1]);
  if (!Number.isInteger(n) || n < 1) {
    throw new O1labError('INVALID_CONFIG', `bad budget level '${value}': levels are integers >= 1 (or 2^k)`, {
      where: '--levels',
    });
  }
  return n;
}

function splitList(value: string, flag: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new O1labError('INVALID_CONFIG', `${flag} is empty`, { where: flag });
  return items;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}
