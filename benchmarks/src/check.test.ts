import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SideSpec } from './check.js';
import { linkNodeModules, resolveBaseRef, runCheck, workspaceDirsWithNodeModules } from './check.js';
import { SLOWDOWN_ENV } from './harness.js';

// Both sides run the fixture suites from source in child processes, as bench:check runs built ones.
const FIXTURES = fileURLToPath(new URL('./fixtures/suites', import.meta.url));
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const command = [process.execPath, '--import', 'tsx', '--conditions=source', CLI];
const tmp = await mkdtemp(join(tmpdir(), 'o1lab-bench-check-'));

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function side(label: string, env: Record<string, string> = {}): SideSpec {
  return { label, suitesDir: FIXTURES, command, env };
}

describe('bench:check end to end', () => {
  it('fails a suite whose build got slower and passes the unchanged one', async () => {
    const outcome = await runCheck({
      baseSide: side('base'),
      // The "head build" of fixture-a spins after each call so that it takes twice as long.
      headSide: side('head', { [SLOWDOWN_ENV]: 'fixture-a:2' }),
      rounds: 3,
      quick: true,
      filter: ['fixture-a', 'fixture-b'],
      outDir: join(tmp, 'slowed'),
      print: () => {},
    });
    expect(outcome.code).toBe(1);
    const byKey = new Map(outcome.report!.comparisons.map((c) => [`${c.suite}/${c.name}`, c]));
    expect(byKey.get('fixture-a/sum')?.status).toBe('fail');
    expect(byKey.get('fixture-a/sum')?.ratio).toBeLessThan(0.75);
    expect(byKey.get('fixture-b/sum')?.status).not.toBe('fail');
    const written = JSON.parse(await readFile(join(tmp, 'slowed', 'check.json'), 'utf8')) as {
      name: string;
    }[];
    expect(written.map((w) => w.name)).toEqual(['fixture-a/sum', 'fixture-b/sum']);
  });

  it('passes when nothing changed', async () => {
    const outcome = await runCheck({
      baseSide: side('base'),
      headSide: side('head'),
      rounds: 2,
      quick: true,
      filter: ['fixture-b'],
      outDir: join(tmp, 'same'),
      print: () => {},
    });
    expect(outcome.code).toBe(0);
    expect(outcome.report?.comparisons.map((c) => c.status)).not.toContain('fail');
  });
});

describe('bench:check base selection', () => {
  const git = (args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
  const root = git(['rev-list', '--max-parents=0', 'HEAD']).split('\n')[0]!;
  const rootHasBenchmarks = (() => {
    try {
      git(['cat-file', '-e', `${root}:benchmarks/src/harness.ts`]);
      return true;
    } catch {
      return false;
    }
  })();

  it('resolves an explicit base and rejects one that is not a commit', async () => {
    expect(await resolveBaseRef(root)).toEqual({ sha: root, why: `--base ${root}` });
    await expect(resolveBaseRef('no-such-ref-anywhere')).rejects.toThrow(/not a commit/);
  });

  it.skipIf(rootHasBenchmarks)('passes without comparing when the base predates the benchmarks', async () => {
    const lines: string[] = [];
    const outcome = await runCheck({ baseRef: root, log: (l) => lines.push(l), print: () => {} });
    expect(outcome).toEqual({ code: 0, baseSha: root });
    expect(lines.join('\n')).toMatch(/has no benchmarks/);
  });
});

describe('linkNodeModules', () => {
  it('links third-party packages to head and workspace packages to the base tree', async () => {
    const head = join(tmp, 'farm-head');
    const tree = join(tmp, 'farm-tree');
    await mkdir(join(head, 'node_modules', 'dep'), { recursive: true });
    await mkdir(join(head, 'node_modules', '@o1lab'), { recursive: true });
    await mkdir(join(head, 'node_modules', '.cache'), { recursive: true });
    await mkdir(join(head, 'packages', 'core', 'node_modules', 'only-core'), { recursive: true });
    await mkdir(join(head, 'packages', 'gone'), { recursive: true });
    await writeFile(join(head, 'packages', 'core', 'package.json'), '{}');
    await writeFile(join(head, 'package.json'), JSON.stringify({ workspaces: ['packages/*', 'missing'] }));
    await symlink('../../packages/core', join(head, 'node_modules', '@o1lab', 'core'));
    await symlink('../../packages/gone', join(head, 'node_modules', '@o1lab', 'gone'));
    await mkdir(join(tree, 'packages', 'core'), { recursive: true });

    await linkNodeModules(join(head, 'node_modules'), join(tree, 'node_modules'), head, tree);

    expect(await realpath(join(tree, 'node_modules', 'dep'))).toBe(
      await realpath(join(head, 'node_modules', 'dep')),
    );
    expect(await realpath(join(tree, 'node_modules', '@o1lab', 'core'))).toBe(
      await realpath(join(tree, 'packages', 'core')),
    );
    expect((await readdir(join(tree, 'node_modules', '@o1lab'))).sort()).toEqual(['core']);
    expect(await readdir(join(tree, 'node_modules'))).not.toContain('.cache');
    expect(await workspaceDirsWithNodeModules(head)).toEqual([join('packages', 'core')]);
  });
});
