import { SetupError } from '../errors.js';
import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import type { Lifecycle } from '../lifecycle.js';
import type { RunOptions } from '../options.js';
import type { Testbed } from '../postgres/testbed.js';
import { explore, type ExploreMode, type RaceExploration } from '../race/exploration.js';
import { RaceRunner } from '../race/race-runner.js';
import { describeRaces, knownFindingJson, raceFindingJson, raceStats } from '../race/race-report.js';
import { raceWorkflowNames, racingWorkflows } from '../race/race-workflows.js';
import { scheduleProblem } from '../race/schedule.js';
import type { RealWorkflows } from '../sequential/free-run.js';
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
  readonly explorations: readonly RaceExploration[];
  readonly seed: number;
  readonly durationMs: number;
}

/**
 * Explores the races the options name (all by default) on a fresh copy of the migrated schema.
 * `realWorkflows` (workflow mutants) run on PostgreSQL's side in place of their operation, judged
 * by the model's serial outcomes of the catalogue's workflows.
 */
export async function raceOn(
  testbed: Testbed,
  lifecycle: Lifecycle,
  queries: QuerySet,
  options: RunOptions,
  onRace?: (done: number, total: number) => void,
  realWorkflows?: RealWorkflows,
): Promise<RaceRun> {
  const started = performance.now();
  const races = options.races ?? defaultRaces();
  const seed = options.seed ?? Date.now() ^ (Math.random() * 0x100000000);
  const runner = await RaceRunner.open(await testbed.copy('race'), queries, { overlap: options.overlap, timeoutMs: SCHEDULE_TIMEOUT_MS });
  lifecycle.hold('race connections', () => runner.close());
  const explorations: RaceExploration[] = [];
  for (const [i, names] of races.entries()) {
    onRace?.(i, races.length);
    const raceSeed = (seed + i) | 0;
    explorations.push(await explore(runner, racingWorkflows(names, options.variants, realWorkflows), modeOf(options, names.length, raceSeed), raceSeed));
  }
  return { explorations, seed, durationMs: performance.now() - started };
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
export function raceReplayCommand(exploration: RaceExploration, schedule: string, options: RunOptions): string {
  const workflows = exploration.race.workflows;
  const variants = workflows.flatMap((workflow) => (workflow.variant === undefined ? [] : [` --variant ${workflow.variant}`])).join('');
  return `npx chatcheck race --pair ${workflows.map((workflow) => workflow.name).join(',')}${variants} --schedule ${schedule || '""'}${options.overlap ? '' : ' --no-overlap'}${inputArguments(options, false)}`;
}

export function describeRaceRun(run: RaceRun, options: RunOptions): string[] {
  const schedules = run.explorations.reduce((sum, exploration) => sum + exploration.schedules, 0);
  const perSecond = run.durationMs > 0 ? Math.round((schedules / run.durationMs) * 1000) : 0;
  const findings = run.explorations.filter((exploration) => exploration.finding !== undefined).length;
  // Every race (no --pair): a line per clean race would bury the result; only findings and the summary.
  const lines = describeRaces(run.explorations, (exploration, schedule) => raceReplayCommand(exploration, schedule, options), options.races !== undefined);
  lines.push(`race: ${run.explorations.length} race${run.explorations.length === 1 ? '' : 's'}, ${schedules} schedules (${perSecond}/s), seed ${run.seed}: ${findings === 0 ? 'no finding' : `${findings} finding${findings === 1 ? '' : 's'}`}`);
  return lines;
}

export function raceFindingsJson(run: RaceRun, options: RunOptions): { findings: Record<string, unknown>[]; knownFindings: Record<string, unknown>[] } {
  const findings = run.explorations.flatMap((exploration) =>
    exploration.finding === undefined ? [] : [raceFindingJson(exploration, exploration.finding, raceReplayCommand(exploration, exploration.finding.execution.schedule, options))],
  );
  const seen = new Set<string>();
  const knownFindings = run.explorations.flatMap((exploration) =>
    exploration.known.flatMap(({ known }) => {
      if (seen.has(known.id)) return [];
      seen.add(known.id);
      return [knownFindingJson(known)];
    }),
  );
  return { findings, knownFindings };
}

/**
 * raceOn with, on a terminal, a live line (`race: 12/67 races`) rewritten in place and erased before
 * the summary; piped output (CI logs) carries only the summary.
 */
export async function raceWithProgress(testbed: Testbed, lifecycle: Lifecycle, queries: QuerySet, options: RunOptions): Promise<RaceRun> {
  // Nothing once the run is interrupted: the signal's line is the last word.
  const write = (text: string) => {
    if (lifecycle.interruptedBy === undefined) process.stdout.write(text);
  };
  const progress = process.stdout.isTTY ? (done: number, total: number) => write(`\rrace: ${done}/${total} races\x1b[K`) : undefined;
  try {
    return await raceOn(testbed, lifecycle, queries, options, progress);
  } finally {
    if (progress) write('\r\x1b[K');
  }
}

/** `chatcheck race`: concurrent workflows interleaved statement by statement, judged by the model. */
export async function runRaceCommand(options: RunOptions, print: (line: string) => void = console.log): Promise<number> {
  checkRaceOptions(options);
  return withTestbed('race', options, print, async (testbed, { queries }, { lifecycle, report, print: say }) => {
    const run = await raceWithProgress(testbed, lifecycle, queries, options);
    for (const line of describeRaceRun(run, options)) say(line);
    const failed = run.explorations.some((exploration) => exploration.finding !== undefined);
    await report.finish({ ok: !failed, ...raceFindingsJson(run, options), stats: { race: raceRunStats(run) } });
    return failed ? EXIT_FINDING : EXIT_CONFORMS;
  });
}

/** The race section of a report's stats: the seed, schedules and their rate, and each race. */
export function raceRunStats(run: RaceRun): Record<string, unknown> {
  return { seed: run.seed, ...raceStats(run.explorations, run.durationMs) };
}
