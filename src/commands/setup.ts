import path from 'node:path';
import type { Lifecycle } from '../lifecycle.js';
import type { RunOptions } from '../options.js';
import { internalQueryFiles } from '../paths.js';
import { readMigrations, type Migration } from '../postgres/migrate.js';
import { provisionServer } from '../postgres/server.js';
import { openTestbed, type Testbed } from '../postgres/testbed.js';
import { requiredQueries } from '../queries/required.js';
import { loadQueryFiles, QuerySet } from '../sqlc/loader.js';
import { withLifecycle } from './session.js';

/** The input of a run, read and checked before any server is started. */
export interface RunInput {
  /** The SQL under test and chatcheck's own queries, in one set: a user's file may not reuse their names. */
  readonly queries: QuerySet;
  /** Only the queries from the files under test (--queries, or the bundled ones). */
  readonly underTest: QuerySet;
  readonly migrations: readonly Migration[];
}

/**
 * The setup every database command shares: check the input (so a bad option or file fails before a
 * server starts), then, inside a lifecycle, provision a server and migrate a template.
 */
export async function withTestbed(
  options: RunOptions,
  print: (line: string) => void,
  body: (testbed: Testbed, input: RunInput, lifecycle: Lifecycle) => Promise<number>,
): Promise<number> {
  const queries = await loadQueryFiles([...options.queryFiles, ...internalQueryFiles], requiredQueries);
  const underTest = new QuerySet(queries.all.filter((query) => options.queryFiles.includes(query.file)));
  const migrations = await readMigrations(options.migrationsDir);
  print(`queries: ${underTest.all.length} from ${options.queryFiles.map(shown).join(', ')}`);
  return withLifecycle(async (lifecycle) => {
    const server = await provisionServer(lifecycle, options.databaseUrl);
    print(server.description);
    const testbed = await openTestbed(lifecycle, { server, migrationsDir: shown(options.migrationsDir), migrations, report: print });
    return body(testbed, { queries, underTest, migrations }, lifecycle);
  });
}

/** A path as the person typed it relative to here, when it is below here. */
export function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}
