import type pg from 'pg';
import { inject } from 'vitest';
import { Lifecycle } from '../../src/lifecycle.js';
import { connect, OwnedDatabases } from '../../src/postgres/databases.js';
import { ServerTarget } from '../../src/postgres/target.js';
import { bundledQueryFiles, internalQueryFiles } from '../../src/paths.js';
import { requiredQueries } from '../../src/queries/required.js';
import { openRealConnection, type RealConnection } from '../../src/sequential/connection.js';
import { loadQueryFiles, type QuerySet } from '../../src/sqlc/loader.js';

let copies = 0;

/** The server of the current vitest project (see global-setup.ts). */
export function projectServer(): { target: ServerTarget; kind: 'url' | 'embedded' } {
  return { target: ServerTarget.parse(inject('serverUrl'), 'serverUrl'), kind: inject('serverKind') };
}

/**
 * Runs `fn` with a client connected to a fresh copy of the migrated schema on a real PostgreSQL,
 * then drops the copy, whatever `fn` did.
 */
export async function withMigratedDatabase<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const lifecycle = new Lifecycle();
  try {
    const databases = await OwnedDatabases.open(projectServer().target, lifecycle, inject('run'));
    const target = await databases.create(`t${process.pid}_${++copies}`, inject('template'));
    const client = await connect(target);
    lifecycle.hold('test client', () => client.end());
    return await fn(client);
  } finally {
    await lifecycle.close();
  }
}

/** Like withMigratedDatabase, but hands `fn` the copy's address to connect to as it likes. */
export async function withMigratedDatabaseTarget<T>(fn: (target: ServerTarget) => Promise<T>): Promise<T> {
  const lifecycle = new Lifecycle();
  try {
    const databases = await OwnedDatabases.open(projectServer().target, lifecycle, inject('run'));
    return await fn(await databases.create(`t${process.pid}_${++copies}`, inject('template')));
  } finally {
    await lifecycle.close();
  }
}

/** The SQL under test as loaded once per set of files (loading parses with libpg-query). */
const querySets = new Map<string, Promise<QuerySet>>();

/** The SQL under test from `files` with chatcheck's own queries, loaded once per set of files. */
export function loadQuerySet(files: readonly string[] = bundledQueryFiles): Promise<QuerySet> {
  const key = files.join('\n');
  let loading = querySets.get(key);
  if (loading === undefined) querySets.set(key, (loading = loadQueryFiles([...files, ...internalQueryFiles], requiredQueries)));
  return loading;
}

/**
 * Runs `fn` with the tester's connection (as the sequential property opens it) to a fresh copy of
 * the migrated schema, the SQL under test loaded from `files` (default: the bundled chat.sql and
 * tasks.sql) with chatcheck's own queries; closes and drops it afterwards.
 */
export async function withTesterConnection(
  fn: (connection: RealConnection, queries: QuerySet) => Promise<void>,
  files: readonly string[] = bundledQueryFiles,
): Promise<void> {
  const queries = await loadQuerySet(files);
  await withMigratedDatabaseTarget(async (target) => {
    const connection = await openRealConnection(target, queries);
    try {
      await fn(connection, queries);
    } finally {
      await connection.client.end();
    }
  });
}
