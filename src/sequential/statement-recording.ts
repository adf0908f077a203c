import { SqlError } from '../../model/errors.js';
import type { Step, StepResult } from '../../model/program.js';
import type { Value } from '../../model/values.js';
import { runQuery } from '../postgres/run-query.js';
import { RealId, RealInstant } from '../sql/real-values.js';
import type { QuerySet } from '../sqlc/loader.js';
import type { RealConnection } from './connection.js';
import { STATE_QUERIES } from './world.js';

/**
 * The sequential property's PostgreSQL work, recorded once and replayed alone: the bench's floor
 * (npm run bench). The replay is what any tester of this workload must at least do — the same
 * statements, the same runs, the same start restored between them — with no model, no argument
 * resolution, no lockstep, no comparison and no table reads.
 *
 * Why a recording and not a PostgreSQL-only resolver of the generated arguments: a resolver would
 * have to rebuild what the model knows to turn `columnOf` (a column of a row as it is now) and
 * `fresh` (the model's id counter, burnt ids included) into values — a second model, and any gap
 * in it makes other statements. The recording is, by construction, the statements the property's
 * PostgreSQL side performed: every step PostgresDatabase.perform ran (its observeSteps hook; query
 * name and bound arguments, BEGIN/COMMIT/ROLLBACK, in order), with the answer PostgreSQL gave, and
 * where each run began — the first run's ResetState (its world is then built by the bootstrap
 * commands, whose steps are recorded like any others) and every later run's one-round-trip restore
 * (start.ts), seen on the connection as it was sent.
 *
 * What cannot be replayed verbatim: ids and times PostgreSQL makes during a run (gen_random_uuid(),
 * now()) come out different on the replay. The replay learns them as the correspondence does
 * (src/compare/correspondence.ts), from the rows PostgreSQL returns, in the order they come:
 * each recorded answer is paired with the replay's answer to the same statement — a `:one` row
 * column by column (every insert here is `:one … RETURNING *`, so every new id is learned where
 * it is created), a `:many` list row by row (by its id where known, else by position) — and every
 * later argument is mapped through what was learned. The start's rows are restored with their
 * recorded ids and times, so an id or time not learned (the start's, the fixed unknown UUIDs)
 * stands for itself; what was learned is forgotten at each restore. The replay counts answers whose
 * shape (error code, row or no row, row count) differs from the recording's: 0 says it did the
 * same work.
 *
 * The restore is replayed without the table reads the property appends to it for the comparison.
 */
export class StatementRecording {
  private constructor(readonly entries: readonly RecordedEntry[]) {}

  /**
   * Runs `property` (a runSequential call on `connection`) and records what its PostgreSQL side
   * did; returns the recording and the property's result. Nothing is recorded before or after.
   */
  static async record<T>(connection: RealConnection, stateQueries: QuerySet, property: () => Promise<T>): Promise<{ recording: StatementRecording; result: T }> {
    const entries: RecordedEntry[] = [];
    const resetSql = stateQueries.get('ResetState').sql;
    const restorePrefix = `${stateQueries.get('ResetScans').sql};\n${resetSql};\n`;
    // The reads start.ts appends to its restore (fingerprints, then every table): comparison, not workload.
    const readsSuffix = `;\n${['StateFingerprints', ...STATE_QUERIES.map(([, name]) => name)].map((name) => stateQueries.get(name).sql).join(';\n')}`;
    const client = connection.client as unknown as { query: (...args: unknown[]) => unknown };
    const ownQuery = Object.getOwnPropertyDescriptor(client, 'query');
    const query = client.query;
    // The restore and the first run's reset go to the client directly, not through PostgresDatabase.
    client.query = function (this: unknown, ...args: unknown[]): unknown {
      const [first] = args;
      const text = typeof first === 'string' ? first : typeof first === 'object' && first !== null ? (first as { text?: unknown }).text : undefined;
      if (text === resetSql) entries.push({ kind: 'reset' });
      else if (typeof text === 'string' && text.startsWith(restorePrefix)) {
        if (!text.endsWith(readsSuffix)) throw new Error('statement recording: the start restore no longer ends with the table reads it expects (see start.ts)');
        entries.push({ kind: 'restore', sql: text.slice(0, -readsSuffix.length) });
      }
      return query.apply(connection.client, args);
    };
    connection.database.observeSteps((step, outcome) => entries.push({ kind: 'step', step, outcome }));
    try {
      const result = await property();
      return { recording: new StatementRecording(entries), result };
    } finally {
      connection.database.observeSteps(undefined);
      if (ownQuery === undefined) delete (client as { query?: unknown }).query;
      else Object.defineProperty(client, 'query', ownQuery);
    }
  }

  /** Statements sent to the server: queries and transaction boundaries (elapsedMs is computed locally). */
  get statements(): number {
    return this.entries.filter((entry) => entry.kind === 'step' && entry.step.op !== 'elapsedMs').length;
  }

  /** Runs begun: the first by ResetState (then built by its bootstrap commands), the others by a restore. */
  get runs(): number {
    return this.entries.filter((entry) => entry.kind !== 'step').length;
  }

