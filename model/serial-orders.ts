/**
 * The race oracle's model side: every outcome that running several workflows' atomic units one after
 * another can give. An atomic unit is what PostgreSQL commits at once: an autocommit statement, or a
 * transaction from `begin` to its `commit`/`rollback`. A race between sessions is correct when its
 * answers and final state are those of some serial order of these units that keeps each session's own
 * order (send-vs-delete-race.md §5: "the final state equals a serial run").
 *
 * Unit boundaries depend on results (a loader that finds nothing ends its workflow), and a generator
 * cannot be rewound, so each order is found by re-running the sessions from fresh programs on a fresh
 * ModelDatabase up to the branch point (a depth-first search; the last branch reuses the live run).
 */
import { SqlError } from './errors.js';
import { ModelDatabase } from './model-database.js';
import type { Outcome, Program, Step, StepResult } from './program.js';
import { tableNames } from './schema.js';
import type { State } from './state.js';
import { Elapsed, Instant } from './values.js';

export interface SerialOutcome {
  /** The session index of each unit, in the order they ran, e.g. [0,1,1,0]: the first order giving this outcome. */
  readonly order: readonly number[];
  /** Every order giving exactly this outcome (`order` first). */
  readonly orders: readonly (readonly number[])[];
  /** Per session: its workflow's answer, or the SqlError that ended it. */
  readonly answers: readonly (Outcome | SqlError)[];
  /** Per session: the SQLSTATEs its statements raised, caught or not, in order. */
  readonly errors: readonly (readonly string[])[];
  /** The committed state after every session finished. */
  readonly state: State;
}

