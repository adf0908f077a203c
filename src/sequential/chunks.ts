import { derivedSeed } from '../parallel/derived-seed.js';
import type { WorkerDatabaseSetting } from '../parallel/worker-database.js';
import { plain } from '../report/plain.js';
import type { QuerySet } from '../sqlc/loader.js';
import type { RealConnection } from './connection.js';
import { runSequential, type SequentialFinding, type SequentialPhase, type SequentialReport } from './property.js';

/**
 * Runs of the sequential property per chunk. A run's budget (--runs) is cut into chunks of this
 * many (the last one shorter), whatever the number of workers or shards, so the chunks, their
 * seeds and what each finds are the same for any of them.
 */
export const CHUNK_RUNS = 25;

/** A part of a sequential run: one runSequential call of its own seed. */
export interface Chunk {
  /** Its place in the run: 0, 1, … */
  readonly index: number;
  readonly runs: number;
  readonly seed: number;
}

/** How every chunk of a run generates and compares: runSequential's options besides the runs and the seed. */
export interface ChunkShape {
  readonly maxCommands: number;
  readonly stateEvery: number | undefined;
  readonly turns: boolean | undefined;
  /** The whole run's --runs: after a finding, each search for a shorter case runs as many as the whole run would. */
  readonly shorterSearchRuns: number;
}

export interface ChunkProgress {
  readonly runsDone: number;
  readonly commands: number;
  readonly phase: SequentialPhase;
}

/** What a sequential worker thread is started with (see chunk-worker.ts). */
export interface ChunkWorkerInput {
  readonly database: WorkerDatabaseSetting;
  readonly shape: ChunkShape;
}

/**
 * The chunks of a run of `runs` runs. The first one's seed is the run's own, so a run of up to
 * CHUNK_RUNS runs is the one runSequential call it always was (and its replay line names the --seed
 * given); every later chunk's seed is derived from the run's seed and the chunk's index.
 */
export function sequentialChunks(runs: number, runSeed: number): Chunk[] {
  return Array.from({ length: Math.ceil(runs / CHUNK_RUNS) }, (_, index) => ({
    index,
    runs: Math.min(CHUNK_RUNS, runs - index * CHUNK_RUNS),
    seed: index === 0 ? runSeed : derivedSeed(runSeed, 'sequential', index),
  }));
}

/**
 * Runs one chunk. Its finding is returned as plain data (see plain()): what a chunk run in a worker
 * thread reports is then exactly what one run here reports.
 */
export async function runChunk(connection: RealConnection, queries: QuerySet, shape: ChunkShape, chunk: Chunk, onProgress?: (progress: ChunkProgress) => void): Promise<SequentialReport> {
  const report = await runSequential(connection, queries, {
    runs: chunk.runs,
    seed: chunk.seed,
    ...shape,
    onProgress: onProgress && ((runsDone, commands, phase) => onProgress({ runsDone, commands, phase })),
  });
  return report.finding === undefined ? report : { ...report, finding: plain(report.finding) as SequentialFinding };
}

/**
 * The run's report from its chunks' reports, in chunk order (undefined: the chunk did not run). The
 * lowest failing chunk decides: its finding, and the runs, commands and coverage of every chunk up
 * to it — or of all of them when none failed. A later chunk may or may not have run, depending on
 * the workers and their timing, so it never counts.
 */
export function combineChunks(reports: readonly (SequentialReport | undefined)[], runSeed: number, durationMs: number): SequentialReport {
  const failing = reports.findIndex((report) => report?.finding !== undefined);
  const counted = failing < 0 ? reports : reports.slice(0, failing + 1);
  if (counted.some((report) => report === undefined)) throw new Error('a sequential chunk before the first failing one did not run');
  const sum = (field: 'runs' | 'executions' | 'commands') => counted.reduce((total, report) => total + report![field], 0);
  const coverage = new Map<string, number>();
  for (const report of counted) for (const [key, count] of report!.coverage) coverage.set(key, (coverage.get(key) ?? 0) + count);
  const combined: SequentialReport = { runs: sum('runs'), executions: sum('executions'), commands: sum('commands'), durationMs: Math.round(durationMs), seed: runSeed, coverage };
  const finding = failing < 0 ? undefined : reports[failing]!.finding;
  return finding === undefined ? combined : { ...combined, finding };
}

const PHASES: readonly SequentialPhase[] = ['running', 'shrinking', 'searching'];

/**
 * The progress of a whole run from its chunks' progress, as runSequential reports its own: the runs
 * and commands of every chunk so far, and the furthest phase any chunk reached.
 */
export function combinedProgress(onProgress: (runsDone: number, commands: number, phase: SequentialPhase) => void): (chunk: number, progress: ChunkProgress) => void {
  const latest = new Map<number, ChunkProgress>();
  return (chunk, progress) => {
    latest.set(chunk, progress);
    let runsDone = 0;
    let commands = 0;
    let phase = 0;
    for (const each of latest.values()) {
      runsDone += each.runsDone;
      commands += each.commands;
      phase = Math.max(phase, PHASES.indexOf(each.phase));
    }
    onProgress(runsDone, commands, PHASES[phase]!);
  };
}
