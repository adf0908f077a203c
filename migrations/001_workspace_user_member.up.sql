-- chatcheck schema: a minimal but faithful copy of multica's effective schema at commit 60b215f44f,
-- restricted to the tables the chat data layer touches (see spec/schema.md). Upstream builds this
-- from 86 migrations (last: 067_task_queue_claim_candidate_index); here each table is created once,
-- in its final shape, with the columns in upstream's physical order (what SELECT * / RETURNING *
-- return), every NOT NULL, DEFAULT, CHECK, FK ON DELETE action and the listed indexes. Constraint
-- names are PostgreSQL's defaults (or upstream's explicit names) because error messages carry them.
--
-- Files are applied in byte order of their names, each file's whole text sent as one query with no
-- BEGIN/COMMIT around it (PostgreSQL runs it as one implicit transaction), as multica's cmd/migrate does.
--
-- Left out, because no chat or task query reads or writes them and no FK from a kept table needs them:
--   * every other table (comment, autopilot_run, task_message, task_usage, project, skills, ...);
--   * hence the FKs agent_task_queue.trigger_comment_id -> comment and
--     agent_task_queue.autopilot_run_id -> autopilot_run (the columns themselves are kept);
--   * issue is reduced to (id, workspace_id): chat only needs it as an FK target (CASCADE), for the
--     claim serialisation on issue_id and for CancelTaskByUser's workspace lookup.
-- All columns of workspace, "user", member, agent_runtime and agent are kept (including the ones
-- spec/schema.md marks D), so SELECT * on them matches upstream; that includes the NO ACTION FKs
-- owner_id/archived_by -> "user", which block deleting a user who owns an agent or a runtime.
--
-- gen_random_uuid() is built in since PostgreSQL 13; pgcrypto is created only because upstream does.
-- It is a trusted extension: checked to work on PostgreSQL 15 and 17 for a non-superuser that owns
-- the database (it needs the contrib files installed, as the official images and packages have).

CREATE EXTENSION IF NOT EXISTS "pgcrypto";

CREATE TABLE workspace (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    name          text        NOT NULL,
    slug          text        NOT NULL,
    description   text,
    settings      jsonb       NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    context       text,
    repos         jsonb       NOT NULL DEFAULT '[]',
    issue_prefix  text        NOT NULL DEFAULT '',
    issue_counter integer     NOT NULL DEFAULT 0,
    CONSTRAINT workspace_pkey PRIMARY KEY (id),
    CONSTRAINT workspace_slug_key UNIQUE (slug)
);

CREATE TABLE "user" (
    id                       uuid         NOT NULL DEFAULT gen_random_uuid(),
    name                     text         NOT NULL,
    email                    text         NOT NULL,
    avatar_url               text,
    created_at               timestamptz  NOT NULL DEFAULT now(),
    updated_at               timestamptz  NOT NULL DEFAULT now(),
    onboarded_at             timestamptz,
    onboarding_questionnaire jsonb        NOT NULL DEFAULT '{}',
    cloud_waitlist_email     varchar(254),
    cloud_waitlist_reason    text,
    starter_content_state    text,
    CONSTRAINT user_pkey PRIMARY KEY (id),
    CONSTRAINT user_email_key UNIQUE (email)
);

CREATE TABLE member (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    workspace_id uuid        NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    user_id      uuid        NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    role         text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT member_pkey PRIMARY KEY (id),
    CONSTRAINT member_workspace_id_user_id_key UNIQUE (workspace_id, user_id)
);

CREATE INDEX idx_member_workspace ON member (workspace_id);
