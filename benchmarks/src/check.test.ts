import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SideSpec } from './check.js';
import { resolveBaseRef, runCheck } from './check.js';
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
