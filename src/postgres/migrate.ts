import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { SetupError } from '../errors.js';

export interface Migration {
  readonly file: string;
  readonly sql: string;
}

/**
 * Reads `*.up.sql` from `dir` in byte order of their names — the order multica applies its own
 * migrations in — so `010_x` runs after `002_y` and `002a` after `002`.
 */
export async function readMigrations(dir: string): Promise<Migration[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new SetupError(`migrations directory ${dir} ${reason}`, 'pass an existing directory of *.up.sql files with --migrations');
  }
  const files = entries.filter((name) => name.endsWith('.up.sql')).sort(byBytes);
  if (files.length === 0) {
    throw new SetupError(`migrations directory ${dir} has no *.up.sql files`, 'pass the directory that holds the schema migrations with --migrations');
  }
  return Promise.all(files.map(async (name) => {
    const file = path.join(dir, name);
    return { file, sql: await readFile(file, 'utf8') };
  }));
}

/**
 * Applies each migration as multica's cmd/migrate does: the file's whole text as one query (simple
 * query protocol), with no BEGIN/COMMIT around it. PostgreSQL runs a multi-statement query as one
 * implicit transaction, so a file that fails leaves nothing of itself behind, and a file holding a
 * single CREATE INDEX CONCURRENTLY runs outside any transaction, as it must. Files before a failing
 * one stay applied, as in multica.
 */
export async function applyMigrations(client: pg.Client, migrations: readonly Migration[]): Promise<void> {
  for (const { file, sql } of migrations) {
    try {
      // No parameters: node-postgres sends it as a simple Query message, several statements allowed.
      await client.query(sql);
    } catch (error) {
      throw migrationFailure(file, sql, error);
    }
  }
}

function migrationFailure(file: string, sql: string, error: unknown): unknown {
  const failure = error as { code?: string; message?: string; position?: string };
  if (typeof failure.code !== 'string' || !/^[0-9A-Z]{5}$/.test(failure.code)) return error;
  // The server's position is 1-based and counts characters (code points) of the file's text.
  const offset = Number(failure.position) - 1;
  const line = Number.isInteger(offset) && offset >= 0 ? `:${Array.from(sql).slice(0, offset).join('').split('\n').length}` : '';
  return new SetupError(
    `migration ${file}${line} failed: ${failure.message} (SQLSTATE ${failure.code})`,
    'fix the SQL in that file; nothing of it was applied',
  );
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
