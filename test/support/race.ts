import type { ExplorerOptions } from '../../src/race/explorer.js';
import { RaceRunner } from '../../src/race/race-runner.js';
import { bundledQueryFiles } from '../../src/paths.js';
import { loadQuerySet, withMigratedDatabaseTarget } from './database.js';

/**
 * Runs `fn` with the explorer's connections to a fresh copy of the migrated schema on the
 * project's server, the SQL under test loaded from `files`; closes and drops everything after.
 */
export async function withRaceRunner<T>(
  fn: (runner: RaceRunner) => Promise<T>,
  files: readonly string[] = bundledQueryFiles,
  options: ExplorerOptions = { overlap: true, timeoutMs: 10_000 },
): Promise<T> {
  const queries = await loadQuerySet(files);
  return withMigratedDatabaseTarget(async (target) => {
    const runner = await RaceRunner.open(target, queries, options);
    try {
      return await fn(runner);
    } finally {
      await runner.close();
    }
  });
}
