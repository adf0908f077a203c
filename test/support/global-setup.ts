import type { TestProject } from 'vitest/node';
import { Lifecycle } from '../../src/lifecycle.js';
import { startEmbeddedServer } from '../../src/postgres/embedded.js';
import { readMigrations } from '../../src/postgres/migrate.js';
import type { ProvisionedServer } from '../../src/postgres/server.js';
import { ServerTarget } from '../../src/postgres/target.js';
import { openTestbed } from '../../src/postgres/testbed.js';
import { bundledMigrationsDir } from '../../src/paths.js';

/** The server a test project runs against: the machine's (pg15 project) or an embedded PG 17. */
export const MACHINE_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres:// URL of the maintenance database of this project's server. */
    serverUrl: string;
    /** 'url' for the machine's server (or DATABASE_URL), 'embedded' for PostgreSQL 17 started here. */
    serverKind: 'url' | 'embedded';
    /** Migrated template to copy; nobody connects to it. */
    template: string;
    /** Random part shared by every database this test run creates. */
    run: string;
  }
}

/**
 * One server and one migrated template per vitest project, shared by its test files; each test
 * copies the template into a database of its own. Whatever is left is dropped at teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = project.config.env.CHATCHECK_TEST_SERVER === 'embedded' ? 'embedded' : 'url';
  const lifecycle = new Lifecycle();
  try {
    const server: ProvisionedServer =
      kind === 'embedded'
        ? { source: 'embedded', target: await startEmbeddedServer(lifecycle), description: 'embedded PostgreSQL 17' }
        : { source: 'url', target: ServerTarget.parse(process.env.DATABASE_URL || MACHINE_SERVER_URL, 'DATABASE_URL'), description: 'machine server' };
    const testbed = await openTestbed(lifecycle, {
      server,
      migrationsDir: bundledMigrationsDir,
      migrations: await readMigrations(bundledMigrationsDir),
    });
    project.provide('serverUrl', server.target.connectionString);
    project.provide('serverKind', kind);
    project.provide('template', testbed.template);
    project.provide('run', testbed.databases.run);
    lifecycle.hold('copies a test worker left behind', () => testbed.databases.adoptRunRemnants());
  } catch (error) {
    await lifecycle.close();
    throw error;
  }
  return async () => {
    await lifecycle.close();
  };
}
