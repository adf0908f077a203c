-- agent_runtime and agent, all columns in upstream's physical order (spec/schema.md).
-- agent.runtime_id is NOT NULL and RESTRICTs the delete of a runtime still used by an agent.
-- Nothing ties agent.workspace_id to agent_runtime.workspace_id (as upstream).

CREATE TABLE agent_runtime (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    workspace_id     uuid        NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    daemon_id        text,
    name             text        NOT NULL,
    runtime_mode     text        NOT NULL CHECK (runtime_mode IN ('local', 'cloud')),
    provider         text        NOT NULL,
    status           text        NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
    device_info      text        NOT NULL DEFAULT '',
    metadata         jsonb       NOT NULL DEFAULT '{}',
    last_seen_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    owner_id         uuid        REFERENCES "user" (id),
    legacy_daemon_id text,
    CONSTRAINT agent_runtime_pkey PRIMARY KEY (id),
    UNIQUE (workspace_id, daemon_id, provider)
);

CREATE INDEX idx_agent_runtime_workspace ON agent_runtime (workspace_id);
CREATE INDEX idx_agent_runtime_status ON agent_runtime (workspace_id, status);

CREATE TABLE agent (
    id                   uuid        NOT NULL DEFAULT gen_random_uuid(),
    workspace_id         uuid        NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    name                 text        NOT NULL,
    avatar_url           text,
    runtime_mode         text        NOT NULL CHECK (runtime_mode IN ('local', 'cloud')),
    runtime_config       jsonb       NOT NULL DEFAULT '{}',
    visibility           text        NOT NULL DEFAULT 'private' CHECK (visibility IN ('workspace', 'private')),
    status               text        NOT NULL DEFAULT 'offline'
                                     CHECK (status IN ('idle', 'working', 'blocked', 'error', 'offline')),
    max_concurrent_tasks integer     NOT NULL DEFAULT 6,
    owner_id             uuid        REFERENCES "user" (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    description          text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 255),
    runtime_id           uuid        NOT NULL REFERENCES agent_runtime (id) ON DELETE RESTRICT,
    instructions         text        NOT NULL DEFAULT '',
    archived_at          timestamptz,
    archived_by          uuid        REFERENCES "user" (id),
    custom_env           jsonb       NOT NULL DEFAULT '{}',
    custom_args          jsonb       NOT NULL DEFAULT '[]',
    mcp_config           jsonb,
    model                text,
    CONSTRAINT agent_pkey PRIMARY KEY (id),
    CONSTRAINT agent_workspace_name_unique UNIQUE (workspace_id, name)
);

CREATE INDEX idx_agent_workspace ON agent (workspace_id);
