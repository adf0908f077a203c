import type { Lifecycle } from '../lifecycle.js';
import { connect, OwnedDatabases } from './databases.js';
import { applyMigrations, type Migration } from './migrate.js';
import type { ProvisionedServer } from './server.js';
import type { ServerTarget } from './target.js';

/**
 * A server with the schema under test ready to copy: one migrated template database, from which
 * each worker (or each test) gets its own database with CREATE DATABASE … TEMPLATE.
 */
export interface Testbed {
  readonly server: ProvisionedServer;
  readonly databases: OwnedDatabases;
  /** Name of the migrated template. Nobody may stay connected to it: copying needs it idle. */
  readonly template: string;
  /** A fresh copy of the migrated schema, dropped with the lifecycle. */
  copy(role: string): Promise<ServerTarget>;
}

export interface TestbedOptions {
  readonly server: ProvisionedServer;
  readonly migrationsDir: string;
  readonly migrations: readonly Migration[];
  /** Told each step as it happens: which server, which template. */
  readonly report?: (line: string) => void;
}

/** Migrates a template on `server`. Read the migrations with readMigrations before starting a server. */
export async function openTestbed(lifecycle: Lifecycle, options: TestbedOptions): Promise<Testbed> {
  const { server, migrations, migrationsDir } = options;
  const report = options.report ?? (() => {});
  const databases = await OwnedDatabases.open(server.target, lifecycle);
  const templateTarget = await databases.create('template');
  const template = templateTarget.maintenanceDatabase;
  report(`schema: applying ${migrations.length} migration(s) from ${migrationsDir} to template ${template}`);
  const client = await connect(templateTarget);
  try {
    await applyMigrations(client, migrations);
  } finally {
    await client.end();
  }
  return {
    server,
    databases,
    template,
    copy: (role) => databases.create(role, template),
  };
}
