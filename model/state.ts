import { tableNames, type TableName } from './schema.js';
import type { ModelId, Row, Value } from './values.js';

/**
 * The model's database: one immutable Table per table name.
 *
 * Ids are `${table}:${n}`, n counting per table from 1 and never reused (not even after a rollback,
 * as gen_random_uuid() never repeats). A table keeps its rows in slots indexed by n, so a row is
 * found by its id in O(1) and iteration is insertion order — the order the model returns rows in
 * when PostgreSQL's order is unspecified (ties of an ORDER BY).
 *
 * Writes never change a Table: a statement works on a DraftTable (a copy of the slots of each table
 * it writes), frozen into a new Table when the statement succeeds. So a State can be kept, compared
 * and shared freely, and copying costs one array copy per written table per statement.
 */
export class Table implements Iterable<Row> {
  constructor(
    readonly name: TableName,
    /** slots[n] holds the row with id `${name}:${n}`; slot 0 and deleted rows are undefined. */
    protected readonly slots: (Row | undefined)[],
    protected count: number,
  ) {}

  static empty(name: TableName): Table {
    return new Table(name, [undefined], 0);
  }

  /** Number of rows. */
  get size(): number {
    return this.count;
  }

  /** The row with this id, or undefined (also for NULL, non-ids and ids of other tables). */
  get(id: Value | undefined): Row | undefined {
    const n = slotOf(this.name, id);
    return n === undefined ? undefined : this.slots[n];
  }

  has(id: Value | undefined): boolean {
    return this.get(id) !== undefined;
  }

  /** All rows, in insertion order (a fresh array). */
  rows(): Row[] {
    const rows: Row[] = [];
    for (const row of this.slots) if (row !== undefined) rows.push(row);
    return rows;
  }

  /** The rows satisfying `predicate`, in insertion order. */
  filter(predicate: (row: Row) => boolean): Row[] {
    const rows: Row[] = [];
    for (const row of this.slots) if (row !== undefined && predicate(row)) rows.push(row);
    return rows;
  }

  *[Symbol.iterator](): Iterator<Row> {
    for (const row of this.slots) if (row !== undefined) yield row;
  }

  /** A private, writable copy of this table for one statement. */
  draft(): DraftTable {
    return new DraftTable(this.name, this.slots.slice(), this.count);
  }
}

/** A table being written by one statement; frozen into a Table when the statement succeeds. */
export class DraftTable extends Table {
  /** Puts a row at the slot of its id (inserting or replacing). */
  put(row: Row): void {
    const n = slotOf(this.name, row['id']);
    if (n === undefined) throw new Error(`${this.name}: row without a valid id: ${String(row['id'])}`);
    while (this.slots.length <= n) this.slots.push(undefined);
    if (this.slots[n] === undefined) this.count++;
    this.slots[n] = row;
  }

  remove(id: Value): void {
    const n = slotOf(this.name, id);
    if (n !== undefined && this.slots[n] !== undefined) {
      this.slots[n] = undefined;
      this.count--;
    }
  }

  /** The finished table. The draft must not be written after this. */
  freeze(): Table {
    return new Table(this.name, this.slots, this.count);
  }
}

/** The slot n of a `${table}:${n}` id, or undefined when the value is not an id of that table. */
export function slotOf(table: TableName, id: Value | undefined): number | undefined {
  if (typeof id !== 'string' || id.length <= table.length + 1 || !id.startsWith(table) || id[table.length] !== ':') {
    return undefined;
  }
  const digits = id.slice(table.length + 1);
  const n = Number(digits);
  return Number.isSafeInteger(n) && n > 0 && String(n) === digits ? n : undefined;
}

export function idOf(table: TableName, n: number): ModelId {
  return `${table}:${n}`;
}

export type Counters = Readonly<Record<TableName, number>>;

/**
 * The committed database plus the two sequences that must never go back: the last id number
 * used per table and the last transaction tick used.
 */
export class State {
  private constructor(
    readonly tables: Readonly<Record<TableName, Table>>,
    /** Per table, the last n used in an id (0: none yet). */
    readonly lastIds: Counters,
    /** The last tick given to a transaction (0: none yet). */
    readonly lastTick: number,
  ) {}

  static empty(): State {
    const tables = {} as Record<TableName, Table>;
    const lastIds = {} as Record<TableName, number>;
    for (const name of tableNames) {
      tables[name] = Table.empty(name);
      lastIds[name] = 0;
    }
    return new State(tables, lastIds, 0);
  }

  table(name: TableName): Table {
    return this.tables[name];
  }

  get(table: TableName, id: Value | undefined): Row | undefined {
    return this.tables[table].get(id);
  }

  /** This state with some tables replaced. */
  withTables(changed: ReadonlyMap<TableName, Table>): State {
    if (changed.size === 0) return this;
    const tables = { ...this.tables };
    for (const [name, table] of changed) tables[name] = table;
    return new State(tables, this.lastIds, this.lastTick);
  }

  /** This state's tables with other sequence positions. */
  withSequences(lastIds: Counters, lastTick: number): State {
    return new State(this.tables, lastIds, lastTick);
  }
}
