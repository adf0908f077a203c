import { SetupError } from '../errors.js';
import { EXIT_CONFORMS, EXIT_FINDING } from '../exit-codes.js';
import type { Lifecycle } from '../lifecycle.js';
import { inShard, splitReplayPath, type RunOptions } from '../options.js';
import { runJobs } from '../parallel/run-jobs.js';
import { workerDatabaseSetting, workerRole } from '../parallel/worker-database.js';
import type { Testbed } from '../postgres/testbed.js';
import type { ProgressMeter } from '../progress.js';
import { caseJson, sequentialCase } from '../cases/build-case.js';
import { caseInputs } from '../cases/case-inputs.js';
import { sequentialFindingLines } from '../report/finding-lines.js';
import { plain } from '../report/plain.js';
import { combineChunks, combinedProgress, runChunk, sequentialChunks, type Chunk, type ChunkProgress, type ChunkShape, type ChunkWorkerInput } from '../sequential/chunks.js';
import { openRealConnection, type RealConnection } from '../sequential/connection.js';
import { runSequential, type SequentialFinding, type SequentialPhase, type SequentialReport } from '../sequential/property.js';
import type { QuerySet } from '../sqlc/loader.js';
import { inputArguments, withTestbed } from './setup.js';

export const DEFAULT_RUNS = 200;
export const DEFAULT_MAX_COMMANDS = 50;

/**
 * Runs the sequential property, each worker on a fresh copy of the migrated schema. The runs are
 * cut into fixed chunks (see sequentialChunks) — with --shard, this machine's part of them — run on
 * the workers; the lowest failing chunk decides the finding, so the result does not depend on the
 * number of workers. A replay (--path) is one runSequential call of its seed, as printed.
 */
export async function sequentialOn(
  testbed: Testbed,
  lifecycle: Lifecycle,
  queries: QuerySet,
  options: RunOptions,
  onProgress?: (runsDone: number, commands: number, phase: SequentialPhase) => void,
): Promise<SequentialReport> {
  let here: RealConnection | undefined;
  /** The connection of a run on one worker (or of a replay), to the copy every worker 1 names "sequential". */
  const connectHere = async (): Promise<RealConnection> => {
    if (here === undefined) {
      const connection = await openRealConnection(await testbed.copy(workerRole('sequential', 1)), queries);
      lifecycle.hold('sequential connection', () => connection.client.end());
      here = connection;
    }
    return here;
  };
  const runs = options.runs ?? DEFAULT_RUNS;
  const shape: ChunkShape = { maxCommands: options.maxCommands ?? DEFAULT_MAX_COMMANDS, stateEvery: options.stateEvery, turns: options.turns, shorterSearchRuns: runs };
  if (options.path !== undefined) {
    return runSequential(await connectHere(), queries, { runs, seed: options.seed, ...splitReplayPath(options.path), ...shape, onProgress });
  }

  const started = performance.now();
  const seed = options.seed ?? Date.now() ^ (Math.random() * 0x100000000);
  // Databases the worker threads had not dropped when the run ended (Ctrl-C): the run drops them with its own.
  lifecycle.hold('sequential worker databases', () => testbed.databases.adoptRunRemnants());
  let failing = Infinity;
  const reports = await runJobs<Chunk, SequentialReport, ChunkProgress>({
    jobs: inShard(sequentialChunks(runs, seed), options.shard),
    workers: options.workers,
    lifecycle,
    label: 'sequential workers',
    here: async (chunk, progress) => runChunk(await connectHere(), queries, shape, chunk, progress),
    threads: {
      module: new URL('../sequential/chunk-worker.js', import.meta.url),
      input: { database: workerDatabaseSetting(testbed, options.queryFiles), shape } satisfies ChunkWorkerInput,
    },
    // Once a chunk failed, no later one can change the finding: they need not start, and once every
    // chunk before it has ended, those still running are abandoned.
    skip: (index) => index > failing,
    onDone: (index, report) => {
      if (report.finding !== undefined) failing = Math.min(failing, index);
    },
    enough: (reports) => failing < Infinity && reports.slice(0, failing).every((report) => report !== undefined),
    ...(onProgress ? { onProgress: combinedProgress(onProgress) } : {}),
  });
  return combineChunks(reports, seed, performance.now() - started);
}

/**
 * What the live line says of the sequential property: `sequential: 37/200 runs, 912 commands, about
 * 42s left`; after a failing run `sequential: run 91/200 failed, shrinking (12 tries), 2400
 * commands`, then `…, looking for a shorter case (40 tries), …`.
 */
export function sequentialProgress(meter: ProgressMeter, runs: number): (runsDone: number, commands: number, phase: SequentialPhase) => void {
  let failedRun: number | undefined;
  return (runsDone, commands, phase) => {
    if (phase !== 'running') failedRun ??= runsDone;
    if (failedRun === undefined) return meter.update(runsDone, runs, `${commands} commands`);
    const activity = phase === 'searching' ? 'looking for a shorter case' : 'shrinking';
    meter.status(`run ${failedRun}/${runs} failed, ${activity} (${runsDone - failedRun} tries), ${commands} commands`);
  };
}

