import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundledQueryFiles } from '../../src/paths.js';
import type { RealConnection } from '../../src/sequential/connection.js';
import type { QuerySet } from '../../src/sqlc/loader.js';
import { withTesterConnection } from './database.js';

const [chatSql, tasksSql] = bundledQueryFiles as [string, string];

/** Each edit of chat.sql plants one bug the issue names: [name, from, to]. */
export const plantedBugs: readonly (readonly [string, string, string])[] = [
  ['drop the COALESCE in UpdateChatSessionSession', "SET session_id = COALESCE(sqlc.narg('session_id'), session_id),", "SET session_id = sqlc.narg('session_id'),"],
  ['drop AND unread_since IS NULL from SetUnreadSinceIfNull', 'WHERE id = $1 AND unread_since IS NULL;', 'WHERE id = $1;'],
  ["drop cs.status = 'active' from ListChatSessionsByCreator", "WHERE cs.workspace_id = $1 AND cs.creator_id = $2 AND cs.status = 'active'", 'WHERE cs.workspace_id = $1 AND cs.creator_id = $2'],
  ['ORDER BY created_at DESC in ListChatMessages', 'WHERE chat_session_id = $1\nORDER BY created_at ASC;', 'WHERE chat_session_id = $1\nORDER BY created_at DESC;'],
];

type WithMutant = (connection: RealConnection, queries: QuerySet, file: string) => Promise<void>;

/**
 * Copies chat.sql to a temp file with `from` replaced by `to`, loads it with tasks.sql, and runs
 * `fn` with a connection to a fresh migrated database; removes both afterwards.
 */
export function withEditedChatSql(from: string, to: string, fn: WithMutant): Promise<void> {
  return withEditedQueries('chat', from, to, fn);
}

/** As withEditedChatSql, for either bundled file (the other one is loaded as it is). */
export function withEditedQueries(file: 'chat' | 'tasks', from: string, to: string, fn: WithMutant): Promise<void> {
  return withEditedFiles(file, from, to, (files, mutant) => withTesterConnection((connection, queries) => fn(connection, queries, mutant), files));
}

/**
 * Writes a temporary copy of a bundled query file with `from` replaced by `to`, and runs `fn` with
 * the query files to load (the copy in place of the original) and the copy's path; removes it after.
 */
export async function withEditedFiles(file: 'chat' | 'tasks', from: string, to: string, fn: (files: readonly string[], mutant: string) => Promise<void>): Promise<void> {
  const source = file === 'chat' ? chatSql : tasksSql;
  const original = await readFile(source, 'utf8');
  if (!original.includes(from)) throw new Error(`${path.basename(source)} no longer contains ${JSON.stringify(from)}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'chatcheck-planted-'));
  try {
    const mutant = path.join(dir, path.basename(source));
    await writeFile(mutant, original.replace(from, to));
    await fn(file === 'chat' ? [mutant, tasksSql] : [chatSql, mutant], mutant);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
