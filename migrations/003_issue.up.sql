-- issue, reduced to what chat needs (spec/schema.md "issue (minimal)"): the FK target of
-- agent_task_queue.issue_id (ON DELETE CASCADE), the claim serialisation on issue_id, and
-- issue.workspace_id for CancelTaskByUser. The real table has 22 columns, among them NOT NULL
-- title, creator_type and creator_id without defaults; chat never reads or writes issue rows.

CREATE TABLE issue (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    CONSTRAINT issue_pkey PRIMARY KEY (id)
);
