import { defineConfig } from 'vitest/config';

/**
 * Shared test configuration: in-repo tests resolve workspace packages through the `source` export
 * condition, so they read `src` and need no build.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
