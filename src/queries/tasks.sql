-- name: CancelAgentTasksByChatSession :many
-- Cancels every in-flight (queued/dispatched/running) task of a chat session and stamps completed_at.
-- Terminal rows are untouched. Used only by DeleteChatSession, inside its lock/cancel/delete transaction.
UPDATE agent_task_queue
SET status = 'cancelled',
    completed_at = now()
WHERE chat_session_id = $1
  AND status IN ('queued', 'dispatched', 'running')
RETURNING *;
-- name: CreateRetryTask :one
-- Enqueues a retry child copied from the parent row as it is now (attempt + 1, parent_task_id set,
-- session_id/work_dir copied). Does not look at the parent's status. No row if the parent is missing.
INSERT INTO agent_task_queue (
    agent_id, runtime_id, issue_id, chat_session_id, autopilot_run_id, priority,
    trigger_comment_id, trigger_summary, context, session_id, work_dir, max_attempts,
    status, attempt, parent_task_id
)
SELECT agent_id, runtime_id, issue_id, chat_session_id, autopilot_run_id, priority,
       trigger_comment_id, trigger_summary, context, session_id, work_dir, max_attempts,
       'queued', attempt + 1, id
FROM agent_task_queue
WHERE id = $1
RETURNING *;
-- name: ClaimAgentTask :one
-- Dispatches the agent's first queued task by priority DESC, created_at ASC that is not serialised
-- behind a dispatched/running task of the same agent: same issue, same chat session, or both
-- unlinked (no issue, chat session or autopilot run). Rows locked by others are skipped.
-- Selects by agent, not runtime. Never reads chat_session.status. Capacity is the caller's check.
UPDATE agent_task_queue
SET status = 'dispatched',
    dispatched_at = now()
