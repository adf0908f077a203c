import type { Row, Value } from './values.js';

/**
 * A workflow is written once, as a generator that yields the statements it wants run and gets each
 * one's result back (or, on a database error, has a SqlError thrown in at the yield). Whatever
 * performs the steps is a StepDriver: the model's database (model/model-database.ts), against the
 * model's query functions, and a PostgreSQL connection (src/sql/postgres-database.ts), against the
 * SQL under test. Three runners drive them: the model alone, the lockstep of both (the sequential
 * property), and the race explorer (src/race/), which steps several programs one statement at a
 * time, each on a connection of its own.
 */
export type Step =
  /** Run a named query with arguments by parameter name (see src/queries/required.ts for the names). */
  | { readonly op: 'query'; readonly name: string; readonly args: Readonly<Record<string, Value>> }
  /** Transaction boundaries; statements outside a transaction autocommit, each its own transaction. */
  | { readonly op: 'begin' }
  | { readonly op: 'commit' }
  | { readonly op: 'rollback' }
  /** E(t): whole milliseconds from `from` to `to` (two timestamps read from rows), or NULL if either is NULL. */
  | { readonly op: 'elapsedMs'; readonly from: Value; readonly to: Value };

/**
 * What a query returns, by its sqlc kind: `:one` a row or no row, `:many` a list, `:exec` nothing —
 * but the number of rows the statement affected, as PostgreSQL counts them (rows an UPDATE or
 * DELETE matched, cascades not counted), when the driver knows it: the model always does;
 * PostgreSQL's answer carries it only for a query declared `:execrows` or `:execresult`.
 */
export type QueryResult =
  | { readonly kind: 'one'; readonly row: Row | null }
  | { readonly kind: 'many'; readonly rows: readonly Row[] }
  | { readonly kind: 'exec'; readonly affected?: number };

/** The answer to a step: a query's result, nothing for a boundary, a Value for elapsedMs. */
export type StepResult = QueryResult | { readonly kind: 'done' } | { readonly kind: 'value'; readonly value: Value };

export type Program<R> = Generator<Step, R, StepResult>;

/**
 * One connection to a database that performs a program's steps: returns each step's result, or
 * throws a SqlError for a database error. A transaction opened by `begin` stays open between calls.
 * The model answers at once; PostgreSQL answers with a promise.
 */
export interface StepDriver {
  perform(step: Step): StepResult | Promise<StepResult>;
}

/** Helpers for writing workflows: `const row = yield* one('GetAgent', { id })`. */
export function* query(name: string, args: Readonly<Record<string, Value>>): Program<QueryResult> {
  return (yield { op: 'query', name, args }) as QueryResult;
}

export function* one(name: string, args: Readonly<Record<string, Value>>): Program<Row | null> {
  const result = yield* query(name, args);
  if (result.kind !== 'one') throw new Error(`${name} is not a :one query`);
  return result.row;
}

export function* many(name: string, args: Readonly<Record<string, Value>>): Program<readonly Row[]> {
  const result = yield* query(name, args);
  if (result.kind !== 'many') throw new Error(`${name} is not a :many query`);
  return result.rows;
}

export function* exec(name: string, args: Readonly<Record<string, Value>>): Program<void> {
  const result = yield* query(name, args);
  if (result.kind !== 'exec') throw new Error(`${name} is not an :exec query`);
}

export function* begin(): Program<void> {
  yield { op: 'begin' };
}

export function* commit(): Program<void> {
  yield { op: 'commit' };
}

export function* rollback(): Program<void> {
  yield { op: 'rollback' };
}

export function* elapsedMs(from: Value, to: Value): Program<Value> {
  const result = yield { op: 'elapsedMs', from, to };
  if (result.kind !== 'value') throw new Error('elapsedMs: the driver answered with no value');
  return result.value;
}

/** A JSON body that may carry model values (ids, Instants) where the handler copies them from rows. */
export type Body = Value | readonly Body[] | { readonly [key: string]: Body };

/** An HTTP answer as the handler gives it: status and JSON body (error bodies are `{ error: message }`). */
export interface Outcome {
  readonly status: number;
  readonly body: Body;
}
