/**
 * A sequential worker thread: its own connection to its own copy of the run's template, running
 * each chunk of the sequential property it is sent.
 */
import { Lifecycle } from '../lifecycle.js';
import { serveJobs } from '../parallel/serve-jobs.js';
import { openWorkerDatabase, workerRole } from '../parallel/worker-database.js';
import { runChunk, type Chunk, type ChunkProgress, type ChunkWorkerInput } from './chunks.js';
import { openRealConnection } from './connection.js';
import type { SequentialReport } from './property.js';

serveJobs<ChunkWorkerInput, Chunk, SequentialReport, ChunkProgress>(async ({ database, shape }, worker) => {
  const lifecycle = new Lifecycle();
  try {
    const { target, queries } = await openWorkerDatabase(database, workerRole('sequential', worker), lifecycle);
    const connection = await openRealConnection(target, queries);
    lifecycle.hold('sequential connection', () => connection.client.end());
    return {
      run: (chunk, progress) => runChunk(connection, queries, shape, chunk, progress),
      close: async () => {
        await lifecycle.close();
      },
    };
  } catch (error) {
    await lifecycle.close();
    throw error;
  }
});
