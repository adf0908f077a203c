/**
 * The named queries chatcheck runs, as data: a user-supplied queries file must define every one of
 * them with the same sqlc kind and the same number of parameters, or it is rejected before any test.
 *
 * Order = file order: first `chat.sql` (the 19 queries of the seed), then `tasks.sql` (the
 * task-lifecycle queries of upstream `agent.sql`/`runtime.sql` that the workflows use).
 *
 * `params` lists parameter names in position order, the way sqlc numbers them: positional `$n`
 * first, named with the column sqlc infers (`WHERE id = $1` → `id`, `INSERT (a, b) VALUES ($1, $2)`
 * → `a`, `b`), then `sqlc.arg`/`sqlc.narg`/`@name` parameters in order of first appearance.
 */

/** sqlc's result kinds: one row or "no row", a list (possibly empty), nothing. */
export type QueryKind = 'one' | 'many' | 'exec';

export interface RequiredQuery {
  readonly name: string;
  readonly kind: QueryKind;
  readonly params: readonly string[];
}

export const requiredQueries: readonly RequiredQuery[] = [
  // chat.sql
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

  // tasks.sql
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
