import type { StepResult } from '../../model/program.js';
import { sessionLetter } from './schedule.js';

/**
 * What happened in one schedule, in the order the explorer saw it: data first (kept in findings and
 * the JSON report), printed by renderTimeline in the spirit of the isolation tester's expected output.
 */
export type TimelineEvent =
  /** A statement (or BEGIN/COMMIT/ROLLBACK) answered; `afterWait` when it was seen waiting first. */
  | { readonly session: number; readonly event: 'ran'; readonly step: string; readonly result: string; readonly afterWait: boolean }
  | { readonly session: number; readonly event: 'failed'; readonly step: string; readonly sqlstate: string; readonly message: string; readonly afterWait: boolean }
  /** A statement was seen waiting for a lock held by these sessions. */
  | { readonly session: number; readonly event: 'waits'; readonly step: string; readonly for: readonly number[] }
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
 * One column per session, one event per line, in the order they happened:
 *
 *     A                                   | B
 *     GetChatSessionInWorkspace → row     |
 *                                         | LockChatSessionForDelete → row
 */
export function renderTimeline(events: readonly TimelineEvent[], sessions: number, maxWidth = 56): string[] {
  const width = Math.min(maxWidth, Math.max(12, ...events.map((event) => eventText(event).length)));
  const cell = (text: string) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
  const row = (session: number, text: string) =>
    Array.from({ length: sessions }, (_, i) => (i === session ? cell(text) : cell('')))
      .join(' | ')
      .trimEnd();
  const header = Array.from({ length: sessions }, (_, i) => cell(sessionLetter(i))).join(' | ').trimEnd();
  return [header, ...events.map((event) => row(event.session, eventText(event)))];
}
