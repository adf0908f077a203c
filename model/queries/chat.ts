import type { Transaction } from '../database.js';
import { coalesce, eq, first, isIn, orderBy, pick, type Args, type Ordering } from '../sql.js';
import type { Row, Value } from '../values.js';

/**
 * The 19 queries of src/queries/chat.sql, one function each, as spec/queries.md Part 1 describes
 * them. Each takes the transaction it runs in (whose `now` is now()) and its arguments by parameter
 * name; `:one` returns a row or null, `:many` a list in the query's order, `:exec` how many rows it
 * affected (PostgreSQL's row count: rows the WHERE matched, changed or not; compared with the real
 * one when a file declares the query `:execrows`).
 * Writes go through the Transaction, which applies defaults and every constraint of the schema.
 */

const pending = ['queued', 'dispatched', 'running'];
const finished = ['completed', 'failed'];

/**
 * The ORDER BY of each query that has one, as data (used below, and by the tester to compare lists
 * "sorted the same way, ties in any order"). For the `:one … LIMIT 1` queries the key is read from
 * the agent_task_queue row, which the result does not identify: with tied keys PostgreSQL may pick
 * any of the tied rows.
 */
export const chatOrderings = {
  ListChatSessionsByCreator: [['updated_at', 'desc']],
  ListAllChatSessionsByCreator: [['updated_at', 'desc']],
  ListChatMessages: [['created_at', 'asc']],
  GetLastChatTaskSession: [['completed_at', 'desc', { table: 'agent_task_queue' }]],
  GetPendingChatTask: [['created_at', 'desc']],
  ListPendingChatTasksByCreator: [['created_at', 'desc', { table: 'agent_task_queue', id: 'task_id' }]],
} as const satisfies Record<string, Ordering>;

/**
 * INSERT with runtime_id = the runtime_id of agent `agent_id`, read now (NULL if there is no such
 * agent, and then the insert fails on chat_session_agent_id_fkey); everything else defaults.
 */
export function CreateChatSession(
  tx: Transaction,
  { workspace_id, agent_id, creator_id, title }: Args<'workspace_id' | 'agent_id' | 'creator_id' | 'title'>,
): Row {
  const runtime_id = tx.get('agent', agent_id)?.['runtime_id'] ?? null;
  return tx.insert('chat_session', { workspace_id, agent_id, creator_id, title, runtime_id });
}

export function GetChatSession(tx: Transaction, { id }: Args<'id'>): Row | null {
  return tx.get('chat_session', id) ?? null;
}

/** A session of another workspace is "no row". */
export function GetChatSessionInWorkspace(tx: Transaction, { id, workspace_id }: Args<'id' | 'workspace_id'>): Row | null {
  const session = tx.get('chat_session', id);
  return session !== undefined && eq(session['workspace_id'], workspace_id) ? session : null;
}

function listByCreator(tx: Transaction, workspace_id: Value, creator_id: Value, activeOnly: boolean): Row[] {
  const sessions = tx.filter(
    'chat_session',
    (cs) => eq(cs['workspace_id'], workspace_id) && eq(cs['creator_id'], creator_id) && (!activeOnly || cs['status'] === 'active'),
  );
  return orderBy(sessions, chatOrderings.ListChatSessionsByCreator).map(withHasUnread);
}

/** Rows never change, so each stored row's `cs.*, has_unread` row is built once. */
const listed = new WeakMap<Row, Row>();
function withHasUnread(cs: Row): Row {
  let row = listed.get(cs);
  if (row === undefined) listed.set(cs, (row = { ...cs, has_unread: cs['unread_since'] !== null }));
  return row;
}

/** `cs.*` plus has_unread = (unread_since IS NOT NULL), status 'active' only, updated_at DESC. */
export function ListChatSessionsByCreator(tx: Transaction, { workspace_id, creator_id }: Args<'workspace_id' | 'creator_id'>): Row[] {
  return listByCreator(tx, workspace_id, creator_id, true);
}

/** As ListChatSessionsByCreator, archived sessions included. */
export function ListAllChatSessionsByCreator(tx: Transaction, { workspace_id, creator_id }: Args<'workspace_id' | 'creator_id'>): Row[] {
  return listByCreator(tx, workspace_id, creator_id, false);
}

/** Unused at 60b. Sets title and updated_at. */
export function UpdateChatSessionTitle(tx: Transaction, { id, title }: Args<'id' | 'title'>): Row | null {
  if (tx.get('chat_session', id) === undefined) return null;
  return tx.update('chat_session', id, { title, updated_at: tx.now });
}

/** Each of session_id, work_dir, runtime_id := COALESCE(argument, current); updated_at = now() always. */
export function UpdateChatSessionSession(
  tx: Transaction,
  { session_id, work_dir, runtime_id, id }: Args<'session_id' | 'work_dir' | 'runtime_id' | 'id'>,
): number {
  const cs = tx.get('chat_session', id);
  if (cs === undefined) return 0;
  tx.update('chat_session', id, {
    session_id: coalesce(session_id, cs['session_id']),
    work_dir: coalesce(work_dir, cs['work_dir']),
    runtime_id: coalesce(runtime_id, cs['runtime_id']),
    updated_at: tx.now,
  });
  return 1;
}

