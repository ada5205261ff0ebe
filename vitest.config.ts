import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: keep CPU-heavy suites (fuzzing, codecs, servers) from starving each other.
    maxWorkers: 2,
  },
});
