import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledQueryFiles } from '../../src/paths.js';
import type { RealConnection } from '../../src/sequential/connection.js';
import { runSequential } from '../../src/sequential/property.js';
import type { QuerySet } from '../../src/sqlc/loader.js';
import { withTesterConnection } from '../support/database.js';

/** MarkChatSessionRead as the seed has it: every existing session matches, read or not. */
const markRead = 'UPDATE chat_session SET unread_since = NULL\nWHERE id = $1;';

/**
 * Bugs that change nothing in any table, only how many rows a statement affected: visible to a
 * caller of an :execrows query (e.g. a handler that answers 404 when it affected no row).
 */
const countOnlyBugs: readonly (readonly [string, string])[] = [
  // "Skip the no-op write": a session already read now affects 0 rows, so the caller thinks it is gone.
  ['MarkChatSessionRead skips sessions already read', 'UPDATE chat_session SET unread_since = NULL\nWHERE id = $1 AND unread_since IS NOT NULL;'],
  // A widened WHERE: every other session with nothing unread is rewritten to the NULL it already had.
  ['MarkChatSessionRead also rewrites every session with nothing unread', 'UPDATE chat_session SET unread_since = NULL\nWHERE id = $1 OR unread_since IS NULL;'],
];

type Body = (connection: RealConnection, queries: QuerySet) => Promise<void>;

/**
 * Runs `fn` on copies of the bundled chat.sql and tasks.sql, each query declared `:exec` re-declared
 * `command`, and MarkChatSessionRead replaced by `markReadAs`.
 */
async function withRedeclaredExec(command: 'exec' | 'execrows', markReadAs: string, fn: Body): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chatcheck-execrows-'));
  try {
    const files: string[] = [];
    for (const source of bundledQueryFiles) {
      const original = await readFile(source, 'utf8');
      if (path.basename(source) === 'chat.sql' && !original.includes(markRead)) throw new Error(`chat.sql no longer contains ${JSON.stringify(markRead)}`);
      const file = path.join(dir, path.basename(source));
      await writeFile(file, original.replace(/ :exec$/gm, ` :${command}`).replace(markRead, markReadAs));
      files.push(file);
    }
    await withTesterConnection(fn, files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const execQueries = ['UpdateChatSessionSession', 'DeleteChatSession', 'TouchChatSession', 'MarkChatSessionRead', 'SetUnreadSinceIfNull', 'UpdateAgentTaskSession'];

describe(':execrows: the affected-row count is compared with the model', () => {
  it('every needed :exec query re-declared :execrows: the counts agree, no finding', async () => {
    await withRedeclaredExec('execrows', markRead, async (connection, queries) => {
      expect(execQueries.map((name) => queries.get(name).kind)).toEqual(execQueries.map(() => 'execrows'));
      const report = await runSequential(connection, queries, { runs: 100, seed: 7, maxCommands: 40 });
      expect(report.finding).toBeUndefined();
      for (const name of execQueries) expect(report.coverage.get(`query ${name}`) ?? 0, name).toBeGreaterThan(0);
    });
  });

  it.each(countOnlyBugs)('planted: %s — found under :execrows, shrunk to 2–3 commands', async (_bug, edited) => {
    await withRedeclaredExec('execrows', edited, async (connection, queries) => {
      const report = await runSequential(connection, queries, { runs: 200, seed: 7, maxCommands: 40 });
      expect(report.finding?.kind).toBe('divergence');
      expect(report.finding!.divergence).toMatchObject({ path: 'affected rows', where: expect.stringContaining('MarkChatSessionRead') });
      expect(report.finding!.commands.length).toBeLessThanOrEqual(3);
    });
  });

  it('the same bug under plain :exec changes no table: only the count could show it', async () => {
    await withRedeclaredExec('exec', countOnlyBugs[0]![1], async (connection, queries) => {
      const report = await runSequential(connection, queries, { runs: 100, seed: 7, maxCommands: 40 });
      expect(report.finding).toBeUndefined();
    });
  });
});