/** The sessions have more serial orders than the caller allowed: enumerating them would not end in time. */
export class TooManyOrders extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} serial orders`);
  }
}

export interface SerialOrdersOptions {
  /** Give up (throw) past this many orders: three long sessions have trillions. Default 1,000,000. */
  readonly maxOrders?: number;
}

/**
 * The distinct outcomes of every serial order of the sessions' atomic units, each session's units in
 * their own order. `sessions` are factories because each order needs fresh programs. Outcomes are
 * distinct when their answers, errors or states differ in any value (ids and ticks included).
 */
export function serialOutcomes(
  start: State,
  sessions: readonly (() => Program<Outcome>)[],
  options: SerialOrdersOptions = {},
): SerialOutcome[] {
  const maxOrders = options.maxOrders ?? 1_000_000;
  const found = new Map<string, { first: SerialRun; orders: (readonly number[])[] }>();
  let count = 0;

  const visit = (run: SerialRun): void => {
    const open = run.open();
    if (open.length === 0) {
      count += 1;
      if (count > maxOrders) throw new TooManyOrders(maxOrders);
      const key = run.fingerprint();
      const same = found.get(key);
      if (same === undefined) found.set(key, { first: run, orders: [run.order] });
      else same.orders.push(run.order);
      return;
    }
    open.forEach((session, i) => {
      // The last branch continues the live run; the others re-run the prefix from scratch.
      const branch = i === open.length - 1 ? run : SerialRun.replay(start, sessions, run.order);
      branch.unit(session);
      visit(branch);
    });
  };
  visit(new SerialRun(start, sessions));

  return [...found.values()].map(({ first, orders }) => ({
    order: first.order,
    orders,
    answers: first.answers(),
    errors: first.cursors.map((cursor) => cursor.errors),
    state: first.db.state,
  }));
}

/** How many serial orders `serialOutcomes` ran to find `outcomes`. */
export function orderCount(outcomes: readonly SerialOutcome[]): number {
  return outcomes.reduce((sum, outcome) => sum + outcome.orders.length, 0);
}

/** One serial order in progress: the sessions' programs on one database, run a unit at a time. */
class SerialRun {
  readonly db: ModelDatabase;
  readonly cursors: Cursor[];
  readonly #order: number[] = [];

  constructor(start: State, sessions: readonly (() => Program<Outcome>)[]) {
    this.db = new ModelDatabase(start);
    this.cursors = sessions.map((session) => new Cursor(session()));
    for (const cursor of this.cursors) skipNoOps(this.db, cursor);
  }

  static replay(start: State, sessions: readonly (() => Program<Outcome>)[], order: readonly number[]): SerialRun {
    const run = new SerialRun(start, sessions);
    for (const session of order) run.unit(session);
    return run;
  }

  get order(): readonly number[] {
    return [...this.#order];
  }

  /** The sessions that have units left. */
  open(): number[] {
    return this.cursors.flatMap((cursor, i) => (cursor.answer === undefined ? [i] : []));
  }

  /** Runs session `i`'s next unit: one autocommit statement, or one whole transaction. */
  unit(i: number): void {
    const cursor = this.cursors[i];
    if (cursor === undefined || cursor.answer !== undefined) throw new Error(`SerialRun: session ${i} has no unit left`);
    this.#order.push(i);
    do {
      cursor.perform(this.db);
    } while (cursor.answer === undefined && this.db.inTransaction);
    // A program that ends inside its transaction leaves it uncommitted (as ModelDatabase.run does).
    if (this.db.inTransaction) this.db.perform({ op: 'rollback' });
    skipNoOps(this.db, cursor);
  }

  answers(): (Outcome | SqlError)[] {
    return this.cursors.map((cursor) => {
      if (cursor.answer === undefined) throw new Error('SerialRun: a session has not finished');
      return cursor.answer;
    });
  }

  /** Everything an outcome holds but its order, as a string equal only for equal outcomes. */
  fingerprint(): string {
    const state = this.db.state;
    return encode({
      answers: this.answers(),
      errors: this.cursors.map((cursor) => cursor.errors),
      tables: tableNames.map((name) => state.table(name).rows()),
      lastIds: state.lastIds,
      lastTick: state.lastTick,
    });
  }
}

/** One session's program, stopped at its next step. */
class Cursor {
  #step: Step | undefined;
  /** The program's answer, or the SqlError it did not catch; undefined while it runs. */
  answer: Outcome | SqlError | undefined;
  readonly errors: string[] = [];

  constructor(readonly program: Program<Outcome>) {
    this.#resume(() => program.next());
  }

  get step(): Step {
    if (this.#step === undefined) throw new Error('Cursor: the program has finished');
    return this.#step;
  }

  /** Performs the pending step on `db` and moves the program on to its next step or its end. */
  perform(db: ModelDatabase): void {
    let result: StepResult;
    try {
      result = db.perform(this.step);
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      this.errors.push(error.code);
      this.#resume(() => this.program.throw(error));
      return;
    }
    this.#resume(() => this.program.next(result));
  }

  #resume(next: () => IteratorResult<Step, Outcome>): void {
    this.#step = undefined;
    try {
      const step = next();
      if (step.done === true) this.answer = step.value;
      else this.#step = step.value;
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      this.answer = error;
    }
  }
}

/**
 * Answers the steps that change nothing and are no statement — elapsedMs, and commit/rollback with no
 * transaction open — so that a session's pending step is always the start of a unit (or it is done).
 */
function skipNoOps(db: ModelDatabase, cursor: Cursor): void {
  while (cursor.answer === undefined && changesNothing(cursor.step, db.inTransaction)) cursor.perform(db);
}

function changesNothing(step: Step, inTransaction: boolean): boolean {
  return step.op === 'elapsedMs' || (!inTransaction && (step.op === 'commit' || step.op === 'rollback'));
}

/** A self-delimiting text of a value: equal texts only for equal values (ids, ticks, errors included). */
function encode(value: unknown): string {
  if (value === null) return 'n';
  if (value === undefined) return 'u';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return `#${value}`;
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (value instanceof Instant) return `@${value.tick}`;
  if (value instanceof Elapsed) return `~${value.from.tick}>${value.to.tick}`;
  if (value instanceof SqlError) return `!${encode([value.code, value.message, value.constraint])}`;
  if (Array.isArray(value)) return `[${value.map(encode).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, field]) => `${JSON.stringify(key)}:${encode(field)}`)
      .join(',')}}`;
  }
  throw new Error(`serialOutcomes: cannot compare ${String(value)}`);
}
