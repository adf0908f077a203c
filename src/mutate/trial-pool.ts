import type { Lifecycle } from '../lifecycle.js';
import { runJobs } from '../parallel/run-jobs.js';
import type { CatalogueEntry, SourceFile } from './catalogue.js';
import { runTrial, type Trial, type TrialSetting } from './mutant-trial.js';

/** One trial to run: a mutant of the catalogue at one seed. */
export interface TrialJob {
  readonly mutant: CatalogueEntry;
  /** Which of the mutant's seeds (0 … --seeds − 1). */
  readonly k: number;
  readonly seed: number;
  /** Names the trial's databases; unique within the run. */
  readonly role: string;
}

/** What a worker thread is started with: everything to rebuild the catalogue and reach the server. */
export interface WorkerInput {
  readonly server: string;
  readonly setting: Omit<TrialSetting, 'server'>;
  readonly queries: readonly SourceFile[];
  readonly migrations: readonly SourceFile[];
}

/** A trial as a thread is sent it: the mutant by id (the thread has its own catalogue). */
export type TrialRequest = { readonly id: string; readonly seed: number; readonly role: string };

/**
 * Runs the trials on `workers` workers (see runJobs: one here, the others in threads), each trial in
 * databases of its own, and returns them in job order — the same whatever the number of workers,
 * since every job carries its own seed. `onDone` hears of each trial as it ends.
 */
export async function runTrials(
  jobs: readonly TrialJob[],
  setting: TrialSetting,
  workers: number,
  lifecycle: Lifecycle,
  input: Omit<WorkerInput, 'server' | 'setting'>,
  onDone: (job: TrialJob, trial: Trial) => void = () => {},
): Promise<Trial[]> {
  const { server, ...rest } = setting;
  const trials = await runJobs<TrialJob, Trial>({
    jobs,
    workers,
    lifecycle,
    label: 'mutation workers',
    here: (job) => runTrial(setting, job.mutant, job.seed, job.role),
    threads: {
      module: new URL('./trial-worker.js', import.meta.url),
      input: { server: server.connectionString, setting: rest, ...input } satisfies WorkerInput,
      message: (job): TrialRequest => ({ id: job.mutant.id, seed: job.seed, role: job.role }),
    },
    onDone: (index, trial) => onDone(jobs[index]!, trial),
  });
  return trials as Trial[];
}