/** sequentialOn with its live line, erased before the summary is printed. Counts this shard's runs (a replay: its one run). */
export async function sequentialWithProgress(testbed: Testbed, lifecycle: Lifecycle, queries: QuerySet, options: RunOptions, meter: ProgressMeter): Promise<SequentialReport> {
  const runs = options.path !== undefined ? 1 : inShard(sequentialChunks(options.runs ?? DEFAULT_RUNS, 0), options.shard).reduce((sum, chunk) => sum + chunk.runs, 0);
  try {
    return await sequentialOn(testbed, lifecycle, queries, options, sequentialProgress(meter, runs));
  } finally {
    meter.clear();
  }
}

/** `chatcheck sequential`: random command sequences, model vs PostgreSQL, shrunk and replayable. */
export async function runSequentialCommand(options: RunOptions, print: (line: string) => void = console.log): Promise<number> {
  checkReplayOptions(options);
  return withTestbed('sequential', options, print, async (testbed, { queries }, { lifecycle, report: json, print: say, progress }) => {
    const report = await sequentialWithProgress(testbed, lifecycle, queries, options, progress('sequential', 'runs'));
    for (const line of describeSequential(report, options)) say(line);
    await json.finish({ ok: report.finding === undefined, findings: report.finding ? [findingJson(report.finding, options)] : [], knownFindings: [], stats: { sequential: sequentialStats(report) } });
    return report.finding ? EXIT_FINDING : EXIT_CONFORMS;
  });
}

/** `--path` replays one case of one seed: without the seed it means nothing. Checked before any server starts. */
export function checkReplayOptions(options: RunOptions): void {
  if (options.path !== undefined && options.seed === undefined) {
    throw new SetupError('--path needs the --seed it was printed with', 'copy the whole replay line the finding printed (npx chatcheck sequential --seed S --path P …)');
  }
}

export function sequentialStats(report: SequentialReport): Record<string, unknown> {
  return {
    runs: report.runs,
    executions: report.executions,
    commands: report.commands,
    commandsPerSecond: report.durationMs > 0 ? Math.round((report.commands / report.durationMs) * 1000) : null,
    durationMs: report.durationMs,
    seed: report.seed,
    coverage: Object.fromEntries([...report.coverage].sort(([a], [b]) => a.localeCompare(b))),
  };
}

export function findingJson(finding: SequentialFinding, options: RunOptions): Record<string, unknown> {
  const { replay, steps: _steps, ...rest } = finding;
  // The case file (--save, chatcheck replay): the commands as data, independent of fast-check.
  const caseFile = sequentialCase(finding, options.stateEvery ?? 1, caseInputs(options));
  return plain({ mode: 'sequential', ...rest, seed: replay.seed, path: replay.path, replayPath: replay.replayPath ?? null, caseHash: replay.caseHash, maxCommands: replay.maxCommands, turns: replay.turns, replay: replayCommand(finding, options), case: caseFile === undefined ? null : caseJson(caseFile) }) as Record<string, unknown>;
}

/**
 * The command that replays a finding: its seed and path, and every option that shapes what is
 * generated or when tables are compared (the defaults left out), with the same query files.
 */
function replayCommand(finding: SequentialFinding, options: RunOptions): string {
  const { replayPath, caseHash } = finding.replay;
  const path = `${finding.replay.path}${replayPath ? `@${replayPath}` : ''}${caseHash ? `.${caseHash}` : ''}`;
  const shape = [
    finding.replay.maxCommands !== DEFAULT_MAX_COMMANDS ? ` --max-commands ${finding.replay.maxCommands}` : '',
    options.stateEvery !== undefined && options.stateEvery !== 1 ? ` --state-every ${options.stateEvery}` : '',
    finding.replay.turns ? '' : ' --no-turns',
  ].join('');
  return `npx chatcheck sequential --seed ${finding.replay.seed} --path ${path}${shape}${inputArguments(options, true)}`;
}

/** The human report: a summary line, or the shrunk counterexample with how to replay it. */
export function describeSequential(report: SequentialReport, options: RunOptions): string[] {
  const perSecond = report.durationMs > 0 ? Math.round((report.commands / report.durationMs) * 1000) : 0;
  const finding = report.finding;
  const executions = report.executions > report.runs ? ` (then ${report.executions - report.runs} more executions shrinking and looking for a shorter case)` : '';
  const summary = `sequential: ${report.runs} run${report.runs === 1 ? '' : 's'}${executions}, ${report.commands} commands (${perSecond}/s), seed ${report.seed}`;
  if (!finding) return [`${summary}: no divergence`];
  const elsewhere = finding.replay.seed === report.seed ? '' : `, the shortest found with seed ${finding.replay.seed}`;
  const lines = [`${summary}: ${finding.kind} after ${finding.commands.length} command(s)${elsewhere}, shrunk:`];
  lines.push(...sequentialFindingLines(finding).map((line) => `  ${line}`));
  lines.push(`replay: ${replayCommand(finding, options)}`);
  return lines;
}
