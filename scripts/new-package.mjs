#!/usr/bin/env node
// Creates a publishable package skeleton from the house template:
//   node scripts/new-package.mjs packages/search/mcts @o1lab/search-mcts "Monte-Carlo tree search"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [dir, name, description] = process.argv.slice(2);
if (!dir || !name || !description) {
  console.error('usage: node scripts/new-package.mjs <dir> <@o1lab/name> "<description>"');
  process.exit(2);
}
if (existsSync(join(dir, 'package.json'))) {
  console.error(`${dir}/package.json exists already; not overwriting`);
  process.exit(2);
}
const up = relative(dir, '.') || '.';
mkdirSync(join(dir, 'src'), { recursive: true });
const pkg = {
  name,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  exports: {
    '.': { source: './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist'],
  engines: { node: '>=20.19.0' },
  publishConfig: { access: 'public' },
  repository: { type: 'git', url: 'git+https://github.com/o1lab/o1lab.git', directory: dir },
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    typecheck: 'tsc -p tsconfig.json',
    test: 'vitest run',
  },
  dependencies: {},
};
writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  join(dir, 'tsconfig.json'),
  `${JSON.stringify({ extends: `${up}/tsconfig.base.json`, include: ['src'] }, null, 2)}\n`,
);
writeFileSync(
  join(dir, 'tsconfig.build.json'),
  `${JSON.stringify(
    {
      extends: `${up}/tsconfig.build.base.json`,
      compilerOptions: { rootDir: 'src', outDir: 'dist' },
      include: ['src'],
      exclude: ['src/**/*.test.ts', 'src/**/test-*.ts'],
    },
    null,
    2,
  )}\n`,
);
writeFileSync(
  join(dir, 'vitest.config.ts'),
  `import { sharedConfig } from '${up}/vitest.shared.ts';\n\nexport default sharedConfig;\n`,
);
if (!existsSync(join(dir, 'src/index.ts'))) writeFileSync(join(dir, 'src/index.ts'), 'export {};\n');
console.log(`created ${name} in ${dir}`);
