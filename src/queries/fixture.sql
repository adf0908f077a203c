-- Not under test: chatcheck's own statements for the rows around chat (workspaces, users, runtimes,
-- agents). They are always loaded from here, also when --queries replaces the SQL under test.

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
