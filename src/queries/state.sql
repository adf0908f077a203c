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

-- name: StateFingerprints :one
-- Per table, its row count and the newest xmin: every INSERT or UPDATE writes a row version with a
-- newer transaction id, every DELETE lowers the count, so a table whose pair is unchanged has not
-- changed. Lets the tester skip reading (and comparing) the tables a command did not touch.
SELECT
  (SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM workspace) AS workspace,
  (SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM "user") AS "user",
  (SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM member) AS member,
  (SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM agent_runtime) AS agent_runtime,
  (SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM agent) AS agent,
  (SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM issue) AS issue,
  (SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM chat_session) AS chat_session,
  (SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM chat_message) AS chat_message,
  (SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM agent_task_queue) AS agent_task_queue;

-- name: ResetState :exec
-- Empties every table between runs: every row hangs off a workspace or a user, so the cascades
-- take the rest. Far cheaper than TRUNCATE of the nine tables (which makes new files for each)
-- or a fresh database per run: npm run bench measures the three side by side.
WITH workspaces AS (DELETE FROM workspace) DELETE FROM "user";

-- name: ResetScans :one
-- Undoes FixtureScanWithoutIndexes: every run starts with the server's own choice of scans.
SELECT count(set_config(name, reset_val, false)) FROM pg_settings WHERE name IN ('enable_indexscan', 'enable_indexonlyscan', 'enable_bitmapscan');

-- name: StateAsJson :one
-- Every table as JSON text, exactly as stored (uuids, microseconds, jsonb): what chatcheck
-- re-inserts with json_populate_recordset to give each run the same starting world.
SELECT
  (SELECT coalesce(json_agg(t), '[]')::text FROM workspace t) AS workspace,
  (SELECT coalesce(json_agg(t), '[]')::text FROM "user" t) AS "user",
  (SELECT coalesce(json_agg(t), '[]')::text FROM member t) AS member,
  (SELECT coalesce(json_agg(t), '[]')::text FROM agent_runtime t) AS agent_runtime,
  (SELECT coalesce(json_agg(t), '[]')::text FROM agent t) AS agent,
  (SELECT coalesce(json_agg(t), '[]')::text FROM issue t) AS issue,
  (SELECT coalesce(json_agg(t), '[]')::text FROM chat_session t) AS chat_session,
  (SELECT coalesce(json_agg(t), '[]')::text FROM chat_message t) AS chat_message,
  (SELECT coalesce(json_agg(t), '[]')::text FROM agent_task_queue t) AS agent_task_queue;
