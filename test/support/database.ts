import type pg from 'pg';
import { inject } from 'vitest';
import { Lifecycle } from '../../src/lifecycle.js';
import { connect, OwnedDatabases } from '../../src/postgres/databases.js';
import { ServerTarget } from '../../src/postgres/target.js';

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
