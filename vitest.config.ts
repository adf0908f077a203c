import { defineConfig } from 'vitest/config';

/**
 * Tests that need no database run once; tests that talk to PostgreSQL run twice, once per project:
 * against the machine's server (PostgreSQL 15 on 127.0.0.1:5432 here, or DATABASE_URL) and against
 * an embedded PostgreSQL 17 started for the run — so every run proves both major versions. Except
 * the suite's power (a seeded sample of mutants, each workflow mutant): it measures the generators
 * and the oracle, not the server, and once is what CI can afford.
 */
const POWER_TESTS = ['test/db/mutate.test.ts', 'test/db/workflow-mutants.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      ...(['pg-machine', 'pg17-embedded'] as const).map((name) => ({
        extends: true as const,
        test: {
          name,
          include: ['test/db/**/*.test.ts'],
          exclude: name === 'pg17-embedded' ? POWER_TESTS : [],
          globalSetup: ['test/support/global-setup.ts'],
          env: { CHATCHECK_TEST_SERVER: name === 'pg17-embedded' ? 'embedded' : 'url' },
        },
      })),
    ],
  },
});
