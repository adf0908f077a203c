-- Not under test: chatcheck's own statements for the rows around chat (workspaces, users, runtimes,
-- agents, issues, and the tasks chat does not create). They are always loaded from here, also when
-- --queries replaces the SQL under test.

-- name: FixtureCreateWorkspace :one
INSERT INTO workspace (name, slug) VALUES (@name, @slug)
RETURNING *;

-- name: FixtureCreateUser :one
INSERT INTO "user" (name, email) VALUES (@name, @email)
RETURNING *;

-- name: FixtureCreateMember :one
INSERT INTO member (workspace_id, user_id, role) VALUES (@workspace_id, @user_id, 'member')
RETURNING *;

-- name: FixtureCreateRuntime :one
INSERT INTO agent_runtime (workspace_id, name, runtime_mode, provider, status)
VALUES (@workspace_id, @name, 'local', 'claude', 'online')
RETURNING *;

-- name: FixtureCreateAgent :one
INSERT INTO agent (workspace_id, name, runtime_mode, runtime_id)
VALUES (@workspace_id, @name, 'local', @runtime_id)
RETURNING *;

-- name: FixtureCreateIssue :one
INSERT INTO issue (workspace_id) VALUES (@workspace_id)
RETURNING *;

-- name: FixtureCreateIssueTask :one
-- A task of an issue, as the issue side enqueues it: queued, on the agent's runtime, no chat
-- session. No such agent: runtime_id is NULL, and the insert fails on its NOT NULL (23502).
INSERT INTO agent_task_queue (agent_id, runtime_id, issue_id, status, priority)
VALUES (@agent_id, (SELECT runtime_id FROM agent WHERE id = @agent_id), @issue_id, 'queued', @priority)
RETURNING *;

-- name: FixtureCreateAutopilotTask :one
-- A task of an autopilot run (autopilot_run has no table here: any UUID), queued on the agent's runtime.
INSERT INTO agent_task_queue (agent_id, runtime_id, autopilot_run_id, status, priority)
VALUES (@agent_id, (SELECT runtime_id FROM agent WHERE id = @agent_id), @autopilot_run_id, 'queued', @priority)
RETURNING *;

-- name: FixtureArchiveAgent :exec
UPDATE agent SET archived_at = now() WHERE id = @id;

-- name: FixtureArchiveChatSession :exec
-- A legacy archived session: before 60b, "delete" only set this status; nothing at 60b writes it.
UPDATE chat_session SET status = 'archived' WHERE id = @id;

-- name: FixtureMoveAgent :exec
-- Moves an agent to another runtime, as editing an agent does; its sessions keep their runtime_id.
UPDATE agent SET runtime_id = @runtime_id, updated_at = now() WHERE id = @id;

-- name: FixtureSetAgentMaxConcurrentTasks :exec
-- The agent's capacity, as editing an agent sets it; the claim dispatches nothing beyond it.
UPDATE agent SET max_concurrent_tasks = @max_concurrent_tasks, updated_at = now() WHERE id = @id;

-- name: FixtureRewriteTask :exec
-- Changes nothing a query can read: the task's new row version is stored after the others, as any
-- update of a queued task's row would store it. From then on a scan meets the tasks in another order
-- than they were inserted, and a query that leaves the order to the scan (an ORDER BY item dropped)
-- shows it.
UPDATE agent_task_queue SET priority = priority WHERE id = @id;

-- name: FixtureRewriteFirstQueuedTask :exec
-- FixtureRewriteTask on the agent's queued task that a claim takes first (priority DESC, created_at
-- ASC), while it is not yet stored after all the agent's other queued tasks. The new version may
-- take a line pointer that pruning freed early in the page, so one rewrite moves it behind the
-- others only some of the time; the turn repeats it (see generators.ts), and once it is behind,
-- the guard makes a repeat change nothing.
UPDATE agent_task_queue SET priority = priority
WHERE id = (SELECT id FROM agent_task_queue WHERE agent_id = @agent_id AND status = 'queued' ORDER BY priority DESC, created_at ASC, id LIMIT 1)
  AND ctid < (SELECT max(ctid) FROM agent_task_queue WHERE agent_id = @agent_id AND status = 'queued');

-- name: FixtureRewriteMessage :exec
-- As FixtureRewriteTask, for a message (nothing at 60b updates one: without this every scan meets
-- messages in the order they were written).
UPDATE chat_message SET content = content WHERE id = @id;

-- name: FixtureScanWithoutIndexes :exec
-- Until the run ends (each run starts with the server's settings: start.ts), the planner reads
-- tables without their indexes, as it may choose to on other data: a query that relies on an
-- index's order instead of its ORDER BY shows it.
SELECT set_config('enable_indexscan', 'off', false), set_config('enable_indexonlyscan', 'off', false), set_config('enable_bitmapscan', 'off', false);

-- name: FixtureSetRuntimeStatus :exec
UPDATE agent_runtime SET status = @status, updated_at = now() WHERE id = @id;

-- name: FixtureDeleteAgent :exec
DELETE FROM agent WHERE id = @id;

-- name: FixtureDeleteUser :exec
DELETE FROM "user" WHERE id = @id;

-- name: FixtureDeleteWorkspace :exec
DELETE FROM workspace WHERE id = @id;

-- name: FixtureDeleteRuntime :exec
DELETE FROM agent_runtime WHERE id = @id;

-- name: FixtureDeleteIssue :exec
-- Cascades to the issue's tasks.
DELETE FROM issue WHERE id = @id;
