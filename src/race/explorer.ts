import type { Outcome, Program, StepResult } from '../../model/program.js';
import type { Answer } from '../sequential/lockstep.js';
import { answerAsync, describeStep } from '../sequential/lockstep.js';
import { outcomeLabel } from '../sequential/world.js';
import type { RealConnection } from '../sequential/connection.js';
import { RaceSession, type SessionAnswer } from './race-session.js';
import { printSchedule, type ChoiceRecord, type Chooser } from './schedule.js';
import { describeResult, type TimelineEvent } from './timeline.js';
import type { WaitObserver } from './wait-observer.js';

/** SQLSTATE 40P01: what PostgreSQL raises in the victim of a deadlock. */
export const DEADLOCK = '40P01';

/** Why a schedule stopped before every session answered. */
export type Stop =
  /** A wait-for cycle among the sessions; the explorer cancelled `victim`'s statement. */
  | {
      readonly kind: 'deadlock';
      readonly cycle: readonly number[];
      /** The statement each member of the cycle waits in, in cycle order. */
      readonly steps: readonly string[];
      readonly victim: number;
    }
  /** The schedule ran past its wall time; `stuck` says what was still in flight. */
  | { readonly kind: 'hang'; readonly afterMs: number; readonly stuck: string };

/** One schedule as it ran on PostgreSQL. */
export interface Execution {
  /** Each choice point: the sessions that could step, and the one that did. */
  readonly choices: readonly ChoiceRecord[];
  /** The choices as printed and replayed (`AABBA`). */
  readonly schedule: string;
  readonly timeline: readonly TimelineEvent[];
  /** Each session's answer (undefined when the schedule stopped first). */
  readonly answers: readonly (SessionAnswer | undefined)[];
  /** Each session's failed statements' SQLSTATEs. */
  readonly errors: readonly (readonly string[])[];
  readonly stop?: Stop;
}

export interface ExplorerOptions {
  /** Run each autocommit statement that can wait inside a BEGIN of its own, its COMMIT a later step. */
  readonly overlap: boolean;
  /** Wall time of one schedule; past it the schedule is a hang. */
  readonly timeoutMs: number;
}

class Hang extends Error {}

/**
 * Runs workflows on separate connections, one statement at a time, in the order a Chooser picks at
 * each choice point — PostgreSQL's isolation tester, driven by the model's workflows.
 *
 * After each step, every statement in flight has either answered or been seen waiting on a lock
 * held by another session of the schedule (asked of the server through the WaitObserver, never
 * guessed from a sleep); only then is the next step picked, so the same schedule always runs the
 * same way. A statement that cannot wait (a plain SELECT, BEGIN, COMMIT, ROLLBACK) is only awaited.
 * BEGIN is sent when a session reaches it, without a choice point: under READ COMMITTED it takes
 * no snapshot and no lock, so nothing another session does can tell when it ran.
 *
 * Two plain reads of different sessions, one right after the other, end alike in either order (a
 * plain SELECT changes nothing and takes no lock, and each session's next step depends only on its
 * own answers): of the two orders only the one with the lower session first is a choice, which
 * spares the exhaustive walk every interleaving that differs only by such a swap.
 *
 * A wait-for cycle is broken by the explorer itself, cancelling a fixed member (the session whose
 * step closed the cycle), so a replay always names the same victim; PostgreSQL's own detector
 * would pick by timing. The schedule then stops (a deadlock is a finding, and a leaf of the walk).
 */
export class Explorer {
  readonly sessions: readonly RaceSession[];
  readonly #pids: ReadonlyMap<number, number>;

  constructor(
    connections: readonly { readonly connection: RealConnection; readonly pid: number }[],
    readonly observer: WaitObserver,
    readonly options: ExplorerOptions,
  ) {
    this.sessions = connections.map(({ connection, pid }, i) => new RaceSession(i, connection, pid));
    this.#pids = new Map(connections.map(({ pid }, i) => [pid, i]));
  }

