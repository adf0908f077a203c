/**
 * A mutation worker thread: rebuilds the catalogue from the same files as the run (the same files
 * give the same ids), then runs each trial it is sent and answers with its result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ServerTarget } from '../postgres/target.js';
import { mutantCatalogue } from './catalogue.js';
import { runTrial } from './mutant-trial.js';
import type { WorkerInput, WorkerReply, WorkerRequest } from './trial-pool.js';

const input = workerData as WorkerInput;
const setting = { ...input.setting, server: ServerTarget.parse(input.server, 'the run') };
const catalogue = new Map((await mutantCatalogue(input.queries, input.migrations)).map((mutant) => [mutant.id, mutant]));

parentPort!.on('message', (request: WorkerRequest) => {
  const reply = async (): Promise<WorkerReply> => {
    try {
      const mutant = catalogue.get(request.id);
      if (mutant === undefined) throw new Error(`no mutant ${request.id} in the worker's catalogue`);
      return { index: request.index, trial: await runTrial(setting, mutant, request.seed, request.role) };
    } catch (error) {
      return { index: request.index, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
  };
  void reply().then((answer) => parentPort!.postMessage(answer));
});
