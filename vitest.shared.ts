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
    // Anti-hang guards, not speed checks (timings live in the benchmarks): on a 2-core CI machine
    // running every package's tests at once, a training test that takes 9 s alone has taken over 60 s.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
