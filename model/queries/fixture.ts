import type { Transaction } from '../database.js';
import type { Args } from '../sql.js';
import type { Row } from '../values.js';

/**
 * The 22 queries of src/queries/fixture.sql: chatcheck's own statements for the rows around chat
 * (workspaces, users, members, runtimes, agents, issues, and the issue and autopilot tasks chat
 * does not create) and the changes to them the tests need. Not under test, but modelled like the
 * others so that constraints and cascades hit them the same way.
 */

export function FixtureCreateWorkspace(tx: Transaction, { name, slug }: Args<'name' | 'slug'>): Row {
  return tx.insert('workspace', { name, slug });
}

export function FixtureCreateUser(tx: Transaction, { name, email }: Args<'name' | 'email'>): Row {
  return tx.insert('user', { name, email });
}

export function FixtureCreateMember(tx: Transaction, { workspace_id, user_id }: Args<'workspace_id' | 'user_id'>): Row {
  return tx.insert('member', { workspace_id, user_id, role: 'member' });
}

/** A local 'claude' runtime, online. */
export function FixtureCreateRuntime(tx: Transaction, { workspace_id, name }: Args<'workspace_id' | 'name'>): Row {
  return tx.insert('agent_runtime', { workspace_id, name, runtime_mode: 'local', provider: 'claude', status: 'online' });
}

/** A local agent on that runtime; status 'offline' and max_concurrent_tasks 6 by default. */
export function FixtureCreateAgent(tx: Transaction, { workspace_id, name, runtime_id }: Args<'workspace_id' | 'name' | 'runtime_id'>): Row {
  return tx.insert('agent', { workspace_id, name, runtime_mode: 'local', runtime_id });
}

export function FixtureCreateIssue(tx: Transaction, { workspace_id }: Args<'workspace_id'>): Row {
  return tx.insert('issue', { workspace_id });
}

/**
 * A queued task of an issue on the agent's runtime (read now: NULL without such an agent, and then
 * the insert fails on runtime_id's NOT NULL, 23502); no chat session, no autopilot run.
 */
export function FixtureCreateIssueTask(tx: Transaction, { agent_id, issue_id, priority }: Args<'agent_id' | 'issue_id' | 'priority'>): Row {
  const runtime_id = tx.get('agent', agent_id)?.['runtime_id'] ?? null;
  return tx.insert('agent_task_queue', { agent_id, runtime_id, issue_id, status: 'queued', priority });
}

/** A queued task of an autopilot run (any UUID: autopilot_run has no table) on the agent's runtime, as FixtureCreateIssueTask. */
export function FixtureCreateAutopilotTask(
  tx: Transaction,
  { agent_id, autopilot_run_id, priority }: Args<'agent_id' | 'autopilot_run_id' | 'priority'>,
): Row {
  const runtime_id = tx.get('agent', agent_id)?.['runtime_id'] ?? null;
  return tx.insert('agent_task_queue', { agent_id, runtime_id, autopilot_run_id, status: 'queued', priority });
}

/** archived_at = now() (updated_at untouched). */
export function FixtureArchiveAgent(tx: Transaction, { id }: Args<'id'>): number {
  if (tx.get('agent', id) === undefined) return 0;
  tx.update('agent', id, { archived_at: tx.now });
  return 1;
}

/** A legacy archived session (nothing at 60b writes this status); updated_at untouched. */
export function FixtureArchiveChatSession(tx: Transaction, { id }: Args<'id'>): number {
  if (tx.get('chat_session', id) === undefined) return 0;
  tx.update('chat_session', id, { status: 'archived' });
  return 1;
}

/** Moves an agent to another runtime (23503 if it does not exist); its sessions keep their runtime_id. */
export function FixtureMoveAgent(tx: Transaction, { runtime_id, id }: Args<'runtime_id' | 'id'>): number {
  if (tx.get('agent', id) === undefined) return 0;
  tx.update('agent', id, { runtime_id, updated_at: tx.now });
  return 1;
}

/** The claim's capacity; NOT NULL (23502). updated_at = now(). */
export function FixtureSetAgentMaxConcurrentTasks(tx: Transaction, { max_concurrent_tasks, id }: Args<'max_concurrent_tasks' | 'id'>): number {
  if (tx.get('agent', id) === undefined) return 0;
  tx.update('agent', id, { max_concurrent_tasks, updated_at: tx.now });
  return 1;
}

/** Stores the task's row anew on PostgreSQL's side, changing no value: nothing for the model to do. */
export function FixtureRewriteTask(tx: Transaction, { id }: Args<'id'>): number {
  return tx.get('agent_task_queue', id) === undefined ? 0 : 1;
}

/** FixtureRewriteTask on the agent's first queued task: nothing for the model to do. */
export function FixtureRewriteFirstQueuedTask(tx: Transaction, { agent_id }: Args<'agent_id'>): number {
  return tx.filter('agent_task_queue', (task) => task['agent_id'] === agent_id && task['status'] === 'queued').length > 0 ? 1 : 0;
}

/** As FixtureRewriteTask, for a message. */
export function FixtureRewriteMessage(tx: Transaction, { id }: Args<'id'>): number {
  return tx.get('chat_message', id) === undefined ? 0 : 1;
}

/** The planner's choice of scans on PostgreSQL's side: nothing the model can see. */
export function FixtureScanWithoutIndexes(): number {
  return 0;
}

/** status must be 'online' or 'offline' (23514). */
export function FixtureSetRuntimeStatus(tx: Transaction, { status, id }: Args<'status' | 'id'>): number {
  if (tx.get('agent_runtime', id) === undefined) return 0;
  tx.update('agent_runtime', id, { status, updated_at: tx.now });
  return 1;
}

/** Cascades to the agent's sessions (and their messages) and all its tasks. */
export function FixtureDeleteAgent(tx: Transaction, { id }: Args<'id'>): number {
  return tx.delete('agent', [id]);
}

/** Cascades to the user's sessions and memberships; blocked while the user owns an agent or runtime. */
export function FixtureDeleteUser(tx: Transaction, { id }: Args<'id'>): number {
  return tx.delete('user', [id]);
}

/** Cascades to everything of the workspace; blocked if an agent elsewhere uses one of its runtimes. */
export function FixtureDeleteWorkspace(tx: Transaction, { id }: Args<'id'>): number {
  return tx.delete('workspace', [id]);
}

/** Fails on agent_runtime_id_fkey while an agent uses the runtime; else deletes its tasks, nulls sessions' runtime_id. */
export function FixtureDeleteRuntime(tx: Transaction, { id }: Args<'id'>): number {
  return tx.delete('agent_runtime', [id]);
}

/** Cascades to the issue's tasks (and sets parent_task_id NULL in their retries that survive). */
export function FixtureDeleteIssue(tx: Transaction, { id }: Args<'id'>): number {
  return tx.delete('issue', [id]);
}
