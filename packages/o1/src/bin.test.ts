import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/o1lab.js', import.meta.url));

describe('the o1lab command (bin/o1lab.js)', () => {
  it('runs the CLI: lists the methods and exits 0', () => {
    const run = spawnSync(process.execPath, [bin, 'methods'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^majority-vote\s+/m);
    expect(run.stdout).toMatch(/^beam-prm\s+/m);
  });

  it('passes the exit code through: an unknown recipe exits 2 with the error on stderr', () => {
    const run = spawnSync(process.execPath, [bin, 'run', 'no-such-recipe'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no-such-recipe');
  });
});
