import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SideSpec } from './check.js';
import { runCheck } from './check.js';
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
