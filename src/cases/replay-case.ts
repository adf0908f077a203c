import { explore, type RaceExploration } from '../race/exploration.js';
import type { RaceRunner } from '../race/race-runner.js';
import { summarizeRace, type RaceSummary } from '../race/race-report.js';
import { racingWorkflows } from '../race/race-workflows.js';
import { ScheduleMismatch } from '../race/schedule.js';
import type { RealConnection } from '../sequential/connection.js';
import { failureOf, type SequentialFinding } from '../sequential/property.js';
import { StartingWorld } from '../sequential/start.js';
import { World, type WorldSetting } from '../sequential/world.js';
import type { QuerySet } from '../sqlc/loader.js';
import type { CaseExpectation, RaceCase, SequentialCase } from './case-file.js';

/**
 * How a replay ended: `reproduced` (the case's finding showed again, exit 1), `gone` (the commands
 * or the schedule ran through without it, exit 0), `different` (another finding showed: the case's
 * bug is gone, another is there; exit 0, the other printed), `unfit` (race: the schedule no longer
 * fits the race, whose statements changed; exit 0, saying so).
 */
export type ReplayOutcome = 'reproduced' | 'gone' | 'different' | 'unfit';

export interface SequentialReplay {
  readonly outcome: ReplayOutcome;
  /** The finding the replay showed, if any, and the 0-based index of the command it showed at. */
  readonly finding?: Omit<SequentialFinding, 'replay'>;
  readonly command?: number;
  /** The world the commands ran in, as the replay left it. */
  readonly world: World;
}

/**
 * Runs a sequential case again: from the starting world every run of the property begins in
 * (start.ts), its commands one by one, each compared in lockstep and the tables compared as the
 * case's run did (after every stateEvery-th command, and at the end). It reproduces when a finding
 * of the same kind shows at the same command (for an invariant, the same rule broken).
 */
export async function replaySequentialCase(connection: RealConnection, internal: QuerySet, sequentialCase: SequentialCase): Promise<SequentialReplay> {
  const setting: WorldSetting = { connection, stateQueries: internal, stateEvery: sequentialCase.stateEvery };
  const { start } = await StartingWorld.build(setting);
  return replayFrom(start, setting, sequentialCase);
}

/**
 * As replaySequentialCase, from a start already built; `entered` runs once the world stands at the
 * start, before the first command (the --psql export starts recording there).
 */
export async function replayFrom(start: StartingWorld, setting: WorldSetting, sequentialCase: SequentialCase, entered?: (world: World) => Promise<void>): Promise<SequentialReplay> {
  const world = await start.enter(setting);
  await entered?.(world);
  let at = 0;
  try {
    for (; at < sequentialCase.commands.length; at++) await world.run(sequentialCase.commands[at]!);
    at = sequentialCase.commands.length - 1;
    // The tail after the last n-th command, as the property compares it.
    if (world.log.length % setting.stateEvery !== 0) await world.compareState(`${world.log.at(-1)!} (end of run)`);
  } catch (error) {
    const finding = failureOf(error, [...world.log], world.commands);
    return { outcome: sameSequential(sequentialCase.expected, finding, at) ? 'reproduced' : 'different', finding, command: at, world };
  }
  return { outcome: 'gone', world };
}

function sameSequential(expected: CaseExpectation, finding: Omit<SequentialFinding, 'replay'>, at: number): boolean {
  if (finding.kind !== expected.kind || at !== expected.command) return false;
  return expected.invariant === undefined || finding.invariant?.name === expected.invariant;
}

export interface RaceReplay {
  readonly outcome: ReplayOutcome;
  /** The race as the explorer sums it up (its finding, and the known findings it reproduced). */
  readonly summary?: RaceSummary;
  readonly exploration?: RaceExploration;
  /** unfit: why the schedule no longer fits. */
  readonly why?: string;
}

/**
 * Runs a race case again: its workflows (with their variants) on `runner`, in the case's schedule,
 * judged by the oracle. It reproduces when the finding has the case's kind (an invariant: the same
 * rule). A known finding of the bundled queries, which the explorer files as known instead of
 * failing on, counts as reproduced too — the case of a known defect replays as long as it is there.
 * `runner` must overlap autocommit statements as the case says (RaceRunner.open's overlap).
 */
export async function replayRaceCase(runner: RaceRunner, raceCase: RaceCase): Promise<RaceReplay> {
  let exploration: RaceExploration;
  try {
    exploration = await explore(runner, racingWorkflows(raceCase.pair, raceCase.variants), { kind: 'replay', schedule: raceCase.schedule }, 0);
  } catch (error) {
    if (error instanceof ScheduleMismatch) return { outcome: 'unfit', why: error.message };
    throw error;
  }
  const summary = summarizeRace(0, exploration);
  const { expected } = raceCase;
  const rule = (name: string | undefined) => expected.invariant === undefined || name === expected.invariant;
  const found = exploration.finding?.finding;
  if (found !== undefined && found.kind === expected.kind && rule(found.kind === 'invariant' ? found.invariant.name : undefined)) return { outcome: 'reproduced', summary, exploration };
  const known = exploration.known.find(({ known }) => known.kind === expected.kind && (expected.known === undefined || known.id === expected.known) && rule('invariant' in known.anomaly ? known.anomaly.invariant : undefined));
  if (known !== undefined) return { outcome: 'reproduced', summary, exploration };
  return { outcome: found === undefined && exploration.known.length === 0 ? 'gone' : 'different', summary, exploration };
}
