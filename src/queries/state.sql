-- Not under test: how chatcheck reads a database's whole contents to compare it with the model's
-- state after a command. Row order does not matter here: rows are paired by id.

-- name: StateWorkspaces :many
SELECT * FROM workspace;

-- name: StateUsers :many
SELECT * FROM "user";

-- name: StateMembers :many
SELECT * FROM member;

-- name: StateRuntimes :many
SELECT * FROM agent_runtime;

-- name: StateAgents :many
SELECT * FROM agent;

-- name: StateIssues :many
SELECT * FROM issue;

-- name: StateChatSessions :many
SELECT * FROM chat_session;

-- name: StateChatMessages :many
SELECT * FROM chat_message;

-- name: StateTasks :many
SELECT * FROM agent_task_queue;

-- name: ResetState :exec
-- Empties every table between runs: every row hangs off a workspace or a user, so the cascades
-- take the rest. About 3 ms where TRUNCATE of the nine tables takes about 110 ms (it makes new
-- files for each table); see npm run bench for the comparison with a fresh database per run.
WITH workspaces AS (DELETE FROM workspace) DELETE FROM "user";
