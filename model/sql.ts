import type { TableName } from './schema.js';
import { Instant, type Row, type Value } from './values.js';

/**
 * The few pieces of SQL semantics the query functions share: three-valued equality, IN, COALESCE,
 * ORDER BY with PostgreSQL's NULL placement, and projection.
 */

/** `a = b` as a WHERE sees it: NULL equals nothing (not even NULL). */
export function eq(a: Value | undefined, b: Value | undefined): boolean {
  return a !== null && a !== undefined && a === b;
}

/** `value IN (…)`. */
export function isIn(value: Value | undefined, values: readonly Value[]): boolean {
  return value !== null && value !== undefined && values.includes(value);
}

/** `COALESCE(a, b)`. */
export function coalesce(a: Value | undefined, b: Value | undefined): Value {
  return a !== null && a !== undefined ? a : (b ?? null);
}

export type Direction = 'asc' | 'desc';

/**
 * One ORDER BY key: `[column, direction]` sorts by a column of the returned rows. When the column is
 * not returned, the third element says where it is: in the row of `table` whose id is in the
 * returned column `id` (ListPendingChatTasksByCreator sorts by the task's created_at, returned as
 * `task_id`), or, for a `:one … LIMIT 1` whose result names no row, just the table it is read from.
 * NULLs sort as PostgreSQL sorts them by default: after every value ascending, before every value
 * descending (`DESC` = `DESC NULLS FIRST`).
 */
export type SortKey =
  | readonly [column: string, direction: Direction]
  | readonly [column: string, direction: Direction, from: { readonly table: TableName; readonly id?: string }];

/**
 * An ORDER BY. PostgreSQL returns rows with equal keys in an unspecified order; the model returns
 * them in insertion order. `[]` = no ORDER BY at all (e.g. UPDATE … RETURNING): any order.
 */
export type Ordering = readonly SortKey[];

/** Compares two non-NULL values of the same kind, ascending. */
export function compareValues(a: Value, b: Value): number {
  if (a instanceof Instant && b instanceof Instant) return a.tick - b.tick;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error(`the model cannot order ${String(a)} and ${String(b)}`);
}

/** Compares by one key, NULLs last ascending and first descending (PostgreSQL's defaults). */
function compareBy(a: Value | undefined, b: Value | undefined, direction: Direction): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  // NULL is larger than every value; DESC reverses everything, NULLs included.
  const ascending = aNull || bNull ? Number(aNull) - Number(bNull) : compareValues(a, b);
  return direction === 'asc' ? ascending : -ascending;
}

/** Compares two rows by an ORDER BY (0: equal keys, a tie). */
export function compareRows(a: Row, b: Row, ordering: Ordering): number {
  for (const [column, direction] of ordering) {
    const order = compareBy(a[column], b[column], direction);
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * `ORDER BY` on rows in insertion order: a stable sort, so rows with equal keys keep insertion
 * order. Sorts the array in place and returns it (the key columns must be columns of these rows).
 */
export function orderBy<T extends Row>(rows: T[], ordering: Ordering): T[] {
  if (ordering.length === 0 || rows.length < 2) return rows;
  return rows.sort((a, b) => compareRows(a, b, ordering));
}

/** The rows tied for first by `ordering` (what ORDER BY … LIMIT 1 may return), in insertion order. */
export function tiedForFirst(rows: readonly Row[], ordering: Ordering): Row[] {
  let best: Row | undefined;
  for (const row of rows) if (best === undefined || compareRows(row, best, ordering) < 0) best = row;
  return best === undefined ? [] : rows.filter((row) => compareRows(row, best, ordering) === 0);
}

/** Picks one of the rows tied for first; see breakingTies. */
export type TieBreaker = (tied: readonly Row[]) => Row;

let tieBreaker: TieBreaker | undefined;

/**
 * The first row by `ordering` (ORDER BY … LIMIT 1), or null. PostgreSQL may return any of the rows
 * whose keys tie for first; the model returns the first inserted, unless `breakingTies` picks another.
 */
export function first(rows: readonly Row[], ordering: Ordering): Row | null {
  const tied = tiedForFirst(rows, ordering);
  if (tied.length === 0) return null;
  return tieBreaker === undefined || tied.length === 1 ? tied[0]! : tieBreaker(tied);
}

/**
 * Runs `body` (synchronous: one statement of the model) with `breaker` choosing among the rows tied
 * for first in every `first` it calls — how the tester makes the model go on with the row
 * PostgreSQL chose (ModelDatabase.performChoosing).
 */
export function breakingTies<T>(breaker: TieBreaker, body: () => T): T {
  const outer = tieBreaker;
  tieBreaker = breaker;
  try {
    return body();
  } finally {
    tieBreaker = outer;
  }
}

/** `SELECT a, b, …` of one row: exactly these columns, in this order. */
export function pick(row: Row, columns: readonly string[]): Row {
  const result: Record<string, Value> = {};
  for (const column of columns) result[column] = row[column] ?? null;
  return result;
}

/** The arguments of a named query, by parameter name. */
export type Args<K extends string> = { readonly [P in K]: Value };
