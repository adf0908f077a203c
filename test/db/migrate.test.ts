/**
 * Migrations are applied as multica's cmd/migrate applies them: each *.up.sql file's whole text as
 * one query, no BEGIN/COMMIT around it. Checked on a real PostgreSQL, in databases of this test run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SetupError } from '../../src/errors.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { connect, OwnedDatabases } from '../../src/postgres/databases.js';
import { applyMigrations, readMigrations } from '../../src/postgres/migrate.js';
import { projectServer } from '../support/database.js';

let scratch: string;
let empties = 0;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-migrate-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A directory holding `files` (name → text). */
async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(scratch, 'migrations-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** Runs `fn` with a client on an empty database of this test run, dropped afterwards. */
async function withEmptyDatabase(fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const lifecycle = new Lifecycle();
  try {
    const databases = await OwnedDatabases.open(projectServer().target, lifecycle, inject('run'));
    const client = await connect(await databases.create(`m${process.pid}_${++empties}`));
    lifecycle.hold('test client', () => client.end());
    await fn(client);
  } finally {
    await lifecycle.close();
  }
}

async function tables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  return rows.map((row) => row.tablename);
}

describe('applyMigrations', () => {
  it('applies a file holding CREATE INDEX CONCURRENTLY, and ignores a .down.sql next to it', async () => {
    const dir = await migrationsDir({
      '001_bird.up.sql': `CREATE TABLE bird (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO bird VALUES (1, 'tweety');\n`,
      '002_bird_name.up.sql': `-- one statement, no transaction: as multica's index migrations are\nCREATE INDEX CONCURRENTLY idx_bird_name ON bird (name);\n`,
      // Would fail if it ran: the table it drops does not exist.
      '002_bird_name.down.sql': `DROP TABLE no_such_table;\n`,
    });
    const migrations = await readMigrations(dir);
    expect(migrations.map((m) => path.basename(m.file))).toEqual(['001_bird.up.sql', '002_bird_name.up.sql']);
    await withEmptyDatabase(async (client) => {
      await applyMigrations(client, migrations);
      const { rows } = await client.query(
        `SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'idx_bird_name'`,
      );
      expect(rows).toEqual([{ relname: 'idx_bird_name', indisvalid: true }]);
      expect(await tables(client)).toEqual(['bird']);
    });
  });

  it('a multi-statement file that fails in its second statement leaves nothing of itself behind, and names file and line', async () => {
    const dir = await migrationsDir({
      '001_bird.up.sql': `CREATE TABLE bird (id int PRIMARY KEY);\n`,
      '002_nest.up.sql': `CREATE TABLE nest (id int PRIMARY KEY);\n\n-- the typo is on line 4\nINSERT INTO nests VALUES (1);\n`,
      '003_egg.up.sql': `CREATE TABLE egg (id int PRIMARY KEY);\n`,
    });
    await withEmptyDatabase(async (client) => {
      const failure = await applyMigrations(client, await readMigrations(dir)).then(() => undefined, (error: unknown) => error);
      expect(failure).toBeInstanceOf(SetupError);
      expect((failure as SetupError).problem).toBe(
        `migration ${path.join(dir, '002_nest.up.sql')}:4 failed: relation "nests" does not exist (SQLSTATE 42P01)`,
      );
      // The file before stays applied; of the failing file nothing (not its first statement); the file after never ran.
      expect(await tables(client)).toEqual(['bird']);
      // And the connection is usable: no transaction was left open.
      expect((await client.query(`SELECT 1 AS one`)).rows).toEqual([{ one: 1 }]);
    });
  });

  it('a multi-statement file holding CREATE INDEX CONCURRENTLY fails as in multica (25001), nothing of it applied', async () => {
    const dir = await migrationsDir({
      '001_bird.up.sql': `CREATE TABLE bird (id int PRIMARY KEY, name text);\n`,
      '002_both.up.sql': `CREATE TABLE nest (id int);\nCREATE INDEX CONCURRENTLY idx_bird_name ON bird (name);\n`,
    });
    await withEmptyDatabase(async (client) => {
      const failure = await applyMigrations(client, await readMigrations(dir)).then(() => undefined, (error: unknown) => error);
      expect((failure as SetupError).problem).toMatch(/^migration .*002_both\.up\.sql failed: CREATE INDEX CONCURRENTLY cannot .* \(SQLSTATE 25001\)$/);
      expect(await tables(client)).toEqual(['bird']);
    });
  });
});
