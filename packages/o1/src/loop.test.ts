import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { taskRegistry } from '@o1lab/tasks';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { runRecipe } from './loop.js';
import { createMethodRegistry } from './methods.js';
import type { RunMetrics } from './metrics.js';
import { readRecipe, resolveRecipe } from './recipe.js';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The numbers of a run without its wall times and dates (which differ between any two runs). */
function comparable(m: RunMetrics): unknown {
  return JSON.parse(
    JSON.stringify({
      initialPass1: m.initialPass1,
      testTime: m.testTime,
      trainTime: m.trainTime,
      claims: m.claims,
    }),
    (key, value: unknown) => (key === 'wallTimeMs' || key === 'timeMs' ? undefined : value),
  );
}

describe('o1lab CLI: bad input fails before any work, with the allowed values', () => {
  it.each([
    [['run', 'quik'], /built-in recipes: full, micro, quick/],
    [['eval', '--task', 'chess'], /unknown task 'chess'/],
    [['eval', '--task', 'countdown', '--method', 'telepathy'], /unknown method 'telepathy'.*majority-vote/],
    [
      ['eval', '--task', 'countdown', '--policy', '/nonexistent/ckpt'],
      /no checkpoint at \/nonexistent\/ckpt/,
    ],
    [
      ['eval', '--task', 'countdown', '--policy', 'reference:game24'],
      /trained on game24, not on task 'countdown'/,
    ],
    [['scale', 'test-time', '--task', 'countdown', '--levels', '1,0'], /bad budget level '0'/],
    [['scale', 'test-time', '--task', 'countdown', '--levels', 'lots'], /bad budget level 'lots'/],
    [
      ['scale', 'test-time', '--task', 'countdown', '--methods', 'beam-prm,nope'],
      /options\.evaluation\.methods\[1\]/,
    ],
    [['report', '/nonexistent/run'], /no metrics\.json in \/nonexistent\/run/],
    [['run', 'micro', '--resume'], /--resume needs --out/],
  ])('%j exits 2', async (argv, message) => {
    const { code, stderr } = await cli(argv);
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
  });

  it('--help exits 0 and lists the commands', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const c of ['run', 'eval', 'scale', 'report', 'bench', 'serve', 'tree']) expect(stdout).toContain(c);
  });

  it('lists the methods as JSON', async () => {
    const { code, stdout } = await cli(['methods', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { name: string; reward: string }[];
    expect(rows.map((r) => r.name)).toEqual(createMethodRegistry().names());
    expect(rows.find((r) => r.name === 'beam-prm')?.reward).toBe('learned');
  });
});

describe('the micro recipe end to end', () => {
  it('runs the loop, writes the report, and a run killed mid-round resumes to the same numbers', async () => {
    const { json } = await readRecipe('micro');
    const recipe = resolveRecipe(json, {
      tasks: taskRegistry.names(),
      methods: createMethodRegistry().names(),
    });
    const root = await tempDir('o1-micro-');

    // Uninterrupted
    const whole = await runRecipe(recipe, { out: join(root, 'whole'), reportDir: join(root, 'report') });
    for (const f of ['manifest.json', 'metrics.json', 'report.md', 'report.html', 'curves.svg']) {
      expect(existsSync(join(root, 'whole', f)), f).toBe(true);
    }
    for (const f of [
      'metrics.json',
      'report.md',
      'report.html',
      'curves.svg',
      'curves-flops.svg',
      'train-time.svg',
    ]) {
      expect(existsSync(join(root, 'report', f)), f).toBe(true);
    }
    expect(whole.testTime.map((s) => s.round)).toEqual([0, 1]);
    // greedy at level 1, every other method at each level
    const expectedPoints = 1 + (recipe.evaluation.methods.length - 1) * recipe.evaluation.levels.length;
    for (const sweep of whole.testTime) {
      expect(sweep.points).toHaveLength(expectedPoints);
      for (const p of sweep.points) {
        expect(p.accuracy.n).toBe(recipe.evaluation.problems);
        expect(p.accuracy.lo).toBeLessThanOrEqual(p.accuracy.value);
        expect(p.compute.generatedTokens).toBeGreaterThan(0);
      }
      // More samples cost more tokens.
      const mv = sweep.points.filter((p) => p.method === 'majority-vote');
      expect(mv[1]!.compute.generatedTokens).toBeGreaterThan(2 * mv[0]!.compute.generatedTokens);
    }
    expect(whole.trainTime).toHaveLength(1);
    expect(whole.trainTime[0]!.data.problems).toBe(recipe.search.problems);
    expect(whole.claims.map((c) => c.id)).toEqual([
      'log-linear-test-time',
      'prm-beats-majority',
      'learning-raises-pass1',
      'search-plus-learning',
    ]);
    const manifest = JSON.parse(readFileSync(join(root, 'whole', 'manifest.json'), 'utf8')) as {
      backend: Record<string, string>;
      seed: number;
    };
    expect(manifest.backend.onnxruntime).toBe('cpu');
    expect(manifest.backend.tfjs).toBeDefined();
    expect(await readFile(join(root, 'whole', 'report.md'), 'utf8')).toContain('majority-vote');

    // Killed with SIGKILL during round 1's train-time search, then resumed
    const killedDir = join(root, 'killed');
    // One process (node with tsx's loader), not the tsx launcher: SIGKILL cannot be relayed, so killing
    // the launcher would leave its child running beside the resumed run.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', BIN, 'run', 'micro', '--out', killedDir, '--quiet'],
      { stdio: 'ignore', cwd: REPO_ROOT },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const journal = join(killedDir, 'round-1', 'search.jsonl');
    let killedMidRound = false;
    while (child.exitCode === null) {
      if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 6) {
        child.kill('SIGKILL');
        killedMidRound = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await exited;
    expect(killedMidRound).toBe(true);
    expect(existsSync(join(killedDir, 'round-1', 'policy'))).toBe(false);
    const resumed = await runRecipe(recipe, { out: killedDir, resume: true });
    expect(comparable(resumed)).toEqual(comparable(whole));

    // A finished run refuses a fresh start in the same directory, and another config on resume
    await expect(runRecipe(recipe, { out: join(root, 'whole') })).rejects.toThrow(/already holds a run/);
    await expect(
      runRecipe({ ...recipe, seed: 1 }, { out: join(root, 'whole'), resume: true }),
    ).rejects.toThrow(/another config/);

    // `o1lab report` rebuilds the report from metrics.json alone
    const rebuilt = await cli(['report', join(root, 'whole'), '--out', join(root, 'rebuilt')]);
    expect(rebuilt.code).toBe(0);
    expect(existsSync(join(root, 'rebuilt', 'report.html'))).toBe(true);
  }, 240_000);
});
