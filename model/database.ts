import { SqlError, SQLSTATE } from './errors.js';
import { satisfies, schema, tableNames, type Column, type ForeignKey, type TableName, type TableSchema } from './schema.js';
import { idOf, State, type Counters, type DraftTable, type Table } from './state.js';
import { Instant, type ModelId, type Row, type Value } from './values.js';

/**
 * The one generic routine every query writes through: insert, update and delete of rows with the
 * schema rules of schema.ts applied exactly as PostgreSQL applies them — defaults, NOT NULL, CHECK,
 * UNIQUE, FOREIGN KEY on write, and ON DELETE CASCADE / SET NULL / RESTRICT / NO ACTION on delete.
 *
 * A Transaction has one `now` (the tick of its start, shared by all its statements). Its statements
 * see each other's writes. Each statement is atomic: it writes into drafts of the tables it touches,
 * which become the transaction's state only when the statement finishes without error; a failing
 * statement leaves the transaction as it was before it. The interpreter commits a transaction by
 * taking its `state`, and rolls it back by dropping it.
 */

/** The sequences that never go back within a ModelDatabase: ids per table, and transaction ticks. */
export class Sequences {
  readonly #lastIds: Record<TableName, number>;
  #lastTick: number;

  constructor(state: State) {
    this.#lastIds = { ...state.lastIds };
    this.#lastTick = state.lastTick;
  }

  #version = 0;

  /** Grows with every id and tick handed out: whether the sequences moved since some earlier look. */
  get version(): number {
    return this.#version;
  }

