import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A workspace package as npm lists it. */
export interface WorkspacePackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly private: boolean;
}

/** Every workspace package of the repository (npm's own view of the workspaces). */
export function listWorkspaces(): WorkspacePackage[] {
  const out = execFileSync('npm', ['query', '.workspace', '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const entries = JSON.parse(out) as { name: string; version: string; path: string; private?: boolean }[];
  return entries.map((e) => {
    const pkg = JSON.parse(readFileSync(join(e.path, 'package.json'), 'utf8')) as { private?: boolean };
    return { name: e.name, version: e.version, dir: e.path, private: pkg.private === true };
  });
}
