/**
 * What every workflow shares: how a path id that is not a UUID is written, Go-style results for
 * statements (a value or an error message, with pgx's wording), HTTP outcomes, and small column
 * readers. Nothing here inspects an id or a timestamp: ids are compared with `===` only, times are
 * copied or handed to `elapsedMs`.
 */
import { SqlError } from '../errors.js';
import { begin, commit, exec, many, one, rollback, type Body, type Outcome, type Program } from '../program.js';
import type { Row, Value } from '../values.js';

/**
 * A path or body id that is not a UUID (`/api/chat/sessions/not-a-uuid`). Any other Value is taken
 * as a well-formed id — possibly of a row that does not exist. The handler rejects this one before
 * any statement runs, so it never reaches an interpreter.
 */
export const NOT_A_UUID = 'not-a-uuid';

/** An id from the path or the body: a model id, a real id, or NOT_A_UUID. */
export type PathId = Value;

export function isNotAUuid(id: PathId | undefined): boolean {
  return id === NOT_A_UUID;
}

/** The caller of a user-side route; the model takes "user_id is a member of workspace_id" as given. */
export interface Caller {
  readonly workspace_id: Value;
  readonly user_id: Value;
}

// ---------------------------------------------------------------------------------------------
// Outcomes

export function respond(status: number, body: Body): Outcome {
  return { status, body };
}

export function fail(status: number, message: string): Outcome {
  return { status, body: { error: message } };
}

export const noContent: Outcome = { status: 204, body: null };

/** A sub-program that either yields a value or has already decided the HTTP answer. */
export type Guarded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly outcome: Outcome };

export function pass<T>(value: T): Guarded<T> {
  return { ok: true, value };
}

export function stop<T>(outcome: Outcome): Guarded<T> {
  return { ok: false, outcome };
}

// ---------------------------------------------------------------------------------------------
// Go-style statement results

/** An error as the Go code sees it: its text, and whether errors.Is(err, pgx.ErrNoRows) holds. */
export interface GoError {
  readonly message: string;
  readonly noRows: boolean;
}

export type Go<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GoError };

/** pgx's text for "no row" on a :one query (pgx.ErrNoRows). */
export const NO_ROWS = 'no rows in result set';

/** How pgx formats a server error: `<severity>: <message> (SQLSTATE <code>)` (PgError.Error). */
export function pgxMessage(error: SqlError): string {
  return `ERROR: ${error.message} (SQLSTATE ${error.code})`;
}

export function ok<T>(value: T): Go<T> {
  return { ok: true, value };
}

export function err<T>(message: string, noRows = false): Go<T> {
  return { ok: false, error: { message, noRows } };
}

/** fmt.Errorf("<prefix>%w", e): the message gains the prefix, errors.Is still sees ErrNoRows. */
export function wrap(prefix: string, error: GoError): GoError {
  return { message: prefix + error.message, noRows: error.noRows };
}

/**
 * Runs a sub-program and turns a database error thrown at one of its yields into a value. Any other
 * exception (a bug, an interpreter fault) propagates.
 */
export function* attempt<T>(program: Program<T>): Program<Go<T>> {
  try {
    return ok(yield* program);
  } catch (error) {
    if (error instanceof SqlError) return err(pgxMessage(error));
    throw error;
  }
}

/** A :one query the Go way: no row is an error (ErrNoRows). */
export function* goOne(name: string, args: Readonly<Record<string, Value>>): Program<Go<Row>> {
  const result = yield* attempt(one(name, args));
  if (!result.ok) return result;
  return result.value === null ? err(NO_ROWS, true) : ok(result.value);
}

export function* goMany(name: string, args: Readonly<Record<string, Value>>): Program<Go<readonly Row[]>> {
  return yield* attempt(many(name, args));
}

export function* goExec(name: string, args: Readonly<Record<string, Value>>): Program<Go<void>> {
  return yield* attempt(exec(name, args));
}

/** `defer tx.Rollback(ctx)`: its error is ignored. */
export function* rollbackQuietly(): Program<void> {
  yield* attempt(rollback());
}

/**
 * TaskService.runInTx: BEGIN; the body; COMMIT — or, when the body fails, ROLLBACK and the body's
 * error. A BEGIN or COMMIT error is returned as it is.
 */
export function* runInTx<T>(body: () => Program<Go<T>>): Program<Go<T>> {
  const started = yield* attempt(begin());
  if (!started.ok) return started;
  const result = yield* attempt(body());
  const outcome: Go<T> = result.ok ? result.value : result;
  if (!outcome.ok) {
    yield* rollbackQuietly();
    return outcome;
  }
  const committed = yield* attempt(commit());
  if (!committed.ok) return committed;
  return outcome;
}

/** RefreshAgentStatusFromTasks; every caller ignores its result and its error. */
export function* refreshAgentStatus(agentId: Value): Program<void> {
  yield* goOne('RefreshAgentStatusFromTasks', { id: agentId });
}

// ---------------------------------------------------------------------------------------------
// Rows

/** A column of a row; a missing column is a shape error of the interpreter, not a database error. */
export function col(row: Row, name: string): Value {
  const value = row[name];
  if (value === undefined) throw new Error(`row has no column ${name}: ${Object.keys(row).join(', ')}`);
  return value;
}

/** A text column read as a string; NULL → null. */
export function text(row: Row, name: string): string | null {
  const value = col(row, name);
  if (value === null) return null;
  if (typeof value !== 'string') throw new Error(`column ${name} is not text: ${String(value)}`);
  return value;
}

/** An integer column (int, or bigint as node-postgres hands it over: a string). */
export function integer(row: Row, name: string): number {
  const value = Number(col(row, name));
  if (!Number.isFinite(value)) throw new Error(`column ${name} is not a number`);
  return value;
}

/** Go's pgtype.Text{String: s, Valid: s != ""}: the empty string goes to the database as NULL. */
export function nullIfEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

/** `omitempty` on string fields of a response: drops the keys whose value is "". */
export function omitEmptyStrings(body: Record<string, Body>): Record<string, Body> {
  const kept: Record<string, Body> = {};
  for (const [key, value] of Object.entries(body)) if (value !== '') kept[key] = value;
  return kept;
}

/** Distinct values in first-appearance order, compared with `===` (ids). */
export function distinct(values: readonly Value[]): Value[] {
  const seen: Value[] = [];
  for (const value of values) if (!seen.some((other) => other === value)) seen.push(value);
  return seen;
}
