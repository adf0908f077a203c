import { describe, expect, it } from 'vitest';
import { bundledQueryFiles, internalQueryFiles } from '../../src/paths.js';
import { requiredQueries } from '../../src/queries/required.js';
import { openRealConnection } from '../../src/sequential/connection.js';
import { runSequential } from '../../src/sequential/property.js';
import { loadQueryFiles } from '../../src/sqlc/loader.js';
import { withMigratedDatabaseTarget } from '../support/database.js';


describe('sequential property on the bundled queries', () => {
  it('finds no divergence in a CI-sized budget', async () => {
    await withMigratedDatabaseTarget(async (target) => {
      const queries = await loadQueryFiles([...bundledQueryFiles, ...internalQueryFiles], requiredQueries);
      const connection = await openRealConnection(target, queries);
      try {
        const report = await runSequential(connection.client, connection.database, connection.values, queries, { runs: 100, seed: 42, maxCommands: 50 });
        expect(report.finding?.summary).toBeUndefined();
        expect(report.commands).toBeGreaterThan(1000);
      } finally {
        await connection.client.end();
      }
    });
  });
});
