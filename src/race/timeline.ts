import type { StepResult } from '../../model/program.js';
import { sessionLetter } from './schedule.js';
import type { WaitLock } from './wait-observer.js';

/**
 * What happened in one schedule, in the order the explorer saw it: data first (kept in findings and
 * the JSON report), printed by renderTimeline in the spirit of the isolation tester's expected output.
 */
export type TimelineEvent =
  /** A statement (or BEGIN/COMMIT/ROLLBACK) answered; `afterWait` when it was seen waiting first. */
  | { readonly session: number; readonly event: 'ran'; readonly step: string; readonly result: string; readonly afterWait: boolean }
  | { readonly session: number; readonly event: 'failed'; readonly step: string; readonly sqlstate: string; readonly message: string; readonly afterWait: boolean }
  /** A statement was seen waiting for a lock held by these sessions; `lock` is the lock (when the poll saw it). */
  | { readonly session: number; readonly event: 'waits'; readonly step: string; readonly for: readonly number[]; readonly lock?: WaitLock }
  /** The workflow answered (HTTP status), or ended with a database error it did not catch. */
  | { readonly session: number; readonly event: 'answered'; readonly answer: string };

/** A statement's result in a few words: `row`, `no row`, `2 rows`, `ok`. */
export function describeResult(result: StepResult): string {
  switch (result.kind) {
    case 'one':
      return result.row === null ? 'no row' : 'row';
    case 'many':
      return `${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`;
    case 'value':
      return String(result.value);
    default:
      return 'ok';
  }
}

/**
 * The lock in a few words, as PostgreSQL names its type and mode: `ShareLock on transaction (row of
 * agent_task_queue)` — a row wait is a wait for the transaction that changed or locked the row —,
 * `RowExclusiveLock on agent_task_queue`, `ExclusiveLock on tuple of chat_session`.
 */
export function describeLock(lock: WaitLock): string {
  switch (lock.locktype) {
    case 'transactionid':
      return `${lock.mode} on transaction${lock.relation === undefined ? '' : ` (row of ${lock.relation})`}`;
    case 'relation':
      return `${lock.mode} on ${lock.relation ?? 'a relation'}`;
    case 'tuple':
      return `${lock.mode} on tuple${lock.relation === undefined ? '' : ` of ${lock.relation}`}`;
    default:
      return `${lock.mode} on ${lock.locktype}${lock.relation === undefined ? '' : ` of ${lock.relation}`}`;
  }
}

function eventText(event: TimelineEvent): string {
  switch (event.event) {
    case 'ran':
      return `${event.afterWait ? '... ' : ''}${event.step} → ${event.result}`;
    case 'failed':
      return `${event.afterWait ? '... ' : ''}${event.step} → ERROR ${event.sqlstate}`;
    case 'waits':
      return `${event.step} waits for ${event.for.map(sessionLetter).join(', ')}`;
    case 'answered':
      return `= ${event.answer}`;
  }
}

/**
 * One column per session, one event per line (a wait's lock on the next), in the order they happened:
 *
 *     A                                         | B
 *     LockChatSessionForDelete → row, uncommitted |
 *                                               | CompleteAgentTask → row, uncommitted
 *     CancelAgentTasksByChatSession waits for B |
 *       ShareLock on transaction (row of agent… |
 */
export function renderTimeline(events: readonly TimelineEvent[], sessions: number, maxWidth = 56): string[] {
  // A wait's lock goes on a line of its own below it, in the waiting session's column.
  const lines = events.flatMap((event) => [
    { session: event.session, text: eventText(event) },
    ...(event.event === 'waits' && event.lock !== undefined ? [{ session: event.session, text: `  ${describeLock(event.lock)}` }] : []),
  ]);
  const width = Math.min(maxWidth, Math.max(12, ...lines.map((line) => line.text.length)));
  const cell = (text: string) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
  const row = (session: number, text: string) =>
    Array.from({ length: sessions }, (_, i) => (i === session ? cell(text) : cell('')))
      .join(' | ')
      .trimEnd();
  const header = Array.from({ length: sessions }, (_, i) => cell(sessionLetter(i))).join(' | ').trimEnd();
  return [header, ...lines.map((line) => row(line.session, line.text))];
}
