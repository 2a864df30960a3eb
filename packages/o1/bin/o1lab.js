#!/usr/bin/env node
// The `o1lab` command. An installed package runs its build; a repository checkout that has not been
// built yet (right after `npm ci`) runs the TypeScript sources through tsx, so `npx o1lab` works there too.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
const source = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else if (existsSync(source)) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exitCode = run.status ?? 1;
} else {
  process.stderr.write('o1lab: dist/bin.js is missing from @o1lab/o1; reinstall the package\n');
  process.exitCode = 1;
}
