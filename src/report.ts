import { writeFile } from 'node:fs/promises';
import { SetupError } from './errors.js';
import type { ServerSource } from './postgres/server.js';

/** The commands that write a --json report. */
export type ReportCommand = 'check' | 'sequential' | 'race' | 'mutate' | 'merge';

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
 * The --json report. Its shape is part of the CLI contract, the same for every command: `version`
 * changes when a field changes meaning.
 */
export interface JsonReport {
  readonly version: 1;
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

export async function writeJsonReport(file: string, report: JsonReport): Promise<void> {
  try {
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    throw new SetupError(`cannot write the JSON report to ${file}: ${(error as Error).message}`, 'pass a --json path in a writable directory');
  }
}

/**
 * The report of one run, filled in as the run learns what every report carries (the server, the
 * input), written once at its end: the command's result, or — when SIGINT/SIGTERM stopped it — the
 * report of an interrupted run, and then nothing the interrupted work still produces.
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
    /** The --json file, or undefined: then nothing is written. */
    readonly file: string | undefined,
  ) {}

  /** Milliseconds since the run started. */
  get durationMs(): number {
    return Math.round(performance.now() - this.#started);
  }

  /** Writes the run's result, unless the run was interrupted. `stats` holds the command's own sections. */
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
    await this.#write({ ...head, interrupted: false }, stats);
  }

  /** At SIGINT/SIGTERM: from now on `finish` writes nothing. */
  stop(): void {
    this.#stopped = true;
  }

  /** The report of an interrupted run: `"interrupted": true`, not ok, no findings; what `partial` holds. */
  async writeInterrupted(): Promise<void> {
    this.stop();
    await this.#write({ ok: false, interrupted: true, findings: [], knownFindings: [], ...this.partial }, {});
  }

  async #write(head: Omit<JsonReport, 'version' | 'stats'>, stats: Readonly<Record<string, unknown>>): Promise<void> {
    if (this.file === undefined) return;
    const base = { command: this.command, server: this.server, queries: this.input?.queries ?? null, migrations: this.input?.migrations ?? null };
    const { ok, interrupted, findings, knownFindings, ...mutation } = head;
    await writeJsonReport(this.file, { version: 1, ok, interrupted, findings, knownFindings, ...mutation, stats: { ...base, ...stats, durationMs: this.durationMs } });
  }
}

/**
 * A value as plain JSON for reports: real UUIDs and timestamps as their text, model times as
 * `t<tick>`, elapsed times as `ms(tA→tB)`; everything else as it is.
 */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) return String(value);
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, plain(member)]));
}
