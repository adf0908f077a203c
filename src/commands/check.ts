import path from 'node:path';
import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import type { RunOptions } from '../options.js';
import { internalQueryFiles } from '../paths.js';
import { runPlumbing } from '../plumbing.js';
import { connect } from '../postgres/databases.js';
import { readMigrations } from '../postgres/migrate.js';
import { provisionServer } from '../postgres/server.js';
import { openTestbed } from '../postgres/testbed.js';
import { requiredQueries } from '../queries/required.js';
import { writeJsonReport } from '../report.js';
import { loadQueryFiles } from '../sqlc/loader.js';
import { describeSequential, findingJson, sequentialOn, sequentialStats } from './sequential.js';
import { withLifecycle } from './session.js';

/**
 * `chatcheck check`: the whole conformance run — the plumbing (server, schema, every query under
 * test once on a fixture), then the sequential property; the race explorer plugs in here next.
 */
export async function runCheck(options: RunOptions, print: (line: string) => void = console.log): Promise<number> {
  const started = performance.now();
  // Everything that can be wrong with the input is reported before a server is started.
  const queries = await loadQueryFiles(options.queryFiles, requiredQueries);
  const fixture = await loadQueryFiles(internalQueryFiles);
  // One set for the property, so a user's file may not reuse chatcheck's own query names.
  const everything = await loadQueryFiles([...options.queryFiles, ...internalQueryFiles], requiredQueries);
  const migrations = await readMigrations(options.migrationsDir);
  print(`queries: ${queries.all.length} from ${options.queryFiles.map(relative).join(', ')}`);

  return withLifecycle(async (lifecycle) => {
    const server = await provisionServer(lifecycle, options.databaseUrl);
    print(server.description);
    const testbed = await openTestbed(lifecycle, { server, migrationsDir: relative(options.migrationsDir), migrations, report: print });
    const client = await connect(await testbed.copy('check'));
    lifecycle.hold('check connection', () => client.end());
    const serverVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';

    const plumbing = await runPlumbing(client, queries, fixture);
    const underTest = plumbing.steps.filter((step) => queries.has(step.query));
    print(`plumbing: ran ${new Set(underTest.map((step) => step.query)).size} queries (${underTest.length} calls) on PostgreSQL ${serverVersion}; the server accepted every one`);
    if (plumbing.notRun.length > 0) print(`plumbing: no fixture call for ${plumbing.notRun.join(', ')} (loaded, not run)`);

    const sequential = await sequentialOn(testbed, lifecycle, everything, options);
    for (const line of describeSequential(sequential, options)) print(line);

    const durationMs = Math.round(performance.now() - started);
    if (options.jsonFile !== undefined) {
      await writeJsonReport(options.jsonFile, {
        version: 1,
        ok: sequential.finding === undefined,
        findings: sequential.finding ? [findingJson(sequential.finding)] : [],
        knownFindings: [],
        stats: {
          command: 'check',
          server: { source: server.source, version: serverVersion },
          queries: queries.all.length,
          queryCalls: underTest.length,
          migrations: migrations.length,
          sequential: sequentialStats(sequential),
          durationMs,
        },
      });
    }
    if (sequential.finding) return EXIT_FINDING;
    print(`ok: no findings (${(durationMs / 1000).toFixed(1)} s)`);
    return EXIT_CONFORMS;
  });
}

function relative(file: string): string {
  const shown = path.relative(process.cwd(), file);
  return shown.startsWith('..') ? file : shown;
}
