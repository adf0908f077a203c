-- agent_task_queue, all columns in upstream's physical order (spec/schema.md).
-- Deleting a chat session keeps its tasks (chat_session_id SET NULL, any status); deleting the
-- agent, issue or runtime deletes them. Only idx_one_pending_task_per_issue_agent changes behaviour
-- (at most one queued/dispatched task per (issue, agent); chat tasks have issue_id NULL and, with the
-- default NULLS DISTINCT, are never constrained by it); the other indexes are performance-only.

CREATE TABLE agent_task_queue (
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    agent_id            uuid        NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    issue_id            uuid        REFERENCES issue (id) ON DELETE CASCADE,
    status              text        NOT NULL DEFAULT 'queued'
                                    CHECK (status IN ('queued', 'dispatched', 'running', 'completed', 'failed', 'cancelled')),
    priority            integer     NOT NULL DEFAULT 0,
    dispatched_at       timestamptz,
    started_at          timestamptz,
    completed_at        timestamptz,
    result              jsonb,
    error               text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    context             jsonb,
    runtime_id          uuid        NOT NULL REFERENCES agent_runtime (id) ON DELETE CASCADE,
    session_id          text,
    work_dir            text,
    -- Upstream: FK -> comment (id) ON DELETE SET NULL; omitted because comment is not modelled.
    trigger_comment_id  uuid,
    chat_session_id     uuid        REFERENCES chat_session (id) ON DELETE SET NULL,
    -- Upstream: FK -> autopilot_run (id) ON DELETE SET NULL; omitted because autopilot_run is not modelled.
    autopilot_run_id    uuid,
    attempt             integer     NOT NULL DEFAULT 1,
    max_attempts        integer     NOT NULL DEFAULT 2,
    parent_task_id      uuid        REFERENCES agent_task_queue (id) ON DELETE SET NULL,
    failure_reason      text,
    last_heartbeat_at   timestamptz,
    trigger_summary     text,
    force_fresh_session boolean     NOT NULL DEFAULT false,
    CONSTRAINT agent_task_queue_pkey PRIMARY KEY (id)
);

CREATE INDEX idx_agent_task_queue_agent ON agent_task_queue (agent_id, status);
CREATE INDEX idx_agent_task_queue_pending ON agent_task_queue (agent_id, priority DESC, created_at)
    WHERE status IN ('queued', 'dispatched');
CREATE INDEX idx_agent_task_queue_runtime_pending ON agent_task_queue (runtime_id, priority DESC, created_at)
    WHERE status IN ('queued', 'dispatched');
CREATE UNIQUE INDEX idx_one_pending_task_per_issue_agent ON agent_task_queue (issue_id, agent_id)
    WHERE status IN ('queued', 'dispatched');
CREATE INDEX idx_agent_task_queue_issue_id ON agent_task_queue (issue_id);
CREATE INDEX idx_agent_task_queue_chat_pending ON agent_task_queue (chat_session_id, created_at DESC)
    WHERE chat_session_id IS NOT NULL AND status IN ('queued', 'dispatched', 'running');
CREATE INDEX idx_agent_task_queue_parent ON agent_task_queue (parent_task_id);
CREATE INDEX idx_agent_task_queue_claim_candidates ON agent_task_queue (runtime_id, priority DESC, created_at)
    WHERE status = 'queued';
