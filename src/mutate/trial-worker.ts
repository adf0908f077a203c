/**
 * A mutation worker thread: rebuilds the catalogue from the same files as the run (the same files
 * give the same ids), then runs each trial it is sent and answers with its result.
 */
import { serveJobs } from '../parallel/serve-jobs.js';
import { ServerTarget } from '../postgres/target.js';
import { mutantCatalogue } from './catalogue.js';
import { runTrial, type Trial } from './mutant-trial.js';
import type { TrialRequest, WorkerInput } from './trial-pool.js';

serveJobs<WorkerInput, TrialRequest, Trial>(async (input) => {
  const setting = { ...input.setting, server: ServerTarget.parse(input.server, 'the run') };
  const catalogue = new Map((await mutantCatalogue(input.queries, input.migrations)).map((mutant) => [mutant.id, mutant]));
  return {
    run: async (request) => {
      const mutant = catalogue.get(request.id);
      if (mutant === undefined) throw new Error(`no mutant ${request.id} in the worker's catalogue`);
      return runTrial(setting, mutant, request.seed, request.role);
    },
  };
});
