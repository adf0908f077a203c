import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledQueryFiles, internalQueryFiles } from '../../src/paths.js';
import { requiredQueries } from '../../src/queries/required.js';
import { openRealConnection } from '../../src/sequential/connection.js';
import { runSequential } from '../../src/sequential/property.js';
import { loadQueryFiles } from '../../src/sqlc/loader.js';
import { withMigratedDatabaseTarget } from '../support/database.js';

const [chatSql, tasksSql] = bundledQueryFiles as [string, string];

/** Each edit plants one bug the issue names; the property must find it and shrink it small. */
const plantedBugs: readonly (readonly [string, string, string])[] = [
  ['drop the COALESCE in UpdateChatSessionSession', "SET session_id = COALESCE(sqlc.narg('session_id'), session_id),", "SET session_id = sqlc.narg('session_id'),"],
  ['drop AND unread_since IS NULL from SetUnreadSinceIfNull', 'WHERE id = $1 AND unread_since IS NULL;', 'WHERE id = $1;'],
  ["drop cs.status = 'active' from ListChatSessionsByCreator", "WHERE cs.workspace_id = $1 AND cs.creator_id = $2 AND cs.status = 'active'", 'WHERE cs.workspace_id = $1 AND cs.creator_id = $2'],
  ['ORDER BY created_at DESC in ListChatMessages', 'WHERE chat_session_id = $1\nORDER BY created_at ASC;', 'WHERE chat_session_id = $1\nORDER BY created_at DESC;'],
];

describe('planted bugs are caught and shrunk', () => {
  it.each(plantedBugs)('%s', async (_bug, from, to) => {
    const original = await readFile(chatSql, 'utf8');
    expect(original).toContain(from);
    const dir = await mkdtemp(path.join(tmpdir(), 'chatcheck-planted-'));
    try {
      const mutant = path.join(dir, 'chat.sql');
      await writeFile(mutant, original.replace(from, to));
      await withMigratedDatabaseTarget(async (target) => {
        const queries = await loadQueryFiles([mutant, tasksSql, ...internalQueryFiles], requiredQueries);
        const connection = await openRealConnection(target, queries);
        try {
          const report = await runSequential(connection.client, connection.database, connection.values, queries, { runs: 200, seed: 7, maxCommands: 40 });
          expect(report.finding?.kind).toBe('divergence');
          expect(report.finding!.commands.length).toBeLessThanOrEqual(6);
        } finally {
          await connection.client.end();
        }
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
