import type { Transaction } from '../database.js';
import { coalesce, eq, first, isIn, orderBy, type Args, type Ordering } from '../sql.js';
import { Instant, type Row, type Value } from '../values.js';

/**
 * The 17 task-lifecycle queries of src/queries/tasks.sql, one function each, as spec/queries.md
 * Part 2 describes them. The guarded ones are compare-and-set: when the row is missing or its status
 * does not match they change nothing and return no row. Columns not named stay unchanged.
 */

const pending = ['queued', 'dispatched', 'running'];
const active = ['dispatched', 'running'];

/** ORDER BYs as data (see chatOrderings). `[]`: UPDATE … RETURNING, no defined order. */
export const taskOrderings = {
  CancelAgentTasksByChatSession: [],
  ClaimAgentTask: [
    ['priority', 'desc'],
    ['created_at', 'asc'],
  ],
  ListQueuedClaimCandidatesByRuntime: [
    ['priority', 'desc'],
    ['created_at', 'asc'],
  ],
  RecoverOrphanedTasksForRuntime: [],
  FailStaleTasks: [],
  FailTasksForOfflineRuntimes: [],
} as const satisfies Record<string, Ordering>;

/** Sets `changes` on every row of `rows` (found before any of them changed), returning the new rows. */
function updateAll(tx: Transaction, rows: readonly Row[], changes: Readonly<Record<string, Value>>): Row[] {
  return rows.map((row) => tx.update('agent_task_queue', row['id'], changes));
}

/** The task row if it exists and its status is one of `statuses`, else undefined. */
function taskIn(tx: Transaction, id: Value, statuses: readonly string[]): Row | undefined {
  const task = tx.get('agent_task_queue', id);
  return task !== undefined && isIn(task['status'], statuses) ? task : undefined;
}

/**
 * Every queued/dispatched/running task of the session → cancelled, completed_at = now(); returns the
 * updated rows (still carrying the session id). Terminal rows are untouched.
 */
export function CancelAgentTasksByChatSession(tx: Transaction, { chat_session_id }: Args<'chat_session_id'>): Row[] {
  const tasks = tx.filter('agent_task_queue', (t) => eq(t['chat_session_id'], chat_session_id) && isIn(t['status'], pending));
  return updateAll(tx, tasks, { status: 'cancelled', completed_at: tx.now });
}

/**
 * INSERT … SELECT from the parent as it is now, whatever its status: copies agent_id, runtime_id,
 * issue_id, chat_session_id, autopilot_run_id, priority, trigger_comment_id, trigger_summary,
 * context, session_id, work_dir, max_attempts; status 'queued', attempt + 1, parent_task_id; the
 * rest default. No row when the parent is missing.
 */
export function CreateRetryTask(tx: Transaction, { id }: Args<'id'>): Row | null {
  const parent = tx.get('agent_task_queue', id);
  if (parent === undefined) return null;
  const copy = (column: string): Value => parent[column] ?? null;
  return tx.insert('agent_task_queue', {
    agent_id: copy('agent_id'),
    runtime_id: copy('runtime_id'),
    issue_id: copy('issue_id'),
    chat_session_id: copy('chat_session_id'),
    autopilot_run_id: copy('autopilot_run_id'),
    priority: copy('priority'),
    trigger_comment_id: copy('trigger_comment_id'),
    trigger_summary: copy('trigger_summary'),
    context: copy('context'),
    session_id: copy('session_id'),
    work_dir: copy('work_dir'),
    max_attempts: copy('max_attempts'),
    status: 'queued',
    attempt: (parent['attempt'] as number) + 1,
    parent_task_id: parent['id'] ?? null,
  });
}

const unlinked = (task: Row): boolean =>
  task['issue_id'] === null && task['chat_session_id'] === null && task['autopilot_run_id'] === null;

/**
 * Whether a queued candidate is serialised behind an active (dispatched/running) task of the same
 * agent: 1. same issue; 2. same chat session; 3. both have no issue, chat session or autopilot run.
 */
function serialisedBehind(candidate: Row, running: Row): boolean {
  return (
    (candidate['issue_id'] !== null && eq(running['issue_id'], candidate['issue_id'])) ||
    (candidate['chat_session_id'] !== null && eq(running['chat_session_id'], candidate['chat_session_id'])) ||
    (unlinked(candidate) && unlinked(running))
  );
}

