-- chat_session and chat_message, all columns (spec/schema.md).
-- chat_session.runtime_id (with session_id, work_dir) is the resume pointer; deleting the runtime
-- only clears it (SET NULL). chat_message.task_id is a soft reference: no FK, as upstream.

CREATE TABLE chat_session (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    workspace_id uuid        NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    agent_id     uuid        NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    creator_id   uuid        NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    title        text        NOT NULL DEFAULT '',
    session_id   text,
    work_dir     text,
    status       text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    unread_since timestamptz,
    runtime_id   uuid        REFERENCES agent_runtime (id) ON DELETE SET NULL,
    CONSTRAINT chat_session_pkey PRIMARY KEY (id)
);

CREATE INDEX idx_chat_session_workspace ON chat_session (workspace_id);
CREATE INDEX idx_chat_session_creator ON chat_session (creator_id, workspace_id);

CREATE TABLE chat_message (
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    chat_session_id uuid        NOT NULL REFERENCES chat_session (id) ON DELETE CASCADE,
    role            text        NOT NULL CHECK (role IN ('user', 'assistant')),
    content         text        NOT NULL,
    task_id         uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    failure_reason  text,
    elapsed_ms      bigint,
    CONSTRAINT chat_message_pkey PRIMARY KEY (id)
);

CREATE INDEX idx_chat_message_session ON chat_message (chat_session_id, created_at);
