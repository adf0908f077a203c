/**
 * The named queries chatcheck runs, as data: a user-supplied queries file must define every one of
 * them with a sqlc command that gives what chatcheck reads (`:one` or `:batchone` for a `one`, …) and
 * the same number of parameters, or it is rejected before any test.
 *
 * Order = file order: first `chat.sql` (the 19 queries of the seed), then `tasks.sql` (the
 * task-lifecycle queries of upstream `agent.sql`/`runtime.sql` that the workflows use).
 *
 * `params` lists parameter names in position order, the way sqlc numbers them: positional `$n`
 * first, named with the column sqlc infers (`WHERE id = $1` → `id`, `INSERT (a, b) VALUES ($1, $2)`
 * → `a`, `b`), then `sqlc.arg`/`sqlc.narg`/`@name` parameters in order of first appearance.
 */

/**
 * What chatcheck reads from a query: one row or "no row", a list (possibly empty), nothing. A file
 * may declare the query with any sqlc command that gives this (see COMMANDS_FOR in src/sqlc/commands.ts).
 */
export type QueryKind = 'one' | 'many' | 'exec';

export interface RequiredQuery {
  readonly name: string;
  readonly kind: QueryKind;
  readonly params: readonly string[];
}

/** The queries of chatcheck's bundled chat.sql (the seed's file). */
const chatSqlQueries: readonly RequiredQuery[] = [
  { name: 'CreateChatSession', kind: 'one', params: ['workspace_id', 'agent_id', 'creator_id', 'title'] },
  { name: 'GetChatSession', kind: 'one', params: ['id'] },
  { name: 'GetChatSessionInWorkspace', kind: 'one', params: ['id', 'workspace_id'] },
  { name: 'ListChatSessionsByCreator', kind: 'many', params: ['workspace_id', 'creator_id'] },
  { name: 'ListAllChatSessionsByCreator', kind: 'many', params: ['workspace_id', 'creator_id'] },
  { name: 'UpdateChatSessionTitle', kind: 'one', params: ['id', 'title'] },
  { name: 'UpdateChatSessionSession', kind: 'exec', params: ['session_id', 'work_dir', 'runtime_id', 'id'] },
  { name: 'LockChatSessionForDelete', kind: 'one', params: ['id'] },
  { name: 'DeleteChatSession', kind: 'exec', params: ['id'] },
  { name: 'TouchChatSession', kind: 'exec', params: ['id'] },
  {
    name: 'CreateChatMessage',
    kind: 'one',
    params: ['chat_session_id', 'role', 'content', 'task_id', 'failure_reason', 'elapsed_ms'],
  },
  { name: 'ListChatMessages', kind: 'many', params: ['chat_session_id'] },
  { name: 'GetChatMessage', kind: 'one', params: ['id'] },
  { name: 'CreateChatTask', kind: 'one', params: ['agent_id', 'runtime_id', 'priority', 'chat_session_id'] },
  { name: 'GetLastChatTaskSession', kind: 'one', params: ['chat_session_id'] },
  { name: 'GetPendingChatTask', kind: 'one', params: ['chat_session_id'] },
  { name: 'ListPendingChatTasksByCreator', kind: 'many', params: ['workspace_id', 'creator_id'] },
  { name: 'MarkChatSessionRead', kind: 'exec', params: ['id'] },
  { name: 'SetUnreadSinceIfNull', kind: 'exec', params: ['id'] },
];

/** The queries of chatcheck's bundled tasks.sql (upstream agent.sql and runtime.sql). */
const tasksSqlQueries: readonly RequiredQuery[] = [
  { name: 'CancelAgentTasksByChatSession', kind: 'many', params: ['chat_session_id'] },
  { name: 'CreateRetryTask', kind: 'one', params: ['id'] },
  { name: 'ClaimAgentTask', kind: 'one', params: ['agent_id'] },
  { name: 'StartAgentTask', kind: 'one', params: ['id'] },
  { name: 'CompleteAgentTask', kind: 'one', params: ['id', 'result', 'session_id', 'work_dir'] },
  { name: 'FailAgentTask', kind: 'one', params: ['id', 'error', 'failure_reason', 'session_id', 'work_dir'] },
  { name: 'UpdateAgentTaskSession', kind: 'exec', params: ['id', 'session_id', 'work_dir'] },
  { name: 'CancelAgentTask', kind: 'one', params: ['id'] },
  { name: 'GetAgentTask', kind: 'one', params: ['id'] },
  { name: 'GetAgent', kind: 'one', params: ['id'] },
  { name: 'GetAgentInWorkspace', kind: 'one', params: ['id', 'workspace_id'] },
  { name: 'RefreshAgentStatusFromTasks', kind: 'one', params: ['id'] },
  { name: 'CountRunningTasks', kind: 'one', params: ['agent_id'] },
  { name: 'ListQueuedClaimCandidatesByRuntime', kind: 'many', params: ['runtime_id'] },
  { name: 'RecoverOrphanedTasksForRuntime', kind: 'many', params: ['runtime_id'] },
  { name: 'FailStaleTasks', kind: 'many', params: ['dispatch_timeout_secs', 'running_timeout_secs'] },
  { name: 'FailTasksForOfflineRuntimes', kind: 'many', params: [] },
];

export const requiredQueries: readonly RequiredQuery[] = [...chatSqlQueries, ...tasksSqlQueries];

/** Which bundled file defines each required query, to say which file a query set lacks. */
export const bundledFileOf: ReadonlyMap<string, 'chat.sql' | 'tasks.sql'> = new Map([
  ...chatSqlQueries.map((query) => [query.name, 'chat.sql'] as const),
  ...tasksSqlQueries.map((query) => [query.name, 'tasks.sql'] as const),
]);
