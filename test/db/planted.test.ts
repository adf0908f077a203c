import { describe, expect, it } from 'vitest';
import { runSequential } from '../../src/sequential/property.js';
import { plantedBugs, withEditedChatSql } from '../support/mutant.js';

describe('planted bugs are caught and shrunk', () => {
  it.each(plantedBugs)('%s', async (_bug, from, to) => {
    await withEditedChatSql(from, to, async (connection, queries) => {
      const report = await runSequential(connection, queries, { runs: 200, seed: 7, maxCommands: 40 });
      expect(report.finding?.kind).toBe('divergence');
      expect(report.finding!.commands.length).toBeLessThanOrEqual(6);
    });
  });
});
