import { SCHEDULE_TIMEOUT_MS } from '../commands/race.js';
import { SetupError } from '../errors.js';
import type { Testbed } from '../postgres/testbed.js';
import { RaceRunner, type PreparedRace, type RaceResult } from '../race/race-runner.js';
import { racingWorkflows, type RacingWorkflow } from '../race/race-workflows.js';
import { chooseLetters, ScheduleMismatch } from '../race/schedule.js';
import { STATE_QUERIES } from '../sequential/world.js';
import { RealId, RealInstant } from '../sql/real-values.js';
import type { NamedQuery, QuerySet } from '../sqlc/loader.js';
import type { RaceCase } from './case-file.js';

/** One statement a session sent, in the order the sessions sent them, with what came back. */
export interface SentStatement {
  /** The session (0: A). */
  readonly session: number;
  /** The statement's text as sent: a query of the SQL under test with `$n`, or BEGIN, COMMIT, ROLLBACK. */
  readonly text: string;
  /** The query of the SQL under test it ran, when it was one. */
  readonly query?: NamedQuery;
  /** Its parameters' values as sent, and their types as the server inferred them (pg_prepared_statements). */
  readonly values: readonly unknown[];
  types: readonly string[];
  /** What came back, and when (a count over every session's answers: the order they arrived in). */
  result?: { readonly rows: readonly Readonly<Record<string, unknown>>[] } | { readonly sqlstate: string; readonly message: string };
  answeredAs?: number;
}

/** The case's schedule as it ran once on PostgreSQL, recorded at the wire. */
export interface IsolationRecording {
  readonly race: PreparedRace;
  readonly result: RaceResult;
  /** What puts the chat tables at the race's start: ResetState (every row deleted), then the start's rows inserted. */
  readonly setup: string;
  /** ResetState: deletes every row of the chat tables. */
  readonly reset: string;
  /** The uuid and timestamptz texts of the start's rows: what the setup writes as they are. */
  readonly startValues: ReadonlySet<string>;
  readonly statements: readonly SentStatement[];
}

/**
 * Runs the case's schedule once, on a fresh copy of the migrated schema, and records what each
 * session sent, in order: every statement as it went on the wire (its text, its values) — the
 * queries of the workflows, BEGIN/COMMIT/ROLLBACK, the explorer's own BEGIN and COMMIT around an
 * overlapped autocommit statement, and the ROLLBACKs with which it leaves a stopped schedule —
 * and what each answered. The explorer is the one `chatcheck race` runs; the recording only
 * watches its session connections (as statement-recording.ts watches the property's), so what it
 * writes down is what PostgreSQL was sent, not a reconstruction.
 */
export async function recordIsolation(testbed: Testbed, queries: QuerySet, raceCase: RaceCase): Promise<IsolationRecording> {
  const runner = await RaceRunner.open(await testbed.copy('export'), queries, { overlap: raceCase.overlap, timeoutMs: SCHEDULE_TIMEOUT_MS });
  try {
    return await recordSchedule(runner, queries, racingWorkflows(raceCase.pair, raceCase.variants), raceCase.schedule);
  } catch (error) {
    if (error instanceof ScheduleMismatch) {
      throw new SetupError(`the schedule ${raceCase.schedule} no longer fits race ${raceCase.pair.join(',')} (${error.message}): its statements changed`, 'record the case again with `chatcheck race … --save DIR` on these queries, then export that case');
    }
    throw error;
  } finally {
    await runner.close();
  }
}

/** As recordIsolation, on `runner` (its overlap as the case's), for `workflows` in `schedule`. */
export async function recordSchedule(runner: RaceRunner, queries: QuerySet, workflows: readonly RacingWorkflow[], schedule: string): Promise<IsolationRecording> {
  const race = await runner.prepare(workflows);
  const { restoreSql } = race.start;
  const prefix = `${queries.get('ResetScans').sql};\n`;
  const reads = `;\n${['StateFingerprints', ...STATE_QUERIES.map(([, name]) => name)].map((name) => queries.get(name).sql).join(';\n')}`;
  if (!restoreSql.startsWith(prefix) || !restoreSql.endsWith(reads)) throw new Error('race export: the start restore is no longer ResetScans, the rows, the table reads (see start.ts)');
  // The start's ids and times, read back as the explorer's connections parse them.
  const restored = (await runner.control.client.query(restoreSql)) as unknown as { rows: Record<string, unknown>[] }[];
  const startValues = new Set<string>();
  for (const { rows } of restored.slice(-STATE_QUERIES.length)) for (const row of rows) for (const value of Object.values(row)) collectText(value, startValues);

  const byText = new Map<string, NamedQuery>();
  for (const query of queries.all) if (!byText.has(query.sql)) byText.set(query.sql, query);
  const statements: SentStatement[] = [];
  let answers = 0;
  const restores: (() => void)[] = [];
  runner.explorer.sessions.forEach((session, index) => {
    const client = session.connection.client as unknown as { query: (...args: unknown[]) => unknown };
    const own = Object.getOwnPropertyDescriptor(client, 'query');
    const query = client.query;
    client.query = function (this: unknown, ...args: unknown[]): unknown {
      const [first] = args;
      const text = typeof first === 'string' ? first : (first as { text: string }).text;
      const values = typeof first === 'string' ? [] : ((first as { values?: unknown[] }).values ?? []);
      const named = byText.get(text);
      const entry: SentStatement = { session: index, text, values, types: [], ...(named === undefined ? {} : { query: named }) };
      statements.push(entry);
      const pending = query.apply(session.connection.client, args) as Promise<{ rows: Record<string, unknown>[] }>;
      pending.then(
        (result) => {
          entry.result = { rows: result.rows ?? [] };
          entry.answeredAs = answers++;
        },
        (error: unknown) => {
          const failure = error as { code?: unknown; message?: unknown };
          entry.result = { sqlstate: String(failure.code ?? 'unknown'), message: String(failure.message ?? error) };
          entry.answeredAs = answers++;
        },
      );
      return pending;
    };
    restores.push(() => {
      if (own === undefined) delete (client as { query?: unknown }).query;
      else Object.defineProperty(client, 'query', own);
    });
  });
  let result: RaceResult;
  try {
    result = await runner.run(race, chooseLetters(schedule));
  } finally {
    for (const restore of restores) restore();
  }
  // Each session's prepared statements: the parameter types the server inferred for each text.
  for (const session of runner.explorer.sessions) {
    const { rows } = await session.connection.client.query<{ statement: string; types: string[] }>('SELECT statement, parameter_types::text[] AS types FROM pg_prepared_statements');
    const types = new Map(rows.map((row) => [row.statement, row.types]));
    for (const entry of statements) if (entry.session === session.index && entry.query !== undefined) entry.types = types.get(entry.text) ?? [];
  }
  return {
    race,
    result,
    setup: restoreSql.slice(prefix.length, -reads.length),
    reset: queries.get('ResetState').sql,
    startValues,
    statements,
  };
}

/** The uuid or timestamptz text of a value as the explorer's connections parse it, if it is one. */
export function valueText(value: unknown): string | undefined {
  if (value instanceof RealId) return value.uuid;
  if (value instanceof RealInstant) return value.text;
  return undefined;
}

function collectText(value: unknown, into: Set<string>): void {
  const text = valueText(value);
  if (text !== undefined) into.add(text);
}
