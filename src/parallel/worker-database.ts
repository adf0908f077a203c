import type { Lifecycle } from '../lifecycle.js';
import { internalQueryFiles } from '../paths.js';
import { OwnedDatabases } from '../postgres/databases.js';
import { ServerTarget } from '../postgres/target.js';
import type { Testbed } from '../postgres/testbed.js';
import { requiredQueries } from '../queries/required.js';
import { loadQueryFiles, type QuerySet } from '../sqlc/loader.js';

/** What a worker thread needs for a database of its own: the server, the run's name space and template, the SQL under test. */
export interface WorkerDatabaseSetting {
  /** The server's postgres:// URL. */
  readonly server: string;
  /** The run id: the worker's database is named `chatcheck_<run>_<role>`, so the run drops it whatever happens. */
  readonly run: string;
  /** The migrated template to copy. */
  readonly template: string;
  /** The query files under test, as the run loaded them (with chatcheck's own queries). */
  readonly queryFiles: readonly string[];
}

export function workerDatabaseSetting(testbed: Testbed, queryFiles: readonly string[]): WorkerDatabaseSetting {
  return { server: testbed.server.target.connectionString, run: testbed.databases.run, template: testbed.template, queryFiles };
}

/** Worker k's database role: `sequential` for worker 1 (as in a run on one worker), `sequential2` … beyond. */
export function workerRole(base: string, worker: number): string {
  return worker === 1 ? base : `${base}${worker}`;
}

/**
 * In a worker thread: a copy of the run's template named `role`, and the SQL under test loaded as
 * the run loaded it. `lifecycle` (the thread's own) drops the copy and closes the connection that
 * made it; on Ctrl-C the run itself drops it (see OwnedDatabases.adoptRunRemnants).
 */
export async function openWorkerDatabase(setting: WorkerDatabaseSetting, role: string, lifecycle: Lifecycle): Promise<{ target: ServerTarget; queries: QuerySet }> {
  const databases = await OwnedDatabases.open(ServerTarget.parse(setting.server, 'the run'), lifecycle, setting.run);
  const queries = await loadQueryFiles([...setting.queryFiles, ...internalQueryFiles], requiredQueries);
  return { target: await databases.create(role, setting.template), queries };
}