  /** gen_random_uuid() for a row of `table`. */
  nextId(table: TableName): ModelId {
    this.#version++;
    return idOf(table, ++this.#lastIds[table]);
  }

  /** The start time of a new transaction. */
  nextTick(): Instant {
    this.#version++;
    return Instant.at(++this.#lastTick);
  }

  get lastIds(): Counters {
    return { ...this.#lastIds };
  }

  /** `state` carrying the current sequence positions. */
  stamp(state: State): State {
    return state.withSequences(this.lastIds, this.#lastTick);
  }
}

export class Transaction {
  /** now() in this transaction. */
  readonly now: Instant;
  readonly #sequences: Sequences;
  /** The state after the last finished statement. */
  #state: State;
  /** The tables written by the running statement, or null between statements. */
  #drafts: Map<TableName, DraftTable> | null = null;

  /** Starts a transaction on `state`; it takes the next tick as its `now`. */
  constructor(state: State, sequences: Sequences) {
    this.#state = state;
    this.#sequences = sequences;
    this.now = sequences.nextTick();
  }

  /** The transaction's state: the start state with every finished statement applied. */
  get state(): State {
    if (this.#drafts !== null) throw new Error('Transaction.state read while a statement is running');
    return this.#state;
  }

  /**
   * Runs `body` as one statement: all of its writes, or (when it throws) none of them. Nested calls
   * join the running statement. Writes made outside any statement are each a statement of their own.
   */
  statement<T>(body: () => T): T {
    if (this.#drafts !== null) return body();
    const drafts = new Map<TableName, DraftTable>();
    this.#drafts = drafts;
    try {
      const result = body();
      const finished = new Map<TableName, Table>();
      for (const [name, draft] of drafts) finished.set(name, draft.freeze());
      this.#state = this.#state.withTables(finished);
      return result;
    } finally {
      this.#drafts = null;
    }
  }

  // ---- reading (sees the running statement's own writes) ----

  table(name: TableName): Table {
    return this.#drafts?.get(name) ?? this.#state.table(name);
  }

  /** The row of `table` with this id, or undefined (NULL and non-ids find nothing, as `id = $1` does). */
  get(table: TableName, id: Value | undefined): Row | undefined {
    return this.table(table).get(id);
  }

  /** The rows of `table` satisfying `predicate`, in insertion order. */
  filter(table: TableName, predicate: (row: Row) => boolean): Row[] {
    return this.table(table).filter(predicate);
  }

  // ---- writing ----

  /**
   * INSERT of one row: the given columns, every other column its default (a constant, now() or a
   * new id); then NOT NULL, CHECK, UNIQUE and FK checks. An explicit NULL is NULL, not the default.
   */
  insert(table: TableName, values: Readonly<Record<string, Value>>): Row {
    return this.statement(() => {
      const definition = schema[table];
      assertColumns(definition, values);
      const row: Record<string, Value> = {};
      for (const column of definition.columns) {
        row[column.name] = Object.hasOwn(values, column.name) ? (values[column.name] as Value) : this.#default(table, column);
      }
      this.#write(definition, row, undefined);
      return row;
    });
  }

  /**
   * UPDATE of the row with id `id` (which must exist): `changes` replace those columns, the rest stay.
   * NOT NULL and CHECK are checked on the new row, UNIQUE and FK where their columns changed.
   */
  update(table: TableName, id: Value | undefined, changes: Readonly<Record<string, Value>>): Row {
    return this.statement(() => {
      const definition = schema[table];
      assertColumns(definition, changes);
      if (Object.hasOwn(changes, 'id')) throw new Error(`${table}: the model never updates an id`);
      const old = this.get(table, id);
      if (old === undefined) throw new Error(`${table}: update of a missing row ${String(id)}`);
      const row: Record<string, Value> = { ...old, ...changes };
      this.#write(definition, row, old);
      return row;
    });
  }

  /**
   * DELETE of the rows of `table` with these ids (missing ones are skipped), with the ON DELETE
   * action of every FK that references a deleted row, recursively:
   *   - CASCADE deletes the referencing row too;
   *   - SET NULL sets the referencing column to NULL in rows that are not deleted themselves;
   *   - RESTRICT and NO ACTION fail the statement (23503, naming the referencing FK) if a referencing
   *     row survives the statement. (PostgreSQL runs these checks as AFTER triggers, once the
   *     cascades queued before them have run; for this schema that is the same as checking against
   *     the full set of rows the statement deletes: deleting a workspace deletes its runtimes and the
   *     agents using them, but fails if an agent of another workspace uses one of its runtimes.)
   * Returns how many rows of `table` with these ids it deleted: PostgreSQL's row count for the
   * DELETE, which counts neither cascaded rows nor rows set to NULL.
   */
  delete(table: TableName, ids: readonly Value[]): number {
    return this.statement(() => {
      const doomed = new Map<TableName, Set<ModelId>>(tableNames.map((name) => [name, new Set<ModelId>()]));
      const nulled = new Map<TableName, Map<ModelId, Record<string, Value>>>();
      const blocking: { key: ForeignKey; id: ModelId }[] = [];

      let frontier = new Map<TableName, Set<ModelId>>();
      const doom = (name: TableName, id: ModelId, next: Map<TableName, Set<ModelId>>): void => {
        const set = doomed.get(name)!;
        if (set.has(id)) return;
        set.add(id);
        let level = next.get(name);
        if (level === undefined) next.set(name, (level = new Set()));
        level.add(id);
      };
      for (const id of ids) {
        const row = this.get(table, id);
        if (row !== undefined) doom(table, row['id'] as ModelId, frontier);
      }
      const deleted = doomed.get(table)!.size;

      while (frontier.size > 0) {
        const next = new Map<TableName, Set<ModelId>>();
        for (const [referenced, referencedIds] of frontier) {
          for (const key of schema[referenced].referencedBy) {
            for (const row of this.table(key.table)) {
              const value = row[key.column];
              if (typeof value !== 'string' || !referencedIds.has(value)) continue;
              const id = row['id'] as ModelId;
              switch (key.onDelete) {
                case 'cascade':
                  doom(key.table, id, next);
                  break;
                case 'set null': {
                  let rows = nulled.get(key.table);
                  if (rows === undefined) nulled.set(key.table, (rows = new Map()));
                  let changes = rows.get(id);
                  if (changes === undefined) rows.set(id, (changes = {}));
                  changes[key.column] = null;
                  break;
                }
                case 'restrict':
                case 'no action':
                  blocking.push({ key, id });
                  break;
              }
            }
          }
        }
        frontier = next;
      }

      for (const { key, id } of blocking) {
        if (!doomed.get(key.table)!.has(id)) throw foreignKeyDeleteViolation(key);
      }
      for (const [name, rows] of nulled) {
        const gone = doomed.get(name)!;
        for (const [id, changes] of rows) if (!gone.has(id)) this.update(name, id, changes);
      }
      for (const [name, set] of doomed) {
        if (set.size === 0) continue;
        const draft = this.#draft(name);
        for (const id of set) draft.remove(id);
      }
      return deleted;
    });
  }

  // ---- internals ----

  #default(table: TableName, column: Column): Value {
    const value = column.default;
    if (value === undefined) return null;
    if (value === 'now') return this.now;
    if (value === 'newId') return this.#sequences.nextId(table);
    return value.const;
  }

  #draft(name: TableName): DraftTable {
    const drafts = this.#drafts;
    if (drafts === null) throw new Error('write outside a statement');
    let draft = drafts.get(name);
    if (draft === undefined) {
      draft = this.#state.table(name).draft();
      drafts.set(name, draft);
    }
    return draft;
  }

  /** Checks a new row version (old: the row it replaces, undefined for an insert) and stores it. */
  #write(definition: TableSchema, row: Row, old: Row | undefined): void {
    const table = definition.name;
    for (const column of definition.columns) {
      if (column.notNull && row[column.name] === null) {
        throw new SqlError(
          SQLSTATE.notNullViolation,
          `null value in column "${column.name}" of relation "${table}" violates not-null constraint`,
        );
      }
    }
    for (const check of definition.checks) {
      if (!satisfies(check.rule, row[check.column] as Value)) {
        throw new SqlError(
          SQLSTATE.checkViolation,
          `new row for relation "${table}" violates check constraint "${check.name}"`,
          check.name,
        );
      }
    }
    for (const unique of definition.uniques) {
      const { where } = unique;
      const touched = (column: string): boolean => old === undefined || old[column] !== row[column];
      if (!unique.columns.some(touched) && (where === undefined || !touched(where.column))) continue;
      // NULLs are distinct, and rows outside a partial index's predicate are not in it.
      const inIndex = (candidate: Row): boolean =>
        unique.columns.every((column) => candidate[column] !== null) &&
        (where === undefined || where.in.includes(candidate[where.column] as Value));
      if (!inIndex(row)) continue;
      const clash = this.table(table).filter(
        (other) => other['id'] !== row['id'] && inIndex(other) && unique.columns.every((column) => other[column] === row[column]),
      );
      if (clash.length > 0) {
        throw new SqlError(SQLSTATE.uniqueViolation, `duplicate key value violates unique constraint "${unique.name}"`, unique.name);
      }
    }
    this.#draft(table).put(row);
    // FKs are checked after the row is in place, as PostgreSQL's RI triggers run after the row is
    // written (a row may reference itself). Only non-NULL values that are new or changed are checked.
    for (const key of definition.foreignKeys) {
      const value = row[key.column] as Value;
      if (value === null || (old !== undefined && old[key.column] === value)) continue;
      if (!this.table(key.references).has(value)) {
        throw new SqlError(
          SQLSTATE.foreignKeyViolation,
          `insert or update on table "${table}" violates foreign key constraint "${key.name}"`,
          key.name,
        );
      }
    }
  }
}

function assertColumns(definition: TableSchema, values: Readonly<Record<string, Value>>): void {
  for (const name in values) {
    if (!definition.columnIndex.has(name)) throw new Error(`table ${definition.name} has no column ${name}`);
    if (values[name] === undefined) throw new Error(`${definition.name}.${name}: undefined is not a value (use null)`);
  }
}

function foreignKeyDeleteViolation(key: ForeignKey): SqlError {
  return new SqlError(
    SQLSTATE.foreignKeyViolation,
    `update or delete on table "${key.references}" violates foreign key constraint "${key.name}" on table "${key.table}"`,
    key.name,
  );
}
