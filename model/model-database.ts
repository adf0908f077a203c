import { catalogue, runQuery } from './catalogue.js';
import { Sequences, Transaction } from './database.js';
import { SqlError } from './errors.js';
import type { Program, Step, StepDriver, StepResult } from './program.js';
import { breakingTies, type TieBreaker } from './sql.js';
import { State } from './state.js';
import { Elapsed, Instant, type Value } from './values.js';

/** SQLSTATE 25P02, what PostgreSQL answers to any statement but COMMIT/ROLLBACK in a failed transaction. */
export const inFailedTransaction = '25P02';

const done: StepResult = { kind: 'done' };

/**
 * The model as a database: a committed State, and programs (workflows) run against it one at a time.
 *
 * Transactions and time: every transaction takes the next tick as its now(); an autocommit statement
 * is a transaction of its own, `begin` … `commit` is one transaction whose statements all share one
 * tick. Ticks grow by one per transaction (committed, rolled back or failed alike) and never repeat
 * within a ModelDatabase; neither do ids (see State).
 *
 * Errors, as PostgreSQL and node-postgres show them to a program:
 *   - a SqlError from a query is thrown into the program at its `yield` (generator.throw), so the
 *     workflow can catch it; an autocommit statement that fails changes nothing;
 *   - inside a transaction the failed statement changes nothing, and the transaction is aborted:
 *     every later step but `commit`/`rollback` fails with 25P02; `commit` of an aborted transaction
 *     rolls it back (PostgreSQL answers ROLLBACK, not an error);
 *   - `begin` inside a transaction and `commit`/`rollback` outside one are no-ops (PostgreSQL only
 *     warns).
 * A program that ends, or throws, while its transaction is open leaves it uncommitted: it is rolled
 * back. Anything but a SqlError (an unknown query, a missing argument, a bug) propagates out of run.
 *
 * The database has one connection: run() drives a whole program through it, perform() one step.
 * Programs run one after another; the model has no concurrent transactions (no snapshots, no locks).
 */
export class ModelDatabase implements StepDriver {
  #committed: State;
  readonly #sequences: Sequences;
  /** The connection's open transaction, if any, and whether an error aborted it. */
  #tx: Transaction | null = null;
  #aborted = false;

  constructor(state: State = State.empty()) {
    this.#committed = state;
    this.#sequences = new Sequences(state);
  }

  /** The committed state (carrying the current id and tick sequences). */
  get state(): State {
    // Stamped once per change: callers read it once or more per command, and each stamp copies.
    if (this.#stamped?.committed !== this.#committed || this.#stamped.version !== this.#sequences.version) {
      this.#stamped = { committed: this.#committed, version: this.#sequences.version, state: this.#sequences.stamp(this.#committed) };
    }
    return this.#stamped.state;
  }

  #stamped: { readonly committed: State; readonly version: number; readonly state: State } | undefined;

  /** Runs a program to completion; autocommit statements each get a new tick, begin..commit share one. */
  run<R>(program: Program<R>): R {
    const outside = this.#tx === null;
    try {
      let next = program.next();
      while (next.done !== true) {
        let result: StepResult;
        try {
          result = this.perform(next.value);
        } catch (error) {
          if (!(error instanceof SqlError)) throw error;
          next = program.throw(error);
          continue;
        }
        next = program.next(result);
      }
      return next.value;
    } finally {
      // A transaction the program opened and left open is never committed.
      if (outside) this.#endTransaction();
    }
  }