  /** Runs one schedule of `programs` (one per session, at most as many as there are connections). */
  async execute(programs: readonly Program<Outcome>[], choose: Chooser): Promise<Execution> {
    const sessions = this.sessions.slice(0, programs.length);
    const timeline: TimelineEvent[] = [];
    const choices: ChoiceRecord[] = [];
    const deadline = performance.now() + this.options.timeoutMs;
    const run = new ScheduleRun(sessions, this.#pids, this.observer, this.options, timeline, deadline);
    let stop: Stop | undefined;
    try {
      for (let i = 0; i < sessions.length; i++) {
        sessions[i]!.reset(programs[i]!);
        await run.prepare(sessions[i]!);
      }
      /** The session of the step just taken, when that step was a plain read (see plainRead). */
      let lastRead: number | undefined;
      for (;;) {
        const able = sessions.filter((session) => session.ready);
        const canonical = able.filter((session) => lastRead === undefined || session.index >= lastRead || !run.plainRead(session));
        // Only a swap that leaves a choice is spared (when the read ended its session, nothing else can step).
        const ready = (canonical.length > 0 ? canonical : able).map((session) => session.index);
        if (ready.length === 0) {
          if (sessions.every((session) => session.finished)) break;
          // Everyone left waits, and on no one of the schedule (a cycle was caught below): wait.
          await run.settle();
          continue;
        }
        const picked = ready.length === 1 ? ready[0]! : choose(choices.length, ready);
        if (ready.length > 1) choices.push({ ready, picked });
        lastRead = run.plainRead(sessions[picked]!) ? picked : undefined;
        await run.launch(sessions[picked]!);
        await run.settle();
        const cycle = run.waitCycle();
        if (cycle !== undefined) {
          const victim = cycle.includes(picked) ? picked : Math.max(...cycle);
          const steps = cycle.map((index) => sessions[index]!.flight!.step);
          await run.breakDeadlock(sessions[victim]!);
          stop = { kind: 'deadlock', cycle, steps, victim };
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof Hang)) throw error;
      stop = { kind: 'hang', afterMs: this.options.timeoutMs, stuck: error.message };
    } finally {
      await run.abandon();
    }
    return {
      choices,
      schedule: printSchedule(choices),
      timeline,
      answers: sessions.map((session) => session.answer),
      errors: sessions.map((session) => session.errors),
      ...(stop === undefined ? {} : { stop }),
    };
  }
}

/** The moving parts of one schedule. */
class ScheduleRun {
  constructor(
    readonly sessions: readonly RaceSession[],
    readonly pids: ReadonlyMap<number, number>,
    readonly observer: WaitObserver,
    readonly options: ExplorerOptions,
    readonly timeline: TimelineEvent[],
    readonly deadline: number,
  ) {}

  /**
   * Moves a session up to its next statement: elapsedMs is answered here (it is not a statement),
   * BEGIN is sent at once (see Explorer). A program that ends records its answer.
   */
  async prepare(session: RaceSession): Promise<void> {
    const database = session.connection.database;
    while (session.next.done !== true) {
      const step = session.next.value;
      if (step.op === 'elapsedMs') {
        session.advance(await answerAsync(() => database.perform(step)));
      } else if (step.op === 'begin') {
        const result = await answerAsync(() => database.perform(step));
        this.#record(session, 'BEGIN', result, false);
        session.advance(result);
      } else {
        return;
      }
    }
    // A workflow that ends inside its transaction leaves it uncommitted, as the model does.
    await database.abandon();
    session.answer = session.next.value;
    this.timeline.push({ session: session.index, event: 'answered', answer: outcomeLabel(session.answer) });
  }

  /** Whether the session's next step is a plain read: a SELECT that takes no lock (and no COMMIT is pending). */
  plainRead(session: RaceSession): boolean {
    if (session.pendingCommit !== undefined || session.next.done === true || session.next.value.op !== 'query') return false;
    const query = session.connection.database.query(session.next.value.name);
    return query.readOnly && !query.canWait;
  }

  /** Sends the session's next step: its statement, or the COMMIT of an overlapped one. */
  async launch(session: RaceSession): Promise<void> {
    const database = session.connection.database;
    if (session.pendingCommit !== undefined) {
      session.send('COMMIT', database.perform({ op: 'commit' }), { canWait: false, endsOverlap: true });
      return;
    }
    if (session.next.done === true) throw new Error(`session ${session.letter} has no step to take`);
    const step = session.next.value;
    if (step.op !== 'query') {
      session.send(describeStep(step), database.perform(step), { canWait: false });
      return;
    }
    const canWait = database.query(step.name).canWait;
    const overlapped = this.options.overlap && canWait && !database.inTransaction;
    if (overlapped) await database.perform({ op: 'begin' });
    session.send(step.name, database.perform(step), { canWait, overlapped });
  }