/**
 * Dispatches the agent's first queued task by priority DESC, created_at ASC that is not serialised
 * behind one of the agent's dispatched/running tasks: status 'dispatched', dispatched_at = now().
 * Selects by agent, not runtime; never reads chat_session.status; no capacity check. (FOR UPDATE
 * SKIP LOCKED skips rows other transactions lock; the model runs one program at a time.)
 */
export function ClaimAgentTask(tx: Transaction, { agent_id }: Args<'agent_id'>): Row | null {
  const agentTasks = tx.filter('agent_task_queue', (t) => eq(t['agent_id'], agent_id));
  const running = agentTasks.filter((t) => isIn(t['status'], active));
  const candidates = agentTasks.filter(
    (candidate) => candidate['status'] === 'queued' && !running.some((r) => serialisedBehind(candidate, r)),
  );
  const chosen = first(candidates, taskOrderings.ClaimAgentTask);
  return chosen === null ? null : tx.update('agent_task_queue', chosen['id'], { status: 'dispatched', dispatched_at: tx.now });
}

/** dispatched → running, started_at = now(). */
export function StartAgentTask(tx: Transaction, { id }: Args<'id'>): Row | null {
  if (taskIn(tx, id, ['dispatched']) === undefined) return null;
  return tx.update('agent_task_queue', id, { status: 'running', started_at: tx.now });
}

/** running → completed; result stored as given; session_id and work_dir OVERWRITTEN (NULL erases). */
export function CompleteAgentTask(
  tx: Transaction,
  { id, result, session_id, work_dir }: Args<'id' | 'result' | 'session_id' | 'work_dir'>,
): Row | null {
  if (taskIn(tx, id, ['running']) === undefined) return null;
  return tx.update('agent_task_queue', id, { status: 'completed', completed_at: tx.now, result, session_id, work_dir });
}

/**
 * dispatched/running → failed; error as given; failure_reason = COALESCE(argument, 'agent_error');
 * session_id/work_dir = COALESCE(argument, current).
 */
export function FailAgentTask(
  tx: Transaction,
  { id, error, failure_reason, session_id, work_dir }: Args<'id' | 'error' | 'failure_reason' | 'session_id' | 'work_dir'>,
): Row | null {
  const task = taskIn(tx, id, active);
  if (task === undefined) return null;
  return tx.update('agent_task_queue', id, {
    status: 'failed',
    completed_at: tx.now,
    error,
    failure_reason: coalesce(failure_reason, 'agent_error'),
    session_id: coalesce(session_id, task['session_id']),
    work_dir: coalesce(work_dir, task['work_dir']),
  });
}

/** While dispatched/running: session_id/work_dir COALESCE, last_heartbeat_at = now(). Task row only. */
export function UpdateAgentTaskSession(tx: Transaction, { id, session_id, work_dir }: Args<'id' | 'session_id' | 'work_dir'>): number {
  const task = taskIn(tx, id, active);
  if (task === undefined) return 0;
  tx.update('agent_task_queue', id, {
    session_id: coalesce(session_id, task['session_id']),
    work_dir: coalesce(work_dir, task['work_dir']),
    last_heartbeat_at: tx.now,
  });
  return 1;
}

/** queued/dispatched/running → cancelled, completed_at = now(). */
export function CancelAgentTask(tx: Transaction, { id }: Args<'id'>): Row | null {
  if (taskIn(tx, id, pending) === undefined) return null;
  return tx.update('agent_task_queue', id, { status: 'cancelled', completed_at: tx.now });
}

export function GetAgentTask(tx: Transaction, { id }: Args<'id'>): Row | null {
  return tx.get('agent_task_queue', id) ?? null;
}

/** Archived agents too. */
export function GetAgent(tx: Transaction, { id }: Args<'id'>): Row | null {
  return tx.get('agent', id) ?? null;
}

/** An agent of another workspace is "no row". */
export function GetAgentInWorkspace(tx: Transaction, { id, workspace_id }: Args<'id' | 'workspace_id'>): Row | null {
  const agent = tx.get('agent', id);
  return agent !== undefined && eq(agent['workspace_id'], workspace_id) ? agent : null;
}