  /**
   * Replays the recording on `connection` (its own database, migrated like the recorded one):
   * each run's reset or restore, then its steps through PostgresDatabase.perform with ids and
   * times mapped to the replay's. Returns how many answers differed in shape from the recording's.
   */
  async replay(connection: RealConnection, stateQueries: QuerySet): Promise<{ statements: number; differing: number }> {
    const { client, database, values } = connection;
    const resetState = stateQueries.get('ResetState');
    const learned = new Learned(values);
    let statements = 0;
    let differing = 0;
    for (const entry of this.entries) {
      if (entry.kind === 'step') {
        let outcome: StepResult | SqlError;
        try {
          outcome = await database.perform(learned.step(entry.step));
        } catch (error) {
          if (!(error instanceof SqlError)) throw error;
          outcome = error;
        }
        if (entry.step.op !== 'elapsedMs') statements++;
        if (shape(outcome) !== shape(entry.outcome)) differing++;
        learned.answer(entry.outcome, outcome);
        continue;
      }
      await database.abandon();
      if (entry.kind === 'reset') await runQuery(client, resetState, []);
      else await client.query(entry.sql);
      learned.forget();
    }
    await database.abandon();
    return { statements, differing };
  }
}

type RecordedEntry =
  | { readonly kind: 'step'; readonly step: Step; readonly outcome: StepResult | SqlError }
  /** The first run's ResetState, before its bootstrap commands build the start. */
  | { readonly kind: 'reset' }
  /** A later run's restore of the start: ResetScans, ResetState and the saved rows, as one simple query. */
  | { readonly kind: 'restore'; readonly sql: string };

/** What the replay has learned of the recording's ids and times: recorded text → the replay's value. */
class Learned {
  readonly #ids = new Map<string, RealId>();
  readonly #instants = new Map<string, RealInstant>();

  constructor(readonly values: RealConnection['values']) {}

  /** A restore puts the recorded start back, ids and times as they were: nothing learned holds any more. */
  forget(): void {
    this.#ids.clear();
    this.#instants.clear();
  }

  /** The recorded step with its ids and times mapped to the replay's. */
  step(step: Step): Step {
    switch (step.op) {
      case 'query': {
        const args: Record<string, Value> = {};
        for (const name in step.args) args[name] = this.#map(step.args[name]) as Value;
        return { op: 'query', name: step.name, args };
      }
      case 'elapsedMs':
        return { op: 'elapsedMs', from: this.#map(step.from) as Value, to: this.#map(step.to) as Value };
      default:
        return step;
    }
  }

  #map(value: unknown): unknown {
    if (value instanceof RealId) return this.#ids.get(value.uuid) ?? this.values.id(value.uuid);
    if (value instanceof RealInstant) return this.#instants.get(value.text) ?? value;
    if (Array.isArray(value)) return value.map((item) => this.#map(item));
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      const mapped: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) mapped[key] = this.#map(item);
      return mapped;
    }
    return value;
  }

  /** Learns from the replay's answer to a statement what the recorded answer's ids and times are now. */
  answer(recorded: StepResult | SqlError, replayed: StepResult | SqlError): void {
    if (recorded instanceof SqlError || replayed instanceof SqlError) return;
    if (recorded.kind === 'one' && replayed.kind === 'one') {
      if (recorded.row !== null && replayed.row !== null) this.#row(recorded.row, replayed.row);
    } else if (recorded.kind === 'many' && replayed.kind === 'many') {
      this.#rows(recorded.rows, replayed.rows);
    }
  }

  /** Rows paired by id where the recorded row's id maps to one the replay returned, the rest by position. */
  #rows(recorded: readonly Readonly<Record<string, unknown>>[], replayed: readonly Readonly<Record<string, unknown>>[]): void {
    const unpaired = new Set(replayed.keys());
    const byId = new Map<string, number>();
    replayed.forEach((row, i) => {
      const id = row['id'];
      if (id instanceof RealId) byId.set(id.uuid, i);
    });
    const rest: number[] = [];
    recorded.forEach((row, i) => {
      const id = row['id'];
      const target = id instanceof RealId ? byId.get((this.#ids.get(id.uuid) ?? id).uuid) : undefined;
      if (target !== undefined && unpaired.has(target)) {
        unpaired.delete(target);
        this.#row(row, replayed[target]!);
      } else rest.push(i);
    });
    // By position only when the lists agree in length: otherwise nothing says which is which.
    if (recorded.length !== replayed.length) return;
    const others = [...unpaired];
    rest.forEach((r, k) => this.#row(recorded[r]!, replayed[others[k]!]!));
  }

  #row(recorded: Readonly<Record<string, unknown>>, replayed: Readonly<Record<string, unknown>>): void {
    for (const key in recorded) this.#value(recorded[key], replayed[key]);
  }

  #value(recorded: unknown, replayed: unknown): void {
    if (recorded instanceof RealId) {
      if (replayed instanceof RealId && !this.#ids.has(recorded.uuid)) this.#ids.set(recorded.uuid, replayed);
    } else if (recorded instanceof RealInstant) {
      if (replayed instanceof RealInstant && !this.#instants.has(recorded.text)) this.#instants.set(recorded.text, replayed);
    } else if (Array.isArray(recorded) && Array.isArray(replayed) && recorded.length === replayed.length) {
      recorded.forEach((item, i) => this.#value(item, replayed[i]));
    }
  }
}

/** An answer's shape: what a replay of the same statement on the same rows must give again. */
function shape(outcome: StepResult | SqlError): string {
  if (outcome instanceof SqlError) return `SQLSTATE ${outcome.code}`;
  switch (outcome.kind) {
    case 'one':
      return outcome.row === null ? 'no row' : 'row';
    case 'many':
      return `${outcome.rows.length} rows`;
    case 'exec':
      return `exec ${outcome.affected ?? ''}`;
    default:
      return outcome.kind;
  }
}
