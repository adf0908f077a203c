import { parentPort, workerData } from 'node:worker_threads';
import { SetupError } from '../errors.js';
import type { FromThread, ThreadData, ToThread } from './run-jobs.js';

/** A thread's side of the pool: runs the jobs it is sent, then releases what it opened. */
export interface JobServer<Message, Result, Progress = never> {
  run(job: Message, progress: (progress: Progress) => void): Promise<Result>;
  close?(): Promise<void>;
}

/**
 * The body of a worker thread of runJobs: `open` prepares the thread once (its databases, its
 * connections) from the pool's input and the thread's worker number; each job the pool sends is
 * run and answered with its result (or its error, as text); at the pool's word the thread closes
 * what it opened and says so.
 */
export function serveJobs<Input, Message, Result, Progress = never>(open: (input: Input, worker: number) => Promise<JobServer<Message, Result, Progress>>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveJobs runs in a worker thread of runJobs');
  const { worker, input } = workerData as ThreadData;
  const opening = open(input as Input, worker);
  // An error opening is reported as the error of the first job.
  opening.catch(() => {});
  const send = (reply: FromThread): void => {
    try {
      port.postMessage(reply);
    } catch (error) {
      if ('index' in reply) port.postMessage({ index: reply.index, error: `cannot send the result: ${describe(error)}` } satisfies FromThread);
      else throw error;
    }
  };

  port.on('message', (request: ToThread) => {
    if ('close' in request) {
      void opening
        .then((server) => server.close?.())
        .catch(() => {})
        .then(() => send({ closed: true }));
      return;
    }
    const { index } = request;
    void (async (): Promise<FromThread> => {
      try {
        const server = await opening;
        return { index, result: await server.run(request.job as Message, (progress) => send({ index, progress })) };
      } catch (error) {
        return { index, error: describe(error), ...(error instanceof SetupError ? { setup: { problem: error.problem, fix: error.fix } } : {}) };
      }
    })().then(send);
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