/**
 * agent.status := 'working' if the agent has a dispatched/running task (any runtime), else 'idle',
 * overwriting any other status; updated_at = now(). No row if the agent is missing.
 */
export function RefreshAgentStatusFromTasks(tx: Transaction, { id }: Args<'id'>): Row | null {
  if (tx.get('agent', id) === undefined) return null;
  const working = tx.filter('agent_task_queue', (atq) => eq(atq['agent_id'], id) && isIn(atq['status'], active)).length > 0;
  return tx.update('agent', id, { status: working ? 'working' : 'idle', updated_at: tx.now });
}

/** `{ count }` of the agent's dispatched/running tasks, any runtime (a bigint, as a number). */
export function CountRunningTasks(tx: Transaction, { agent_id }: Args<'agent_id'>): Row {
  const count = tx.filter('agent_task_queue', (t) => eq(t['agent_id'], agent_id) && isIn(t['status'], active)).length;
  return { count };
}

/** Queued tasks stamped with this runtime, priority DESC, created_at ASC. */
export function ListQueuedClaimCandidatesByRuntime(tx: Transaction, { runtime_id }: Args<'runtime_id'>): Row[] {
  const tasks = tx.filter('agent_task_queue', (t) => eq(t['runtime_id'], runtime_id) && t['status'] === 'queued');
  return orderBy(tasks, taskOrderings.ListQueuedClaimCandidatesByRuntime);
}

/** The runtime's dispatched/running tasks → failed ('runtime_recovery'). session_id/work_dir untouched. */
export function RecoverOrphanedTasksForRuntime(tx: Transaction, { runtime_id }: Args<'runtime_id'>): Row[] {
  const tasks = tx.filter('agent_task_queue', (t) => eq(t['runtime_id'], runtime_id) && isIn(t['status'], active));
  return updateAll(tx, tasks, {
    status: 'failed',
    completed_at: tx.now,
    error: 'daemon restarted while task was in flight',
    failure_reason: 'runtime_recovery',
  });
}

/**
 * `since < now() − timeout` for a timeout in seconds. The model has no clock, only ticks: it CANNOT
 * measure whether a positive number of seconds has passed, so it treats every positive timeout as
 * not yet elapsed (the tester must pass timeouts longer than a run, as the real ones — 300 s and
 * 9000 s — are). A zero or negative timeout is decidable from ticks: `since < now()` holds for a
 * time written by an earlier transaction, `since < now() + |t|` for every time already written.
 */
function timedOut(tx: Transaction, since: Value | undefined, timeoutSecs: Value): boolean {
  if (!(since instanceof Instant) || typeof timeoutSecs !== 'number' || Number.isNaN(timeoutSecs)) return false;
  if (timeoutSecs > 0) return false;
  return timeoutSecs === 0 ? since.tick < tx.now.tick : since.tick <= tx.now.tick;
}

/**
 * Sweeper: dispatched tasks with dispatched_at older than the dispatch timeout, running tasks with
 * started_at older than the running timeout → failed ('timeout'). See timedOut: with positive
 * timeouts the model returns no rows.
 */
export function FailStaleTasks(
  tx: Transaction,
  { dispatch_timeout_secs, running_timeout_secs }: Args<'dispatch_timeout_secs' | 'running_timeout_secs'>,
): Row[] {
  const tasks = tx.filter(
    'agent_task_queue',
    (t) =>
      (t['status'] === 'dispatched' && timedOut(tx, t['dispatched_at'], dispatch_timeout_secs)) ||
      (t['status'] === 'running' && timedOut(tx, t['started_at'], running_timeout_secs)),
  );
  return updateAll(tx, tasks, { status: 'failed', completed_at: tx.now, error: 'task timed out', failure_reason: 'timeout' });
}

/** Sweeper: dispatched/running tasks whose runtime is 'offline' → failed ('runtime_offline'). */
export function FailTasksForOfflineRuntimes(tx: Transaction, _args: Args<never>): Row[] {
  const tasks = tx.filter(
    'agent_task_queue',
    (t) => isIn(t['status'], active) && tx.get('agent_runtime', t['runtime_id'])?.['status'] === 'offline',
  );
  return updateAll(tx, tasks, {
    status: 'failed',
    completed_at: tx.now,
    error: 'runtime went offline',
    failure_reason: 'runtime_offline',
  });
}