WHERE id = (
    SELECT candidate.id
    FROM agent_task_queue candidate
    WHERE candidate.agent_id = $1
      AND candidate.status = 'queued'
      AND NOT EXISTS (
          SELECT 1
          FROM agent_task_queue active
          WHERE active.agent_id = candidate.agent_id
            AND active.status IN ('dispatched', 'running')
            AND (
                (candidate.issue_id IS NOT NULL AND active.issue_id = candidate.issue_id)
                OR (candidate.chat_session_id IS NOT NULL AND active.chat_session_id = candidate.chat_session_id)
                OR (candidate.issue_id IS NULL AND candidate.chat_session_id IS NULL AND candidate.autopilot_run_id IS NULL
                    AND active.issue_id IS NULL AND active.chat_session_id IS NULL AND active.autopilot_run_id IS NULL)
            )
      )
    ORDER BY candidate.priority DESC, candidate.created_at ASC
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING *;
-- name: StartAgentTask :one
-- dispatched -> running. Compare-and-set: no row when the task is missing or not dispatched.
UPDATE agent_task_queue
SET status = 'running',
    started_at = now()
WHERE id = $1
  AND status = 'dispatched'
RETURNING *;
-- name: CompleteAgentTask :one
-- running -> completed. session_id and work_dir are OVERWRITTEN with the given values, so a NULL
-- (the daemon sent "") erases a pinned value, unlike FailAgentTask, which keeps it.
UPDATE agent_task_queue
SET status = 'completed',
    completed_at = now(),
    result = $2,
    session_id = $3,
    work_dir = $4
WHERE id = $1
  AND status = 'running'
RETURNING *;
-- name: FailAgentTask :one
-- dispatched/running -> failed. A NULL failure_reason becomes 'agent_error', and a NULL
-- session_id/work_dir keeps the current value (COALESCE).
UPDATE agent_task_queue
SET status = 'failed',
    completed_at = now(),
    error = $2,
    failure_reason = COALESCE(sqlc.narg('failure_reason'), 'agent_error'),
    session_id = COALESCE(sqlc.narg('session_id'), session_id),
    work_dir = COALESCE(sqlc.narg('work_dir'), work_dir)
WHERE id = $1
  AND status IN ('dispatched', 'running')
RETURNING *;
-- name: UpdateAgentTaskSession :exec
-- Daemon pin while dispatched/running: COALESCEs session_id/work_dir and stamps last_heartbeat_at.
-- Touches only the task row, never chat_session.
UPDATE agent_task_queue
SET session_id = COALESCE(sqlc.narg('session_id'), session_id),
    work_dir = COALESCE(sqlc.narg('work_dir'), work_dir),
    last_heartbeat_at = now()
WHERE id = $1
  AND status IN ('dispatched', 'running');
-- name: CancelAgentTask :one
-- queued/dispatched/running -> cancelled, by a user cancel or a failed claim isolation check.
-- No row when the task is missing or already terminal.
UPDATE agent_task_queue
SET status = 'cancelled',
    completed_at = now()
WHERE id = $1
  AND status IN ('queued', 'dispatched', 'running')
RETURNING *;
-- name: GetAgentTask :one
SELECT * FROM agent_task_queue
WHERE id = $1;
-- name: GetAgent :one
-- Returns archived agents too (archived_at NOT NULL), callers decide what that means.
SELECT * FROM agent
WHERE id = $1;
-- name: GetAgentInWorkspace :one
-- An agent of another workspace is "no row".
SELECT * FROM agent
WHERE id = $1 AND workspace_id = $2;
-- name: RefreshAgentStatusFromTasks :one
-- 'working' if the agent has a dispatched/running task (any runtime), else 'idle', overwriting any
-- other status (blocked, error, offline). Always bumps updated_at.
UPDATE agent a
SET status = CASE
        WHEN EXISTS (
            SELECT 1
            FROM agent_task_queue atq
            WHERE atq.agent_id = a.id
              AND atq.status IN ('dispatched', 'running')
        ) THEN 'working'
        ELSE 'idle'
    END,
    updated_at = now()
WHERE a.id = $1
RETURNING *;
-- name: CountRunningTasks :one
-- Number (bigint) of the agent's dispatched/running tasks on any runtime. ClaimTask compares it
-- with agent.max_concurrent_tasks.
SELECT count(*) FROM agent_task_queue
WHERE agent_id = $1
  AND status IN ('dispatched', 'running');
-- name: ListQueuedClaimCandidatesByRuntime :many
-- Queued tasks stamped with this runtime, in claim order (no tie-breaker on equal keys).
SELECT * FROM agent_task_queue
WHERE runtime_id = $1
  AND status = 'queued'
ORDER BY priority DESC, created_at ASC;
-- name: RecoverOrphanedTasksForRuntime :many
-- A restarted daemon fails its runtime's dispatched/running tasks with failure_reason
-- 'runtime_recovery' (retryable). session_id/work_dir untouched.
UPDATE agent_task_queue
SET status = 'failed',
    completed_at = now(),
    error = 'daemon restarted while task was in flight',
    failure_reason = 'runtime_recovery'
WHERE runtime_id = $1
  AND status IN ('dispatched', 'running')
RETURNING *;
-- name: FailStaleTasks :many
-- Sweeper: fails tasks dispatched before now() minus the dispatch timeout, or running since before
-- now() minus the running timeout (both in seconds, called with 300 and 9000). Queued never times out.
UPDATE agent_task_queue
SET status = 'failed',
    completed_at = now(),
    error = 'task timed out',
    failure_reason = 'timeout'
WHERE (status = 'dispatched'
       AND dispatched_at < now() - make_interval(secs => sqlc.arg('dispatch_timeout_secs')::double precision))
   OR (status = 'running'
       AND started_at < now() - make_interval(secs => sqlc.arg('running_timeout_secs')::double precision))
RETURNING *;
-- name: FailTasksForOfflineRuntimes :many
-- Sweeper (runtime.sql upstream): fails dispatched/running tasks whose runtime is marked offline,
-- with failure_reason 'runtime_offline' (retryable). session_id/work_dir untouched.
UPDATE agent_task_queue
SET status = 'failed',
    completed_at = now(),
    error = 'runtime went offline',
    failure_reason = 'runtime_offline'
WHERE status IN ('dispatched', 'running')
  AND runtime_id IN (SELECT id FROM agent_runtime WHERE status = 'offline')
RETURNING *;
