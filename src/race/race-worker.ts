/**
 * A race worker thread: its own explorer's connections on its own copy of the run's template,
 * exploring each race it is sent.
 */
import { Lifecycle } from '../lifecycle.js';
import { serveJobs } from '../parallel/serve-jobs.js';
import { openWorkerDatabase, workerRole } from '../parallel/worker-database.js';
import { runRaceJob, type RaceJob, type RaceWorkerInput } from './race-job.js';
import type { RaceSummary } from './race-report.js';
import { RaceRunner } from './race-runner.js';

serveJobs<RaceWorkerInput, RaceJob, RaceSummary>(async ({ database, explorer, variants }, worker) => {
  const lifecycle = new Lifecycle();
  try {
    const { target, queries } = await openWorkerDatabase(database, workerRole('race', worker), lifecycle);
    const runner = await RaceRunner.open(target, queries, explorer);
    lifecycle.hold('race connections', () => runner.close());
    return {
      run: (job) => runRaceJob(runner, job, variants),
      close: async () => {
        await lifecycle.close();
      },
    };
  } catch (error) {
    await lifecycle.close();
    throw error;
  }
});
