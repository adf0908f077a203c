import { mkdir, writeFile } from 'node:fs/promises';
import { saveCases } from '../cases/save-cases.js';
import { SetupError } from '../errors.js';
import type { ServerSource } from '../postgres/server.js';
import { junitXml } from './junit.js';
import { writeRacePages } from './race-pages.js';
import { shown } from './shown.js';

/** The commands that write reports. */
export type ReportCommand = 'check' | 'sequential' | 'race' | 'mutate' | 'merge' | 'replay';

/** Which server a run used: how it was found, and its version once connected (null before). */
export interface ServerStats {
  readonly source: ServerSource;
  readonly version: string | null;
}

/** What every report's stats hold, whatever the command; each command adds its own sections. */
export interface ReportStats extends Readonly<Record<string, unknown>> {
  readonly command: ReportCommand;
  /** null when the run ended before a server was found. */
  readonly server: ServerStats | null;
  /** Queries under test and migrations, once read (null before). */
  readonly queries: number | null;
  readonly migrations: number | null;
  readonly durationMs: number;
}

/**
 * The --json report's version. It changes when a field changes meaning (a field added is not a
 * change). 2, from 1: `stats.sequential.coverage` counts a query only when it returned or changed
 * a row (1 counted every call); findings carry `case` (the case file --save writes); every race of
 * `stats.race.races` has its `durationMs`. merge refuses a report of another version.
 */
export const REPORT_VERSION = 2;

/**
 * The report of a run: one object, whatever the command, from which every output is made — --json
 * writes it as it is, --junit as JUnit XML, --save its findings' cases, --report its race pages.
 */
export interface JsonReport {
  readonly version: typeof REPORT_VERSION;
  readonly ok: boolean;
  /** SIGINT or SIGTERM ended the run before its result: ok is false and there are no findings. */
  readonly interrupted: boolean;
  readonly findings: readonly unknown[];
  readonly knownFindings: readonly unknown[];
  /** mutate and merge: the percent of counted mutants killed, and every mutant's result. */
  readonly score?: number | null;
  readonly mutants?: readonly unknown[];
  readonly stats: ReportStats;
}

/** Where a run's outputs go (absolute paths); an output not given is not made. */
export interface ReportOutputs {
  /** --json FILE: the report as JSON. */
  readonly json?: string | undefined;
  /** --junit FILE: the report as JUnit XML. */
  readonly junit?: string | undefined;
  /** --save DIR: a case file per finding. */
  readonly save?: string | undefined;
  /** --report DIR: an HTML page per race finding, and an index. */
  readonly report?: string | undefined;
}

/**
 * The report of one run, filled in as the run learns what every report carries (the server, the
 * input), written once at its end: the command's result, or — when SIGINT/SIGTERM stopped it — the
 * report of an interrupted run, and then nothing the interrupted work still produces. Every output
 * is made here, from one JsonReport, and the paths written into a directory are printed here: one
 * line each (`saved case: DIR/….json`, `race page: DIR/….html`).
 */
export class RunReport {
  server: ServerStats | null = null;
  input: { readonly queries: number; readonly migrations: number } | null = null;
  /**
   * What a run has learned so far that stays true if it is stopped (mutate: the mutants finished):
   * the report of an interrupted run keeps it.
   */
  partial: { readonly score?: number | null; readonly mutants?: readonly unknown[] } = {};
  readonly #started = performance.now();
  #stopped = false;

  constructor(
    readonly command: ReportCommand,
    readonly outputs: ReportOutputs,
    /** Prints a line of the run's output (the paths written). */
    readonly print: (line: string) => void = () => {},
  ) {}

