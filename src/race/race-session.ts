import { SqlError } from '../../model/errors.js';
import type { Outcome, Program, Step, StepResult } from '../../model/program.js';
import type { RealConnection } from '../sequential/connection.js';
import { advance, type Answer } from '../sequential/lockstep.js';
import { sessionLetter } from './schedule.js';

/** How a session's workflow ended: its HTTP answer, or the database error it did not catch. */
export type SessionAnswer = Outcome | SqlError;

/** A statement sent and not yet landed: its promise, and what the explorer has learned of it. */
export interface Flight {
  readonly step: string;
  /** Whether it can wait for a lock (a writer or a locking read); others are only awaited. */
  readonly canWait: boolean;
  /** The COMMIT that ends an overlapped autocommit statement (see RaceSession.pendingCommit). */
  readonly endsOverlap: boolean;
  /** The statement runs inside a BEGIN of the explorer's own, its COMMIT a later step. */
  readonly overlapped: boolean;
  readonly settled: Promise<void>;
  answer?: Answer<StepResult>;
  /** Sessions it was last seen waiting for (empty: not seen waiting). */
  waitingFor: readonly number[];
  /** Whether it was ever seen waiting. */
  waited: boolean;
}

/**
 * One session of a schedule: a workflow program and the connection it runs on. The explorer moves
 * it along: a session is ready (its next statement may be picked), in flight (a statement sent:
 * running, or seen waiting on a lock), or finished (its workflow answered).
 */
export class RaceSession {
  readonly letter: string;
  program!: Program<SessionAnswer>;
  next!: IteratorResult<Step, SessionAnswer>;
  flight: Flight | undefined;
  /**
   * Overlap: an autocommit statement that ran inside the explorer's BEGIN answered; its COMMIT is
   * the session's next step, and the program sees the answer only after it.
   */
  pendingCommit: Answer<StepResult> | undefined;
  answer: SessionAnswer | undefined;
  /** The SQLSTATE of every statement of this session that failed, in order. */
  errors: string[] = [];

  constructor(
    readonly index: number,
    readonly connection: RealConnection,
    /** The backend process of the connection, as pg_blocking_pids names it. */
    readonly pid: number,
  ) {
    this.letter = sessionLetter(index);
  }

  get finished(): boolean {
    return this.answer !== undefined;
  }

  get ready(): boolean {
    return this.answer === undefined && this.flight === undefined;
  }

  /** Starts a new schedule with `program`; the connection must be idle, outside any transaction. */
  reset(program: Program<SessionAnswer>): void {
    this.program = program;
    this.flight = undefined;
    this.pendingCommit = undefined;
    this.answer = undefined;
    this.errors = [];
    this.next = program.next();
  }

  /** Hands the program its answer: a database error it does not catch ends it with that error. */
  advance(answer: Answer<StepResult>): void {
    this.next = advance(this.program, answer);
  }

  /** Sends `perform` to the server and keeps track of it as this session's flight. */
  send(step: string, perform: Promise<StepResult>, options: { canWait: boolean; overlapped?: boolean; endsOverlap?: boolean }): void {
    const flight: Flight = {
      step,
      canWait: options.canWait,
      overlapped: options.overlapped ?? false,
      endsOverlap: options.endsOverlap ?? false,
      waitingFor: [],
      waited: false,
      settled: perform.then(
        (value) => {
          flight.answer = { ok: true, value };
        },
        (error: unknown) => {
          if (!(error instanceof SqlError)) throw error;
          flight.answer = { ok: false, error };
        },
      ),
    };
    // Awaited when it lands; until then a broken connection must not count as unhandled.
    flight.settled.catch(() => {});
    this.flight = flight;
  }
}