  /**
   * Performs one step on this database's single connection, as run() does for each step of a
   * program: returns its result or throws its SqlError. An open transaction stays open between calls
   * (for drivers that step a program themselves, e.g. in lockstep with PostgreSQL).
   */
  perform(step: Step): StepResult {
    switch (step.op) {
      case 'begin':
        if (this.#aborted) throw abortedError();
        this.#tx ??= new Transaction(this.#committed, this.#sequences);
        return done;
      case 'commit':
        if (this.#tx !== null && !this.#aborted) this.#committed = this.#tx.state;
        this.#endTransaction();
        return done;
      case 'rollback':
        this.#endTransaction();
        return done;
      case 'query': {
        if (this.#aborted) throw abortedError();
        const tx = this.#tx ?? new Transaction(this.#committed, this.#sequences);
        try {
          const result = runQuery(tx, step.name, step.args);
          if (this.#tx === null) this.#committed = tx.state;
          return result;
        } catch (error) {
          if (error instanceof SqlError && this.#tx !== null) this.#aborted = true;
          throw error;
        }
      }
      case 'elapsedMs':
        // Computed by the handler from two timestamps it holds, not by a statement: works in any state.
        return { kind: 'value', value: elapsed(step.from, step.to) };
    }
  }

  /**
   * Performs a step as perform() does, except for a `:one` query with ORDER BY … LIMIT 1 whose sort
   * keys tie: PostgreSQL may return any of the tied rows, so each choice is first tried on a copy
   * (the same state, now() and sequences; nothing of the try is kept), the first inserted first,
   * and the first one whose result `accept` takes is performed. When it takes none, or nothing
   * ties, this is perform(step).
   */
  performChoosing(step: Step, accept: (result: StepResult) => boolean): StepResult {
    if (step.op !== 'query' || this.#aborted || !mayTie(step.name)) return this.perform(step);
    const firstTry = this.#try(step, 0);
    if (firstTry.ties < 2 || (firstTry.result !== undefined && accept(firstTry.result))) return this.perform(step);
    for (let choice = 1; choice < firstTry.ties; choice++) {
      const { result } = this.#try(step, choice);
      if (result !== undefined && accept(result)) return breakingTies(pick(choice), () => this.perform(step));
    }
    return this.perform(step);
  }

  /** Runs a query step on a throw-away copy of the connection's transaction, picking the `choice`-th tied row. */
  #try(step: Step & { op: 'query' }, choice: number): { result: StepResult | undefined; ties: number } {
    // The copy's sequences hand out what the real run would: the next ids, and the tick of now().
    const open = this.#tx;
    const start = open === null ? this.#sequences.stamp(this.#committed) : open.state.withSequences(this.#sequences.lastIds, open.now.tick - 1);
    const tx = new Transaction(open === null ? this.#committed : open.state, new Sequences(start));
    let ties = 0;
    const breaker: TieBreaker = (tied) => {
      ties = tied.length;
      return pick(choice)(tied);
    };
    try {
      return { result: breakingTies(breaker, () => runQuery(tx, step.name, step.args)), ties };
    } catch (error) {
      if (error instanceof SqlError) return { result: undefined, ties };
      throw error;
    }
  }

  /** Whether a transaction is open on the connection (aborted or not). */
  get inTransaction(): boolean {
    return this.#tx !== null;
  }

  #endTransaction(): void {
    this.#tx = null;
    this.#aborted = false;
  }

  /**
   * Runs `body` as one transaction on the committed state (for tests and fixtures that call query
   * functions directly): committed when it returns, discarded when it throws.
   */
  transaction<T>(body: (tx: Transaction) => T): T {
    if (this.#tx !== null) throw new Error('ModelDatabase.transaction: the connection has a transaction open');
    const tx = new Transaction(this.#committed, this.#sequences);
    const result = body(tx);
    this.#committed = tx.state;
    return result;
  }
}

/** A `:one` query whose ORDER BY … LIMIT 1 may tie. */
function mayTie(name: string): boolean {
  const entry = catalogue.get(name);
  return entry?.kind === 'one' && (entry.ordering?.length ?? 0) > 0;
}

/** The `choice`-th of the tied rows (the last when there are fewer). */
function pick(choice: number): TieBreaker {
  return (tied) => tied[Math.min(choice, tied.length - 1)]!;
}

function abortedError(): SqlError {
  return new SqlError(inFailedTransaction, 'current transaction is aborted, commands ignored until end of transaction block');
}

/** E(t) of two timestamps: an Elapsed, or NULL when either is NULL. */
function elapsed(from: Value, to: Value): Value {
  if (from === null || to === null) return null;
  if (from instanceof Instant && to instanceof Instant) return new Elapsed(from, to);
  throw new Error(`elapsedMs: ${String(from)} and ${String(to)} are not timestamps`);
}
