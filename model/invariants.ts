import type { TableName } from './schema.js';

/**
 * Rules that hold of every reachable state at 60b215f44f, whatever the commands — including direct
 * calls of single queries with any arguments, and deletes around the chat rows. They say what must
 * never be seen, not what a command must answer, so they apply where the model cannot say which
 * of several outcomes is right (races), and a finding names the rule instead of a row difference.
 *
 * Rules read rows through `===` and NULL checks only, so the same rule runs on the model's rows and
 * on PostgreSQL's (whose ids and timestamps are other objects, as in workflows).
 */
export interface Invariant {
  readonly name: string;
  readonly table: TableName;
  /** What holds, in one sentence, for the report. */
  readonly rule: string;
  /** The rows that break the rule (empty when it holds), each group of offenders as one entry. */
  violations(rows: readonly Readonly<Record<string, unknown>>[]): readonly (readonly Readonly<Record<string, unknown>>[])[];
}

const inFlight = (row: Readonly<Record<string, unknown>>): boolean => row['status'] === 'dispatched' || row['status'] === 'running';

/**
 * The claim's serialisation, as a state rule: ClaimAgentTask dispatches a task only when no task
 * of the same agent and the same chat session (or issue) is dispatched or running, and nothing else
 * makes a task dispatched. A link that is set never changes to another value (SET NULL only drops
 * it), so no later write can bring two in-flight tasks into one group.
 */
function oneInFlightPer(link: 'chat_session_id' | 'issue_id'): Invariant['violations'] {
  return (rows) => {
    const groups = new Map<unknown, Map<unknown, Readonly<Record<string, unknown>>[]>>();
    for (const row of rows) {
      if (!inFlight(row) || row[link] === null) continue;
      const byLink = groups.get(row['agent_id']) ?? new Map<unknown, Readonly<Record<string, unknown>>[]>();
      groups.set(row['agent_id'], byLink);
      byLink.set(row[link], [...(byLink.get(row[link]) ?? []), row]);
    }
    return [...groups.values()].flatMap((byLink) => [...byLink.values()].filter((group) => group.length > 1));
  };
}

/** A status whose transition sets a timestamp has that timestamp (spec: the task lifecycle table). */
function stampedBy(statuses: readonly string[], column: string): Invariant['violations'] {
  return (rows) => rows.filter((row) => statuses.includes(row['status'] as string) && row[column] === null).map((row) => [row]);
}

export const invariants: readonly Invariant[] = [
  {
    name: 'one in-flight task per agent and chat session',
    table: 'agent_task_queue',
    rule: 'at most one task of an agent and a chat session is dispatched or running (the claim serialises them)',
    violations: oneInFlightPer('chat_session_id'),
  },
  {
    name: 'one in-flight task per agent and issue',
    table: 'agent_task_queue',
    rule: 'at most one task of an agent and an issue is dispatched or running (the claim serialises them)',
    violations: oneInFlightPer('issue_id'),
  },
  {
    name: 'dispatched tasks have dispatched_at',
    table: 'agent_task_queue',
    rule: 'a dispatched or running task has dispatched_at (set by the claim)',
    violations: stampedBy(['dispatched', 'running'], 'dispatched_at'),
  },
  {
    name: 'running tasks have started_at',
    table: 'agent_task_queue',
    rule: 'a running task has started_at (set by the start)',
    violations: stampedBy(['running'], 'started_at'),
  },
  {
    name: 'finished tasks have completed_at',
    table: 'agent_task_queue',
    rule: 'a completed, failed or cancelled task has completed_at (set by every transition into them)',
    violations: stampedBy(['completed', 'failed', 'cancelled'], 'completed_at'),
  },
];
