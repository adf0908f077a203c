import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { SetupError } from '../errors.js';

export interface Migration {
  readonly file: string;
  readonly sql: string;
}

/**
 * Reads the schema: each path a directory or a file. A directory gives its `*.up.sql` files in byte
 * order of their names — the order multica applies its own migrations in — so `010_x` runs after
 * `002_y` and `002a` after `002`; `*.down.sql` and other files in it are ignored. A file is one
 * migration (a plain `schema.sql` too), except a `*.down.sql`, which is skipped as sqlc skips it.
 * Paths are taken in the order given; a file reached twice is applied once, where it first comes.
 */
export async function readMigrations(paths: string | readonly string[]): Promise<Migration[]> {
  const files: string[] = [];
  // --migrations DIR gives one string; a sqlc config's schema, a list.
  const what = typeof paths === 'string' ? 'migrations directory' : 'schema path';
  for (const given of typeof paths === 'string' ? [paths] : paths) {
    const found = (await isDirectory(given, what)) ? await upFilesIn(given) : [given];
    files.push(...found.filter((file) => !file.endsWith('.down.sql')));
  }
  if (files.length === 0) throw new SetupError(`the schema ${[paths].flat().join(', ')} holds only *.down.sql files`, 'give the up migrations (or the schema file) that build the schema');
  return Promise.all([...new Set(files)].map(async (file) => ({ file, sql: await readMigration(file) })));
}

async function isDirectory(given: string, what: string): Promise<boolean> {
  try {
    return (await stat(given)).isDirectory();
  } catch (error) {
    throw new SetupError(`${what} ${given} ${unreadable(error)}`, 'pass an existing directory of *.up.sql files with --migrations');
  }
}

async function upFilesIn(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new SetupError(`migrations directory ${dir} ${unreadable(error)}`, 'pass an existing directory of *.up.sql files with --migrations');
  }
  const files = entries.filter((name) => name.endsWith('.up.sql')).sort(byBytes);
  if (files.length === 0) {
    throw new SetupError(`migrations directory ${dir} has no *.up.sql files`, 'pass the directory that holds the schema migrations with --migrations');
  }
  return files.map((name) => path.join(dir, name));
}

async function readMigration(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new SetupError(`migration ${file} ${unreadable(error)}`, 'check the path and its permissions');
  }
}

function unreadable(error: unknown): string {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
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