/**
 * `SELECT id … FOR UPDATE`. The model runs one program at a time, so the row lock never makes it
 * wait; it returns `{ id }` or no row.
 */
export function LockChatSessionForDelete(tx: Transaction, { id }: Args<'id'>): Row | null {
  const cs = tx.get('chat_session', id);
  return cs === undefined ? null : pick(cs, ['id']);
}

/** Hard delete: messages cascade, every task of the session gets chat_session_id NULL (FK actions). */
export function DeleteChatSession(tx: Transaction, { id }: Args<'id'>): number {
  return tx.delete('chat_session', [id]);
}

export function TouchChatSession(tx: Transaction, { id }: Args<'id'>): number {
  if (tx.get('chat_session', id) === undefined) return 0;
  tx.update('chat_session', id, { updated_at: tx.now });
  return 1;
}

/** task_id is a soft reference (not checked); role is checked (23514), the session must exist (23503). */
export function CreateChatMessage(
  tx: Transaction,
  { chat_session_id, role, content, task_id, failure_reason, elapsed_ms }: Args<
    'chat_session_id' | 'role' | 'content' | 'task_id' | 'failure_reason' | 'elapsed_ms'
  >,
): Row {
  return tx.insert('chat_message', { chat_session_id, role, content, task_id, failure_reason, elapsed_ms });
}

/** The session's messages, created_at ASC. */
export function ListChatMessages(tx: Transaction, { chat_session_id }: Args<'chat_session_id'>): Row[] {
  const messages = tx.filter('chat_message', (m) => eq(m['chat_session_id'], chat_session_id));
  return orderBy(messages, chatOrderings.ListChatMessages);
}

/** Unused at 60b. */
export function GetChatMessage(tx: Transaction, { id }: Args<'id'>): Row | null {
  return tx.get('chat_message', id) ?? null;
}

/** issue_id NULL, status 'queued'; defaults for the rest. */
export function CreateChatTask(
  tx: Transaction,
  { agent_id, runtime_id, priority, chat_session_id }: Args<'agent_id' | 'runtime_id' | 'priority' | 'chat_session_id'>,
): Row {
  return tx.insert('agent_task_queue', { agent_id, runtime_id, issue_id: null, status: 'queued', priority, chat_session_id });
}

/**
 * (session_id, work_dir, runtime_id) of the session's completed or failed task with a session_id
 * and the greatest completed_at — where a NULL completed_at counts as greatest (DESC puts NULLs first).
 */
export function GetLastChatTaskSession(tx: Transaction, { chat_session_id }: Args<'chat_session_id'>): Row | null {
  const tasks = tx.filter(
    'agent_task_queue',
    (t) => eq(t['chat_session_id'], chat_session_id) && isIn(t['status'], finished) && t['session_id'] !== null,
  );
  const last = first(tasks, chatOrderings.GetLastChatTaskSession);
  return last === null ? null : pick(last, ['session_id', 'work_dir', 'runtime_id']);
}

/** (id, status, created_at) of the session's newest queued/dispatched/running task. */
export function GetPendingChatTask(tx: Transaction, { chat_session_id }: Args<'chat_session_id'>): Row | null {
  const tasks = tx.filter('agent_task_queue', (t) => eq(t['chat_session_id'], chat_session_id) && isIn(t['status'], pending));
  const newest = first(tasks, chatOrderings.GetPendingChatTask);
  return newest === null ? null : pick(newest, ['id', 'status', 'created_at']);
}

/**
 * (task_id, status, chat_session_id) of every queued/dispatched/running task whose session (inner
 * join: tasks without a session vanish) has this workspace and creator, task created_at DESC.
 * The session's status does not matter.
 */
export function ListPendingChatTasksByCreator(tx: Transaction, { workspace_id, creator_id }: Args<'workspace_id' | 'creator_id'>): Row[] {
  const tasks = tx.filter('agent_task_queue', (atq) => {
    if (!isIn(atq['status'], pending)) return false;
    const cs = tx.get('chat_session', atq['chat_session_id']);
    return cs !== undefined && eq(cs['workspace_id'], workspace_id) && eq(cs['creator_id'], creator_id);
  });
  return orderBy(tasks, chatOrderings.ListPendingChatTasksByCreator).map((atq) => ({
    task_id: atq['id'] ?? null,
    status: atq['status'] ?? null,
    chat_session_id: atq['chat_session_id'] ?? null,
  }));
}

/** unread_since := NULL, unconditionally (a session already read still counts as 1 row); updated_at untouched. */
export function MarkChatSessionRead(tx: Transaction, { id }: Args<'id'>): number {
  if (tx.get('chat_session', id) === undefined) return 0;
  tx.update('chat_session', id, { unread_since: null });
  return 1;
}

/** unread_since := now() only where it is NULL (the first stamp wins); updated_at untouched. */
export function SetUnreadSinceIfNull(tx: Transaction, { id }: Args<'id'>): number {
  const cs = tx.get('chat_session', id);
  if (cs === undefined || cs['unread_since'] !== null) return 0;
  tx.update('chat_session', id, { unread_since: tx.now });
  return 1;
}
