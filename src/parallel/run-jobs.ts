import { Worker } from 'node:worker_threads';
import { SetupError } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';

/** What a thread is started with (see serveJobs): its worker number (1 … N) and the pool's input. */
export interface ThreadData {
  readonly worker: number;
  readonly input: unknown;
}

/** The pool's messages to a thread: a job to run, or the word to release what it holds. */
export type ToThread = { readonly index: number; readonly job: unknown } | { readonly close: true };

/** A thread's messages: a job's result, its error or its progress; that it released what it held. */
export type FromThread =
  | { readonly index: number; readonly result: unknown }
  /** `setup`: the error was a SetupError (a problem the person can fix), thrown again as one here. */
  | { readonly index: number; readonly error: string; readonly setup?: { readonly problem: string; readonly fix: string } }
  | { readonly index: number; readonly progress: unknown }
  | { readonly closed: true };

/** Indexed jobs, the workers that run them, and what the caller hears as they run. */
export interface JobPool<Job, Result, Progress = never> {
  readonly jobs: readonly Job[];
  /** One worker: every job runs here, in order. More: that many threads (at most one per job). */
  readonly workers: number;
  /** Holds the threads: on Ctrl-C they are terminated before anything registered earlier (their databases) is released. */
  readonly lifecycle: Lifecycle;
  /** The threads' name in the lifecycle and in errors: `mutation workers`. */
  readonly label: string;
  /** Runs a job in this thread (with one worker, or one job). */
  readonly here: (job: Job, progress: (progress: Progress) => void) => Promise<Result>;
  readonly threads: {
    /** The compiled module a thread loads; it calls serveJobs. */
    readonly module: URL;
    /** What every thread is started with (structured-cloned). */
    readonly input: unknown;
    /** What a thread is sent for a job (default: the job itself; it must survive structured cloning). */
    readonly message?: (job: Job) => unknown;
  };
  /** Asked as a job is about to start: true leaves it out, its result stays undefined. */
  readonly skip?: (index: number) => boolean;
  /**
   * Asked as each job ends: true when the results so far decide the run. No job starts any more,
   * and the threads are terminated, abandoning what they were running (those results stay undefined).
   */
  readonly enough?: (results: readonly (Result | undefined)[]) => boolean;
  readonly onDone?: (index: number, result: Result) => void;
  readonly onProgress?: (index: number, progress: Progress) => void;
}

/**
 * Runs the jobs and returns their results in job order — the same whatever the number of workers,
 * as long as every job carries all it depends on (its own seed). Jobs start in index order, each on
 * the first worker free. The first error stops the pool: no further job starts, the threads are
 * terminated, and it is thrown.
 */
export async function runJobs<Job, Result, Progress = never>(pool: JobPool<Job, Result, Progress>): Promise<(Result | undefined)[]> {
  const { jobs } = pool;
  const results = new Array<Result | undefined>(jobs.length).fill(undefined);
  let next = 0;
  let stopped = false;
  const take = (): number | undefined => {
    while (!stopped && next < jobs.length) {
      const index = next++;
      if (!pool.skip?.(index)) return index;
    }
    return undefined;
  };
  /** Records a result; true when that was enough. */
  const finish = (index: number, result: Result): boolean => {
    results[index] = result;
    pool.onDone?.(index, result);
    if (pool.enough?.(results)) stopped = true;
    return stopped;
  };

  if (pool.workers <= 1 || jobs.length <= 1) {
    for (let index = take(); index !== undefined; index = take()) {
      const current = index;
      finish(current, await pool.here(jobs[current]!, (progress) => pool.onProgress?.(current, progress)));
    }
    return results;
  }

  const threads: Worker[] = [];
  const terminateAll = async (): Promise<void> => {
    await Promise.all(threads.map((thread) => thread.terminate()));
  };
  pool.lifecycle.hold(pool.label, terminateAll);

  /** Worker `worker` in a thread: fed a job at a time until none is left, then closed. */
  const runThread = (worker: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const thread = new Worker(pool.threads.module, { workerData: { worker, input: pool.threads.input } satisfies ThreadData });
      threads.push(thread);
      let closing = false;
      const feed = (): void => {
        const index = take();
        if (index === undefined) {
          closing = true;
          thread.postMessage({ close: true } satisfies ToThread);
          return;
        }
        const job = jobs[index]!;
        thread.postMessage({ index, job: pool.threads.message ? pool.threads.message(job) : job } satisfies ToThread);
      };
      thread.on('message', (reply: FromThread) => {
        try {
          if ('closed' in reply) {
            void thread.terminate().then(() => resolve(), reject);
          } else if ('progress' in reply) {
            pool.onProgress?.(reply.index, reply.progress as Progress);
          } else if ('error' in reply) {
            reject(reply.setup ? new SetupError(reply.setup.problem, reply.setup.fix) : new Error(`${pool.label}: ${reply.error}`));
          } else if (finish(reply.index, reply.result as Result)) {
            void terminateAll();
          } else {
            feed();
          }
        } catch (error) {
          reject(error);
        }
      });
      thread.on('error', reject);
      thread.on('exit', (code) => {
        if (closing || stopped) resolve();
        else reject(new Error(`${pool.label}: a thread stopped (exit code ${code}) before its jobs were done`));
      });
      feed();
    });

  try {
    await Promise.all(Array.from({ length: Math.min(pool.workers, jobs.length) }, (_, i) => runThread(i + 1)));
  } catch (error) {
    stopped = true;
    await terminateAll();
    throw error;
  }
  return results;
}
