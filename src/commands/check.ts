import { SetupError } from '../errors.js';
import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import type { RunOptions } from '../options.js';
import { runPlumbing } from '../plumbing.js';
import { connect } from '../postgres/databases.js';
import { checkRaceOptions, describeRaceRun, raceFindingsJson, raceRunStats, raceWithProgress } from './race.js';
import { checkReplayOptions, describeSequential, findingJson, sequentialStats, sequentialWithProgress } from './sequential.js';
import { namesAbbreviated, withTestbed } from './setup.js';

/**
 * `chatcheck check`: the whole conformance run — the plumbing (server, schema, every query under
 * test once on a fixture), then the sequential property, then the race explorer (every pair of the
 * race catalogue within the default budget; a known finding of the bundled queries is listed, not
 * failed on). With --shard I/N, the I-th of N fixed parts of the sequential chunks and of the races
 * (the plumbing runs on every shard); `chatcheck merge` combines the shards' --json reports.
 */
export async function runCheck(options: RunOptions, print: (line: string) => void = console.log): Promise<number> {
  checkRaceOptions(options);
  checkReplayOptions(options);
  checkShardOptions(options);
  return withTestbed('check', options, print, async (testbed, { queries, underTest }, { lifecycle, report, print: say, detail, progress }) => {
    const client = await connect(await testbed.copy('check'));
    lifecycle.hold('check connection', () => client.end());

    const plumbing = await runPlumbing(client, underTest, queries);
    const calls = plumbing.steps.filter((step) => underTest.has(step.query));
    detail(`plumbing: ran ${new Set(calls.map((step) => step.query)).size} queries (${calls.length} calls) on PostgreSQL ${report.server?.version ?? 'unknown'}; the server accepted every one`);
    if (plumbing.notRun.length > 0) detail(`plumbing: no fixture call for ${namesAbbreviated(plumbing.notRun, 'other query', 'other queries')} (loaded and checked, not run)`);

    if (options.shard !== undefined) detail(`shard: part ${options.shard.index} of ${options.shard.count} of the sequential chunks and of the races`);
    const sequential = await sequentialWithProgress(testbed, lifecycle, queries, options, progress('sequential', 'runs'));
    for (const line of describeSequential(sequential, options)) say(line);

    // --runs and --seed shape the sequential property; the explorer keeps its budget and seeds from --seed.
    const race = await raceWithProgress(testbed, lifecycle, queries, { ...options, runs: undefined }, progress('race', 'races'));
    for (const line of describeRaceRun(race, options)) say(line);
    const raceFindings = raceFindingsJson(race, { ...options, runs: undefined });
    const ok = sequential.finding === undefined && raceFindings.findings.length === 0;

    await report.finish({
      ok,
      findings: [...(sequential.finding ? [findingJson(sequential.finding, options)] : []), ...raceFindings.findings],
      knownFindings: raceFindings.knownFindings,
      stats: {
        queryCalls: calls.length,
        sequential: sequentialStats(sequential),
        race: raceRunStats(race),
        shard: options.shard ?? null,
      },
    });
    if (!ok) return EXIT_FINDING;
    say(`ok: no findings (${(report.durationMs / 1000).toFixed(1)} s)`);
    return EXIT_CONFORMS;
  });
}

/** A replay (--path, --schedule) shows one case: there is nothing to split. Checked before any server starts. */
function checkShardOptions(options: RunOptions): void {
  if (options.shard === undefined) return;
  const replay = options.path !== undefined ? '--path' : options.schedule !== undefined ? '--schedule' : undefined;
  if (replay !== undefined) throw new SetupError(`--shard splits a run, and ${replay} replays one case`, `give ${replay} without --shard`);
}

