import path from 'node:path';
import type { Lifecycle } from '../lifecycle.js';
import type { RunOptions } from '../options.js';
import { bundledMigrationsDir, bundledQueryFiles, internalQueryFiles } from '../paths.js';
import { readMigrations, type Migration } from '../postgres/migrate.js';
import { provisionServer } from '../postgres/server.js';
import { openTestbed, type Testbed } from '../postgres/testbed.js';
import { requiredQueries } from '../queries/required.js';
import { loadQueryFiles, QuerySet } from '../sqlc/loader.js';
import { checkOutputFiles, type OutputFile } from '../outputs.js';
import { progressMeter, progressShown, type ProgressMeter } from '../progress.js';
import { RunReport, type ReportCommand } from '../report/run-report.js';
import { shown, shownInCommand } from '../report/shown.js';
import { withLifecycle } from './session.js';

export { shown, shownInCommand };

/** The input of a run, read and checked before any server is started. */
export interface RunInput {
  /** The SQL under test and chatcheck's own queries, in one set: a user's file may not reuse their names. */
  readonly queries: QuerySet;
  /** Only the queries from the files under test (--queries, or the bundled ones). */
  readonly underTest: QuerySet;
  readonly migrations: readonly Migration[];
}

/** What a command body runs with, besides the testbed and its input. */
export interface RunContext {
  readonly lifecycle: Lifecycle;
  /** The run's report, with the server and the input filled in; the body makes every output of its result with `finish`. */
  readonly report: RunReport;
  /** Prints a line of the run's output — a summary line or a finding; nothing once SIGINT/SIGTERM interrupted the run. */
  readonly print: (line: string) => void;
  /** Prints a line that --quiet leaves out: what the run is doing, not what it found. */
  readonly detail: (line: string) => void;
  /** The live line of a long part of the run (see progressMeter): drawn only on a terminal, without --quiet. */
  readonly progress: (label: string, noun: string) => ProgressMeter;
}

/** Every destination a run's options name, as checkOutputFiles takes them. */
export function outputsOf(options: Pick<RunOptions, 'jsonFile' | 'junitFile' | 'saveDir' | 'reportDir'>): OutputFile[] {
  return [
    { option: '--json', file: options.jsonFile },
    { option: '--junit', file: options.junitFile },
    { option: '--save', file: options.saveDir, directory: true },
    { option: '--report', file: options.reportDir, directory: true },
  ];
}

/**
 * The setup every database command shares: check the input and the outputs (so a bad option, file
 * or destination fails before a server starts), then, inside a lifecycle, provision a server and
 * migrate a template. An interrupted run writes the report of an interrupted run (see RunReport).
 */
export async function withTestbed(
  command: ReportCommand,
  options: RunOptions,
  print: (line: string) => void,
  body: (testbed: Testbed, input: RunInput, run: RunContext) => Promise<number>,
): Promise<number> {
  await checkOutputFiles(outputsOf(options));
  // The report prints the paths it writes: never once the run is stopped (see RunReport).
  const report = new RunReport(command, { json: options.jsonFile, junit: options.junitFile, save: options.saveDir, report: options.reportDir }, print);
  return withLifecycle(
    async (lifecycle) => {
      const say = (line: string) => {
        if (lifecycle.interruptedBy === undefined) print(line);
      };
      const detail = (line: string) => {
        if (!options.quiet) say(line);
      };
      const live = progressShown(options.quiet);
      const progress = (label: string, noun: string) => progressMeter(label, noun, { live, stopped: () => lifecycle.interruptedBy !== undefined });
      const queries = await loadQueryFiles([...options.queryFiles, ...internalQueryFiles], requiredQueries);
      const underTest = new QuerySet(queries.all.filter((query) => options.queryFiles.includes(query.file)));
      const migrations = await readMigrations(options.sqlcConfig === undefined ? options.schemaPaths[0]! : options.schemaPaths);
      report.input = { queries: underTest.all.length, migrations: migrations.length };
      detail(`queries: ${underTest.all.length} from ${options.sqlcConfig === undefined ? options.queryFiles.map(shown).join(', ') : `${shown(options.sqlcConfig)} (${namesAbbreviated(options.queryFiles.map((file) => path.relative(path.dirname(options.sqlcConfig!), file)), 'file')})`}`);
      const server = await provisionServer(lifecycle, options.databaseUrl);
      report.server = { source: server.source, version: null };
      detail(server.description);
      const testbed = await openTestbed(lifecycle, { server, migrationsDir: options.schemaPaths.map(shown).join(', '), migrations, report: detail });
      report.server = { source: server.source, version: await testbed.databases.serverVersion() };
      return body(testbed, { queries, underTest, migrations }, { lifecycle, report, print: say, detail, progress });
    },
    { stop: () => report.stop(), afterRelease: () => report.writeInterrupted() },
  );
}

/** `3 files: a, b and c`, or past `most` names, `412 queries: A, B, C, D, E and 407 more`. */
export function namesAbbreviated(names: readonly string[], noun: string, plural = `${noun}s`, most = 5): string {
  const shownNames = names.length > most ? [...names.slice(0, most), `${names.length - most} more`] : names;
  const list = shownNames.length > 1 ? `${shownNames.slice(0, -1).join(', ')} and ${shownNames.at(-1)}` : shownNames.join('');
  return `${names.length} ${names.length === 1 ? noun : plural}: ${list}`;
}

/** The options that name what is under test, for a replay line: --sqlc, or the query files (when `withBundled` or not the bundled ones) and the migrations (when not the bundled ones); paths as shownInCommand prints them. */
export function inputArguments(options: RunOptions, withBundled: boolean): string {
  if (options.sqlcConfig !== undefined) return ` --sqlc ${shownInCommand(options.sqlcConfig)}`;
  const bundled = options.queryFiles.length === bundledQueryFiles.length && options.queryFiles.every((file, i) => file === bundledQueryFiles[i]);
  const queries = bundled && !withBundled ? '' : options.queryFiles.map((file) => ` --queries ${shownInCommand(file)}`).join('');
  const migrations = options.schemaPaths.length === 1 && options.schemaPaths[0] === bundledMigrationsDir ? '' : options.schemaPaths.map((dir) => ` --migrations ${shownInCommand(dir)}`).join('');
  return `${queries}${migrations}`;
}