  /** Milliseconds since the run started. */
  get durationMs(): number {
    return Math.round(performance.now() - this.#started);
  }

  /**
   * Makes every output of the run's result, unless the run was interrupted: the case files first,
   * so the JUnit failures can name them. `stats` holds the command's own sections.
   */
  async finish(result: {
    ok: boolean;
    findings: readonly unknown[];
    knownFindings: readonly unknown[];
    score?: number | null;
    mutants?: readonly unknown[];
    stats: Readonly<Record<string, unknown>>;
  }): Promise<void> {
    if (this.#stopped) return;
    const { stats, ...head } = result;
    const report = this.#report({ ...head, interrupted: false }, stats);
    const caseFiles = await this.#saveCases(report.findings);
    await this.#writeRacePages(report);
    await this.#writeFiles(report, caseFiles);
  }

  /** At SIGINT/SIGTERM: from now on `finish` writes nothing. */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * The report of an interrupted run — `"interrupted": true`, not ok, no findings; what `partial`
   * holds — to --json and --junit. No case files and no race pages: there are no findings.
   */
  async writeInterrupted(): Promise<void> {
    this.stop();
    await this.#writeFiles(this.#report({ ok: false, interrupted: true, findings: [], knownFindings: [], ...this.partial }, {}), new Map());
  }

  #report(head: Omit<JsonReport, 'version' | 'stats'>, stats: Readonly<Record<string, unknown>>): JsonReport {
    const base = { command: this.command, server: this.server, queries: this.input?.queries ?? null, migrations: this.input?.migrations ?? null };
    const { ok, interrupted, findings, knownFindings, ...mutation } = head;
    return { version: REPORT_VERSION, ok, interrupted, findings, knownFindings, ...mutation, stats: { ...base, ...stats, durationMs: this.durationMs } };
  }

  #say(line: string): void {
    if (!this.#stopped) this.print(line);
  }

  /**
   * --save: every finding's case, one file each. saveCases returns the paths of the findings that
   * have a case (an object), in their order: each is matched to its finding for the JUnit replay line.
   */
  async #saveCases(findings: readonly unknown[]): Promise<ReadonlyMap<unknown, string>> {
    const dir = this.outputs.save;
    if (dir === undefined) return new Map();
    const paths = await inDirectory('--save', dir, () => saveCases(dir, findings));
    for (const file of paths) this.#say(`saved case: ${shown(file)}`);
    const withCase = findings.filter((finding) => {
      const caseFile = (finding as { case?: unknown }).case;
      return caseFile !== null && typeof caseFile === 'object';
    });
    return new Map(paths.length === withCase.length ? withCase.map((finding, i) => [finding, paths[i]!]) : []);
  }

  async #writeRacePages(report: JsonReport): Promise<void> {
    const dir = this.outputs.report;
    if (dir === undefined) return;
    const paths = await inDirectory('--report', dir, () => writeRacePages(dir, report));
    for (const file of paths) this.#say(`race page: ${shown(file)}`);
  }

  async #writeFiles(report: JsonReport, caseFiles: ReadonlyMap<unknown, string>): Promise<void> {
    if (this.outputs.json !== undefined) await writeOutput('--json', this.outputs.json, `${JSON.stringify(report, null, 2)}\n`);
    if (this.outputs.junit !== undefined) await writeOutput('--junit', this.outputs.junit, junitXml(report, caseFiles));
  }
}

async function writeOutput(option: string, file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (error) {
    throw new SetupError(`cannot write the ${option} report to ${file}: ${(error as Error).message}`, `pass a ${option} path in a writable directory`);
  }
}

/**
 * Creates the --save or --report directory if it is not there (checkOutputFiles saw its parent),
 * then writes into it. A file-system error is the destination's fault (exit 2); anything else is a
 * bug and stays one.
 */
async function inDirectory(option: string, dir: string, write: () => Promise<string[]>): Promise<string[]> {
  try {
    await mkdir(dir, { recursive: true });
    return await write();
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
    throw new SetupError(`cannot write into the ${option} directory ${dir}: ${(error as Error).message}`, `pass a ${option} directory you can write in`);
  }
}
