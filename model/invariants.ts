import type { TableName } from './schema.js';
import type { State } from './state.js';

/**
 * Rules about states at 60b215f44f. Those in `invariants` hold of every reachable state, whatever the
 * commands — including direct calls of single queries with any arguments, and deletes around the chat
 * rows; those in `raceInvariants` only of states the workflows reach. They say what must
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
  /** Other tables the rule reads (through `tables`); absent when it reads only `table`'s rows. */
  readonly reads?: readonly TableName[];
  /**
   * The rows of `table` that break the rule (empty when it holds), each group of offenders as one
   * entry. `tables` gives the rows of the tables in `reads`; a rule that reads none ignores it.
   */
  violations(rows: readonly TableRow[], tables?: TableRows): readonly (readonly TableRow[])[];
}

/** A row as a rule sees it: the model's, or PostgreSQL's as read back (other id and time objects). */
export type TableRow = Readonly<Record<string, unknown>>;

/** The rows of a table, for rules that read more than one. */
export type TableRows = (name: TableName) => readonly TableRow[];

const inFlight = (row: TableRow): boolean => row['status'] === 'dispatched' || row['status'] === 'running';

/**
 * The claim's serialisation, as a state rule: ClaimAgentTask dispatches a task only when no task
 * of the same agent and the same chat session (or issue) is dispatched or running, and nothing else
 * makes a task dispatched. A link that is set never changes to another value (SET NULL only drops
 * it), so no later write can bring two in-flight tasks into one group.
 */
function oneInFlightPer(link: 'chat_session_id' | 'issue_id'): Invariant['violations'] {
  return (rows) => {
    const groups = new Map<unknown, Map<unknown, TableRow[]>>();
    for (const row of rows) {
      if (!inFlight(row) || row[link] === null) continue;
      const byLink = groups.get(row['agent_id']) ?? new Map<unknown, TableRow[]>();
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

/** A task that still waits for or holds a daemon: what a cancel must reach. */
const live = (row: TableRow): boolean => row['status'] === 'queued' || inFlight(row);

/** The rows of `name` from `tables`; a rule that reads another table cannot run without them. */
function rowsOf(tables: TableRows | undefined, name: TableName, rule: string): readonly TableRow[] {
  if (tables === undefined) throw new Error(`invariant "${rule}" reads ${name}: pass its rows`);
  return tables(name);
}

/**
 * Rules that hold of every state reachable through the workflows only — not through bare queries
 * with any arguments (a bare DeleteChatSession orphans a live task), so the sequential property,
 * which runs both, does not check them. They are what a race can break: each says what a serial
 * run of the 60b workflows never leaves behind (send-vs-delete-race.md §5).
 */
export const raceInvariants: readonly Invariant[] = [
  {
    name: 'no live chat task outlives its session',
    table: 'agent_task_queue',
    // At 60b every task is a chat task or a retry copying its parent's links: a live one with none
    // lost its session to a delete that did not cancel it (send-vs-delete-race.md §3, §6).
    rule: 'a queued, dispatched or running task has a chat session, an issue or an autopilot run',
    violations: (rows) =>
      rows
        .filter((row) => live(row) && row['chat_session_id'] === null && row['issue_id'] === null && row['autopilot_run_id'] === null)
        .map((row) => [row]),
  },
  {
    name: 'no message outlives its session',
    table: 'chat_message',
    rule: "a chat message's chat_session_id is the id of a chat session (the delete's cascade removes them together)",
    reads: ['chat_session'],
    violations: (rows, tables) => {
      // A Set compares ids as === does (strings in the model, interned objects from PostgreSQL).
      const sessions = new Set(rowsOf(tables, 'chat_session', 'no message outlives its session').map((session) => session['id']));
      return rows.filter((row) => !sessions.has(row['chat_session_id'])).map((row) => [row]);
    },
  },
];

/** Every rule a state reached by the workflows alone must satisfy. */
export const allRaceInvariants: readonly Invariant[] = [...invariants, ...raceInvariants];

/** A rule broken in a state, with its offenders (as `violations` groups them). */
export interface BrokenInvariant {
  readonly invariant: Invariant;
  readonly offenders: readonly (readonly TableRow[])[];
}

/** The rules of `rules` that the model state `state` breaks (empty when all hold). */
export function brokenInvariants(state: State, rules: readonly Invariant[]): BrokenInvariant[] {
  const tables: TableRows = (name) => state.table(name).rows();
  return rules
    .map((invariant) => ({ invariant, offenders: invariant.violations(tables(invariant.table), tables) }))
    .filter((broken) => broken.offenders.length > 0);
}
