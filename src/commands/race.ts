import { SetupError } from '../errors.js';
import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import type { Lifecycle } from '../lifecycle.js';
import { inShard, type RunOptions } from '../options.js';
import { runJobs } from '../parallel/run-jobs.js';
import { workerDatabaseSetting, workerRole } from '../parallel/worker-database.js';
import type { Testbed } from '../postgres/testbed.js';
import type { ProgressMeter } from '../progress.js';
import { caseJson, raceCase } from '../cases/build-case.js';
import { caseInputs } from '../cases/case-inputs.js';
import type { ExploreMode } from '../race/exploration.js';
import { runRaceJob, type RaceJob, type RaceWorkerInput } from '../race/race-job.js';
import { RaceRunner } from '../race/race-runner.js';
import { describeRaces, knownFindingJson, raceStats, type RaceSummary } from '../race/race-report.js';
import { raceWorkflowNames } from '../race/race-workflows.js';
import { scheduleProblem } from '../race/schedule.js';
import type { QuerySet } from '../sqlc/loader.js';
import { inputArguments, withTestbed } from './setup.js';

/** Schedules per race in a default run: every pair's walk up to half of it, then random schedules. */
export const DEFAULT_RACE_BUDGET = 150;
/** Wall time of one schedule before it counts as a hang. */
export const SCHEDULE_TIMEOUT_MS = 10_000;

/** Every unordered pair of the catalogue, a workflow with itself included, then two sends and a delete. */
export function defaultRaces(): string[][] {
  const pairs = raceWorkflowNames.flatMap((a, i) => raceWorkflowNames.slice(i).map((b) => [a, b]));
  return [...pairs, ['send', 'send', 'delete']];
}

export interface RaceRun {
  /** Every race of the run (with --shard, of this machine's part), in the run's order. */
  readonly races: readonly RaceSummary[];
  readonly seed: number;
  readonly durationMs: number;
}

/** The races the options name (all by default), each with its seed: the run's seed plus its index. */
export function raceJobs(options: RunOptions, seed: number): RaceJob[] {
  return (options.races ?? defaultRaces()).map((names, index) => {
    const raceSeed = (seed + index) | 0;
    return { index, names, seed: raceSeed, mode: modeOf(options, names.length, raceSeed) };
  });
}

/**
 * Explores the races the options name (all by default; with --shard, this machine's part of them)
 * on the workers, each worker with its explorer on a fresh copy of the migrated schema. Every race carries its own seed, so the result, in race order,
 * does not depend on the number of workers.
 */
export async function raceOn(
  testbed: Testbed,
  lifecycle: Lifecycle,
  queries: QuerySet,
  options: RunOptions,
  onRace?: (done: number, total: number) => void,
): Promise<RaceRun> {
  const started = performance.now();
  const seed = options.seed ?? Date.now() ^ (Math.random() * 0x100000000);
  const jobs = inShard(raceJobs(options, seed), options.shard);
  const explorer = { overlap: options.overlap, timeoutMs: SCHEDULE_TIMEOUT_MS };
  let here: RaceRunner | undefined;
  /** The explorer of a run on one worker, on the copy every worker 1 names "race". */
  const runnerHere = async (): Promise<RaceRunner> => {
    if (here === undefined) {
      const runner = await RaceRunner.open(await testbed.copy(workerRole('race', 1)), queries, explorer);
      lifecycle.hold('race connections', () => runner.close());
      here = runner;
    }
    return here;
  };
  // Databases the worker threads had not dropped when the run ended (Ctrl-C): the run drops them with its own.
  lifecycle.hold('race worker databases', () => testbed.databases.adoptRunRemnants());
  let done = 0;
  onRace?.(done, jobs.length);
  const races = await runJobs<RaceJob, RaceSummary>({
    jobs,
    workers: options.workers,
    lifecycle,
    label: 'race workers',
    here: async (job) => runRaceJob(await runnerHere(), job, options.variants),
    threads: {
      module: new URL('../race/race-worker.js', import.meta.url),
      input: { database: workerDatabaseSetting(testbed, options.queryFiles), explorer, variants: options.variants } satisfies RaceWorkerInput,
    },
    onDone: () => onRace?.(++done, jobs.length),
  });
  return { races: races as RaceSummary[], seed, durationMs: performance.now() - started };
}

/**
 * How a race is explored: a pair exhaustively (within the budget, unless --exhaustive), a triple by
 * sampling — every interleaving of three workflows runs to the billions — unless --runs says how.
 */
