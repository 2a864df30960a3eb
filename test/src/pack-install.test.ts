import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listWorkspaces, repoRoot } from './workspaces.js';

// Every publishable package must work as an npm module on its own: packed from its built dist,
// installed into an empty project from the tarballs and the npm cache, imported by Node, and its
// types checked by tsc. Run after `npm run build` (the `test:pack` script does both).
// `--prefer-offline` rather than `--offline`: a fresh install resolves open ranges of transitive
// dependencies (e.g. `@types/node: *` under tfjs) to versions newer than the lockfile's, which the
// cache filled by `npm ci` does not hold; everything the cache has is taken from it.

const publishable = listWorkspaces().filter((p) => !p.private);
const work = mkdtempSync(join(tmpdir(), 'o1lab-pack-'));
const env = {
  ...process.env,
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pack and install every publishable package', () => {
  it('finds the publishable packages', () => {
    expect(publishable.map((p) => p.name)).toContain('@o1lab/core');
  });

  it('installs the tarballs into an empty project, imports each and type-checks the imports', () => {
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    execFileSync(
      'npm',
      ['pack', '--pack-destination', tarballs, ...publishable.map((p) => `--workspace=${p.name}`)],
      {
        cwd: repoRoot,
        env,
        stdio: 'pipe',
      },
    );
    const files = readdirSync(tarballs).filter((f) => f.endsWith('.tgz'));
    expect(files).toHaveLength(publishable.length);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'pack-check', private: true, type: 'module' }),
    );
    execFileSync(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        ...files.map((f) => join(tarballs, f)),
      ],
      { cwd: app, env, stdio: 'pipe' },
    );

    // Node: every package imports and exposes named exports.
    const script = publishable
      .map(
        (p, i) =>
          `import * as m${i} from '${p.name}'; if (Object.keys(m${i}).length === 0) throw new Error('${p.name} exports nothing');`,
      )
      .join('\n');
    writeFileSync(
      join(app, 'check.mjs'),
      `${script}\nconsole.log('imported ${publishable.length} packages');\n`,
    );
    const out = execFileSync('node', ['check.mjs'], { cwd: app, env, encoding: 'utf8' });
    expect(out).toContain(`imported ${publishable.length} packages`);

    // tsc: the published declarations resolve under NodeNext without the source condition.
    writeFileSync(
      join(app, 'check.ts'),
      `${publishable.map((p, i) => `import * as m${i} from '${p.name}';`).join('\n')}\nexport const all = [${publishable.map((_, i) => `m${i}`).join(', ')}];\n`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          // Dependencies' own declarations (tfjs needs DOM types) are not ours to check.
          skipLibCheck: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync('node', [tsc, '-p', 'tsconfig.json'], { cwd: app, env, stdio: 'pipe' });
  });
});
