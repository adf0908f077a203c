import type { WorkerDatabaseSetting } from '../parallel/worker-database.js';
import { explore, type ExploreMode } from './exploration.js';
import type { ExplorerOptions } from './explorer.js';
import { summarizeRace, type RaceSummary } from './race-report.js';
import type { RaceRunner } from './race-runner.js';
import { racingWorkflows } from './race-workflows.js';

/** One race of a run, with all its exploration depends on: the same wherever it runs. */
export interface RaceJob {
  /** Its place in the run's list of races. */
  readonly index: number;
  /** The workflows by the names --pair takes. */
  readonly names: readonly string[];
  /** Derived from the run's seed and the index. */
  readonly seed: number;
  readonly mode: ExploreMode;
}

/** What a race worker thread is started with (see race-worker.ts). */
export interface RaceWorkerInput {
  readonly database: WorkerDatabaseSetting;
  readonly explorer: ExplorerOptions;
  /** --variant: each replaces its workflow wherever it races. */
  readonly variants: readonly string[];
}

/** Explores one race on `runner` and sums it up as the report needs it. */
export async function runRaceJob(runner: RaceRunner, job: RaceJob, variants: readonly string[]): Promise<RaceSummary> {
  return summarizeRace(job.index, await explore(runner, racingWorkflows(job.names, variants), job.mode, job.seed));
}