  /**
   * Returns once every statement in flight has answered (and landed) or is seen waiting on a lock
   * held by a session of this schedule. "Not waiting" is concluded only from a statement's reply.
   */
  async settle(): Promise<void> {
    for (;;) {
      const flying = this.sessions.filter((session) => session.flight !== undefined);
      const landed = flying.filter((session) => session.flight!.answer !== undefined);
      for (const session of landed) await this.#land(session);
      if (landed.length > 0) continue;
      if (flying.length === 0) return;
      this.#checkDeadline(flying);
      if (flying.every((session) => !session.flight!.canWait)) {
        await withDeadline(Promise.race(flying.map((session) => session.flight!.settled)), this.deadline, () => this.#stuck(flying));
        continue;
      }
      const waits = await this.observer.waits(flying.map((session) => session.pid));
      // An answer that came in meanwhile may have released locks: what the poll saw may be stale.
      if (flying.some((session) => session.flight!.answer !== undefined)) continue;
      let allWaiting = true;
      for (const session of flying) {
        const flight = session.flight!;
        const wait = waits.get(session.pid);
        const waitingFor = (wait?.blockers ?? []).flatMap((pid) => {
          const index = this.pids.get(pid);
          return index === undefined || index >= this.sessions.length ? [] : [index];
        });
        if (waitingFor.length > 0 && !sameMembers(waitingFor, flight.waitingFor)) {
          this.timeline.push({ session: session.index, event: 'waits', step: flight.step, for: waitingFor, ...(wait?.lock === undefined ? {} : { lock: wait.lock }) });
        }
        flight.waitingFor = waitingFor;
        if (waitingFor.length > 0) flight.waited = true;
        else allWaiting = false;
      }
      if (allWaiting) return;
    }
  }

  /** A cycle in the wait-for graph of the sessions seen waiting, as session indices, if any. */
  waitCycle(): number[] | undefined {
    const edges = (index: number) => this.sessions[index]?.flight?.waitingFor ?? [];
    for (const start of this.sessions) {
      const path: number[] = [];
      const onPath = new Set<number>();
      const visit = (node: number): number[] | undefined => {
        if (onPath.has(node)) return path.slice(path.indexOf(node));
        path.push(node);
        onPath.add(node);
        for (const next of edges(node)) {
          const cycle = visit(next);
          if (cycle) return cycle;
        }
        path.pop();
        onPath.delete(node);
        return undefined;
      };
      const cycle = visit(start.index);
      if (cycle) return cycle;
    }
    return undefined;
  }

  /** Cancels the victim's statement; it fails as PostgreSQL's own victim would, with 40P01. */
  async breakDeadlock(victim: RaceSession): Promise<void> {
    const flight = victim.flight;
    if (flight === undefined) throw new Error(`deadlock victim ${victim.letter} has nothing in flight`);
    await this.observer.cancel(victim.pid);
    await flight.settled;
    victim.flight = undefined;
    victim.errors.push(DEADLOCK);
    this.timeline.push({ session: victim.index, event: 'failed', step: flight.step, sqlstate: DEADLOCK, message: 'deadlock detected (cycle broken by chatcheck)', afterWait: true });
  }

  /**
   * Leaves every connection idle and outside any transaction, whatever happened: a statement still
   * in flight is cancelled from the observer (its connection accepts nothing else meanwhile), then
   * every open transaction is rolled back.
   */
  async abandon(): Promise<void> {
    for (const session of this.sessions) {
      const flight = session.flight;
      if (flight === undefined) continue;
      if (flight.answer === undefined) await this.observer.cancel(session.pid);
      await flight.settled.catch(() => {});
      session.flight = undefined;
    }
    for (const session of this.sessions) await session.connection.database.abandon();
  }

  /** A statement answered: record it and move its session on. */
  async #land(session: RaceSession): Promise<void> {
    const flight = session.flight!;
    const result = flight.answer!;
    session.flight = undefined;
    this.#record(session, flight.step, result, flight.waited, flight.overlapped);
    if (flight.endsOverlap) {
      // The commit of an overlapped statement: the program now sees the statement's answer.
      const statement = session.pendingCommit!;
      session.pendingCommit = undefined;
      session.advance(result.ok ? statement : result);
    } else if (flight.overlapped && result.ok) {
      session.pendingCommit = result;
      return;
    } else {
      // A failed overlapped statement aborted the explorer's own transaction: end it at once.
      if (flight.overlapped) await session.connection.database.perform({ op: 'rollback' });
      session.advance(result);
    }
    await this.prepare(session);
  }

  #record(session: RaceSession, step: string, result: Answer<StepResult>, afterWait: boolean, uncommitted = false): void {
    if (result.ok) {
      const described = describeResult(result.value);
      this.timeline.push({ session: session.index, event: 'ran', step, result: uncommitted ? `${described}, uncommitted` : described, afterWait });
    } else {
      session.errors.push(result.error.code);
      this.timeline.push({ session: session.index, event: 'failed', step, sqlstate: result.error.code, message: result.error.message, afterWait });
    }
  }

  #checkDeadline(flying: readonly RaceSession[]): void {
    if (performance.now() > this.deadline) throw new Hang(this.#stuck(flying));
  }

  #stuck(flying: readonly RaceSession[]): string {
    return flying.map((session) => `${session.letter}: ${session.flight!.step} in flight`).join('; ');
  }
}

async function withDeadline(promise: Promise<unknown>, deadline: number, stuck: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Hang(stuck())), Math.max(0, deadline - performance.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

