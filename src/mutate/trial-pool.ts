import { Worker } from 'node:worker_threads';
import type { Lifecycle } from '../lifecycle.js';
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

export type WorkerRequest = { readonly index: number; readonly id: string; readonly seed: number; readonly role: string };
export type WorkerReply = { readonly index: number; readonly trial: Trial } | { readonly index: number; readonly error: string };

/**
 * Runs the jobs on `workers` threads, each trial in databases of its own, and returns the trials
 * in job order — the same whatever the number of workers, since every job carries its own seed.
 * One worker runs in this thread. `onDone` hears of each trial as it ends.
 */
export async function runTrials(
  jobs: readonly TrialJob[],
  setting: TrialSetting,
  workers: number,
  lifecycle: Lifecycle,
  input: Omit<WorkerInput, 'server' | 'setting'>,
  onDone: (job: TrialJob, trial: Trial) => void = () => {},
): Promise<Trial[]> {
  const trials: Trial[] = new Array<Trial>(jobs.length);
  if (workers <= 1 || jobs.length <= 1) {
    for (const [index, job] of jobs.entries()) {
      trials[index] = await runTrial(setting, job.mutant, job.seed, job.role);
      onDone(job, trials[index]!);
    }
    return trials;
  }

  const { server, ...rest } = setting;
  const workerInput: WorkerInput = { server: server.connectionString, setting: rest, ...input };
  const threads: Worker[] = [];
  // Ctrl-C: stop the threads before the run drops their databases.
  lifecycle.hold('mutation workers', async () => {
    await Promise.all(threads.map((thread) => thread.terminate()));
  });
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    let running = 0;
    const feed = (thread: Worker): void => {
      if (next >= jobs.length) {
        void thread.terminate();
        if (--running === 0) resolve();
        return;
      }
      const index = next++;
      const job = jobs[index]!;
      thread.postMessage({ index, id: job.mutant.id, seed: job.seed, role: job.role } satisfies WorkerRequest);
    };
    for (let i = 0; i < Math.min(workers, jobs.length); i++) {
      const thread = new Worker(new URL('./trial-worker.js', import.meta.url), { workerData: workerInput });
      threads.push(thread);
      running++;
      thread.on('message', (reply: WorkerReply) => {
        if ('error' in reply) {
          reject(new Error(`mutation worker: ${reply.error}`));
          return;
        }
        trials[reply.index] = reply.trial;
        onDone(jobs[reply.index]!, reply.trial);
        feed(thread);
      });
      thread.on('error', reject);
      feed(thread);
    }
  });
  return trials;
}