function modeOf(options: RunOptions, sessions: number, seed: number): ExploreMode {
  if (options.schedule !== undefined) return { kind: 'replay', schedule: options.schedule };
  if (sessions > 2 && options.runs === undefined) return { kind: 'sampled', runs: options.budget ?? DEFAULT_RACE_BUDGET, seed };
  if (options.exhaustive) return { kind: 'exhaustive', budget: Infinity };
  if (options.runs !== undefined) return { kind: 'sampled', runs: options.runs, seed };
  return { kind: 'exhaustive', budget: options.budget ?? DEFAULT_RACE_BUDGET };
}

/** Checks the race options against each other before any server starts. */
export function checkRaceOptions(options: RunOptions): void {
  if (options.schedule === undefined) return;
  if (options.races?.length !== 1) throw new SetupError('--schedule replays one race', 'give exactly one --pair with it, e.g. --pair send,delete --schedule AABAB');
  const problem = scheduleProblem(options.schedule, options.races[0]!.length);
  if (problem) throw new SetupError(`--schedule: ${problem}`, 'copy the schedule from the finding that printed it');
}

/** The command that replays one schedule of a race, with every option the run depended on. */
export function raceReplayCommand(race: RaceSummary, schedule: string, options: RunOptions): string {
  const variants = race.variants.map((variant) => ` --variant ${variant}`).join('');
  return `npx chatcheck race --pair ${race.pair.join(',')}${variants} --schedule ${schedule || '""'}${options.overlap ? '' : ' --no-overlap'}${inputArguments(options, false)}`;
}

export function describeRaceRun(run: RaceRun, options: RunOptions): string[] {
  const schedules = run.races.reduce((sum, race) => sum + race.schedules, 0);
  const perSecond = run.durationMs > 0 ? Math.round((schedules / run.durationMs) * 1000) : 0;
  const findings = run.races.filter((race) => race.finding !== undefined).length;
  // Every race (no --pair), or --quiet: a line per clean race would bury the result; only findings and the summary.
  const lines = describeRaces(run.races, (race, schedule) => raceReplayCommand(race, schedule, options), options.races !== undefined && !options.quiet);
  lines.push(`race: ${run.races.length} race${run.races.length === 1 ? '' : 's'}, ${schedules} schedules (${perSecond}/s), seed ${run.seed}: ${findings === 0 ? 'no finding' : `${findings} finding${findings === 1 ? '' : 's'}`}`);
  return lines;
}

export function raceFindingsJson(run: RaceRun, options: RunOptions): { findings: Record<string, unknown>[]; knownFindings: Record<string, unknown>[] } {
  const inputs = run.races.some((race) => race.finding !== undefined) ? caseInputs(options) : undefined;
  const findings = run.races.flatMap((race) => {
    if (race.finding === undefined) return [];
    // The case file (--save, chatcheck replay): the race, its variants and the schedule.
    const caseFile = raceCase(race, options.overlap, inputs!);
    return [{ ...race.finding.json, replay: raceReplayCommand(race, race.finding.schedule, options), case: caseFile === undefined ? null : caseJson(caseFile) }];
  });
  const seen = new Set<string>();
  const knownFindings = run.races.flatMap((race) =>
    race.known.flatMap((known) => {
      if (seen.has(known.id)) return [];
      seen.add(known.id);
      return [knownFindingJson(known)];
    }),
  );
  return { findings, knownFindings };
}

/** raceOn with its live line (`race: 12/67 races, about 1m 10s left`), erased before the summary is printed. */
export async function raceWithProgress(testbed: Testbed, lifecycle: Lifecycle, queries: QuerySet, options: RunOptions, meter: ProgressMeter): Promise<RaceRun> {
  try {
    return await raceOn(testbed, lifecycle, queries, options, (done, total) => meter.update(done, total));
  } finally {
    meter.clear();
  }
}

/** `chatcheck race`: concurrent workflows interleaved statement by statement, judged by the model. */
export async function runRaceCommand(options: RunOptions, print: (line: string) => void = console.log): Promise<number> {
  checkRaceOptions(options);
  return withTestbed('race', options, print, async (testbed, { queries }, { lifecycle, report, print: say, progress }) => {
    const run = await raceWithProgress(testbed, lifecycle, queries, options, progress('race', 'races'));
    for (const line of describeRaceRun(run, options)) say(line);
    const failed = run.races.some((race) => race.finding !== undefined);
    await report.finish({ ok: !failed, ...raceFindingsJson(run, options), stats: { race: raceRunStats(run) } });
    return failed ? EXIT_FINDING : EXIT_CONFORMS;
  });
}

/** The race section of a report's stats: the seed, schedules and their rate, and each race. */
export function raceRunStats(run: RaceRun): Record<string, unknown> {
  return { seed: run.seed, ...raceStats(run.races, run.durationMs) };
}
