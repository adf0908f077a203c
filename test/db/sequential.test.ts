import { describe, expect, it } from 'vitest';
import { bundledQueryFiles, internalQueryFiles } from '../../src/paths.js';
import { requiredQueries } from '../../src/queries/required.js';
import { openRealConnection } from '../../src/sequential/connection.js';
import { runSequential } from '../../src/sequential/property.js';
import { loadQueryFiles } from '../../src/sqlc/loader.js';
import { withMigratedDatabaseTarget } from '../support/database.js';
import { plantedBugs, withEditedChatSql } from '../support/mutant.js';

describe('sequential property on the bundled queries', () => {
  it('finds no divergence in a CI-sized budget', async () => {
    await withMigratedDatabaseTarget(async (target) => {
      const queries = await loadQueryFiles([...bundledQueryFiles, ...internalQueryFiles], requiredQueries);
      const connection = await openRealConnection(target, queries);
      try {
        const report = await runSequential(connection, queries, { runs: 100, seed: 42, maxCommands: 50 });
        expect(report.finding?.summary).toBeUndefined();
        expect(report.commands).toBeGreaterThan(1000);
      } finally {
        await connection.client.end();
      }
    });
  });
});

describe('comparing tables every n-th command (--state-every)', () => {
  const [, from, to] = plantedBugs.find(([name]) => name.includes('SetUnreadSinceIfNull'))!;

  it('still finds a wrong write when tables are compared only at the end of each run', async () => {
    await withEditedChatSql(from, to, async (connection, queries) => {
      const report = await runSequential(connection, queries, { runs: 200, seed: 7, maxCommands: 40, stateEvery: 1000 });
      expect(report.finding?.kind).toBe('divergence');
      expect(report.finding!.commands.length).toBeLessThanOrEqual(6);
      // SetUnreadSinceIfNull answers nothing: only the tables show the second call moving the
      // boundary, and they are compared once, after the run's last command.
      const { where, command } = report.finding!.divergence!;
      expect(where).toBe('state');
      expect(command).toMatch(/ \(end of run\)$/);
      expect(report.finding!.commands.filter((line) => line.startsWith('SetUnreadSinceIfNull('))).toHaveLength(2);
    });
  });
});
