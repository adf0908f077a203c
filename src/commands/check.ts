import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import type { RunOptions } from '../options.js';
import { runPlumbing } from '../plumbing.js';
import { connect } from '../postgres/databases.js';
import { writeJsonReport } from '../report.js';
import { raceStats } from '../race/race-report.js';
import { checkRaceOptions, describeRaceRun, raceFindingsJson, raceWithProgress } from './race.js';
import { describeSequential, findingJson, sequentialOn, sequentialStats } from './sequential.js';
import { withTestbed } from './setup.js';

/**
 * `chatcheck check`: the whole conformance run — the plumbing (server, schema, every query under
 * test once on a fixture), then the sequential property, then the race explorer (every pair of the
 * race catalogue within the default budget; a known finding of the bundled queries is listed, not
 * failed on).
 */
export async function runCheck(options: RunOptions, print: (line: string) => void = console.log): Promise<number> {
  checkRaceOptions(options);
  const started = performance.now();
  return withTestbed(options, print, async (testbed, { queries, underTest, migrations }, lifecycle) => {
    const server = testbed.server;
    const client = await connect(await testbed.copy('check'));
    lifecycle.hold('check connection', () => client.end());
    const serverVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';

    const plumbing = await runPlumbing(client, underTest, queries);
    const calls = plumbing.steps.filter((step) => underTest.has(step.query));
    print(`plumbing: ran ${new Set(calls.map((step) => step.query)).size} queries (${calls.length} calls) on PostgreSQL ${serverVersion}; the server accepted every one`);
    if (plumbing.notRun.length > 0) print(`plumbing: no fixture call for ${plumbing.notRun.join(', ')} (loaded, not run)`);

    const sequential = await sequentialOn(testbed, lifecycle, queries, options);
    for (const line of describeSequential(sequential, options)) print(line);

    // --runs and --seed shape the sequential property; the explorer keeps its budget and seeds from --seed.
    const race = await raceWithProgress(testbed, lifecycle, queries, { ...options, runs: undefined });
    for (const line of describeRaceRun(race, options)) print(line);
    const raceFindings = raceFindingsJson(race, { ...options, runs: undefined });
    const ok = sequential.finding === undefined && raceFindings.findings.length === 0;

    const durationMs = Math.round(performance.now() - started);
    if (options.jsonFile !== undefined) {
      await writeJsonReport(options.jsonFile, {
        version: 1,
        ok,
        findings: [...(sequential.finding ? [findingJson(sequential.finding, options)] : []), ...raceFindings.findings],
        knownFindings: raceFindings.knownFindings,
        stats: {
          command: 'check',
          server: { source: server.source, version: serverVersion },
          queries: underTest.all.length,
          queryCalls: calls.length,
          migrations: migrations.length,
          sequential: sequentialStats(sequential),
          race: { seed: race.seed, ...raceStats(race.explorations, race.durationMs) },
          durationMs,
        },
      });
    }
    if (!ok) return EXIT_FINDING;
    print(`ok: no findings (${(durationMs / 1000).toFixed(1)} s)`);
    return EXIT_CONFORMS;
  });
}
