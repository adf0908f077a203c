/**
 * The session loader (workflows.md §0) and the plain session routes (§1–§3): create, list, get,
 * list messages, mark read, pending task(s).
 */
import type { Body, Outcome, Program } from '../program.js';
import type { Row } from '../values.js';
import {
  col,
  fail,
  goExec,
  goMany,
  goOne,
  isNotAUuid,
  noContent,
  pass,
  respond,
  stop,
  type Caller,
  type Guarded,
  type PathId,
} from './common.js';

/** A user-side route on one chat session: `/api/chat/sessions/{session_id}…`. */
export interface SessionRouteInput extends Caller {
  readonly session_id: PathId;
}

/**
 * L(U, W, id): plain reads, no lock, no transaction. 400 for a non-UUID id; 404 when
 * GetChatSessionInWorkspace fails or finds nothing (another workspace's session looks missing);
 * 403 when the caller is not the creator. Yields the session row.
 */
export function* loadSession(input: SessionRouteInput): Program<Guarded<Row>> {
  if (isNotAUuid(input.session_id)) return stop(fail(400, 'invalid chat session id'));
  const found = yield* goOne('GetChatSessionInWorkspace', { id: input.session_id, workspace_id: input.workspace_id });
  if (!found.ok) return stop(fail(404, 'chat session not found'));
  if (col(found.value, 'creator_id') !== input.user_id) return stop(fail(403, 'not your chat session'));
  return pass(found.value);
}

/** Session JSON: the resume pointer and unread_since are never exposed. */
export function sessionJson(row: Row, hasUnread: boolean): Body {
  return {
    id: col(row, 'id'),
    workspace_id: col(row, 'workspace_id'),
    agent_id: col(row, 'agent_id'),
    creator_id: col(row, 'creator_id'),
    title: col(row, 'title'),
    status: col(row, 'status'),
    has_unread: hasUnread,
    created_at: col(row, 'created_at'),
    updated_at: col(row, 'updated_at'),
  };
}

export function messageJson(row: Row): Body {
  return {
    id: col(row, 'id'),
    chat_session_id: col(row, 'chat_session_id'),
    role: col(row, 'role'),
    content: col(row, 'content'),
    task_id: col(row, 'task_id'),
    created_at: col(row, 'created_at'),
    failure_reason: col(row, 'failure_reason'),
    elapsed_ms: col(row, 'elapsed_ms'),
  };
}

// §1 -------------------------------------------------------------------------------------------

export interface CreateChatSessionInput extends Caller {
  /** Body `agent_id`: undefined, null or '' → "agent_id is required"; NOT_A_UUID → "invalid agent_id". */
  readonly agent_id?: PathId;
  /** Body `title`; absent = ''. */
  readonly title?: string;
  /** The body is not JSON. */
  readonly invalid_body?: boolean;
}

export function* createChatSession(input: CreateChatSessionInput): Program<Outcome> {
  if (input.invalid_body === true) return fail(400, 'invalid request body');
  if (input.agent_id === undefined || input.agent_id === null || input.agent_id === '') {
    return fail(400, 'agent_id is required');
  }
  if (isNotAUuid(input.agent_id)) return fail(400, 'invalid agent_id');
  const agent = yield* goOne('GetAgentInWorkspace', { id: input.agent_id, workspace_id: input.workspace_id });
  if (!agent.ok) return fail(404, 'agent not found');
  if (col(agent.value, 'archived_at') !== null) return fail(400, 'agent is archived');
  const created = yield* goOne('CreateChatSession', {
    workspace_id: input.workspace_id,
    agent_id: input.agent_id,
    creator_id: input.user_id,
    title: input.title ?? '',
  });
  if (!created.ok) return fail(500, 'failed to create chat session');
  return respond(201, sessionJson(created.value, false));
}

// §2 -------------------------------------------------------------------------------------------

export interface ListChatSessionsInput extends Caller {
  /** Query `status`: 'all' lists archived sessions too; anything else (or none) only active ones. */
  readonly status?: string;
}

export function* listChatSessions(input: ListChatSessionsInput): Program<Outcome> {
  const name = input.status === 'all' ? 'ListAllChatSessionsByCreator' : 'ListChatSessionsByCreator';
  const rows = yield* goMany(name, { workspace_id: input.workspace_id, creator_id: input.user_id });
  if (!rows.ok) return fail(500, 'failed to list chat sessions');
  return respond(
    200,
    rows.value.map((row) => sessionJson(row, col(row, 'has_unread') === true)),
  );
}

// §3 -------------------------------------------------------------------------------------------

/** GetChatSession: `has_unread` is always false here (the handler does not compute it). */
export function* getChatSession(input: SessionRouteInput): Program<Outcome> {
  const session = yield* loadSession(input);
  if (!session.ok) return session.outcome;
  return respond(200, sessionJson(session.value, false));
}

export function* listChatMessages(input: SessionRouteInput): Program<Outcome> {
  const session = yield* loadSession(input);
  if (!session.ok) return session.outcome;
  const rows = yield* goMany('ListChatMessages', { chat_session_id: col(session.value, 'id') });
  if (!rows.ok) return fail(500, 'failed to list chat messages');
  return respond(200, rows.value.map(messageJson));
}

export function* markChatSessionRead(input: SessionRouteInput): Program<Outcome> {
  const session = yield* loadSession(input);
  if (!session.ok) return session.outcome;
  const marked = yield* goExec('MarkChatSessionRead', { id: col(session.value, 'id') });
  if (!marked.ok) return fail(500, 'failed to mark session read');
  return noContent;
}

/** No row or any error → 200 `{}`. */
export function* getPendingChatTask(input: SessionRouteInput): Program<Outcome> {
  const session = yield* loadSession(input);
  if (!session.ok) return session.outcome;
  const task = yield* goOne('GetPendingChatTask', { chat_session_id: col(session.value, 'id') });
  if (!task.ok) return respond(200, {});
  return respond(200, {
    task_id: col(task.value, 'id'),
    status: col(task.value, 'status'),
    created_at: col(task.value, 'created_at'),
  });
}

export type ListPendingChatTasksInput = Caller;

export function* listPendingChatTasks(input: ListPendingChatTasksInput): Program<Outcome> {
  const rows = yield* goMany('ListPendingChatTasksByCreator', {
    workspace_id: input.workspace_id,
    creator_id: input.user_id,
  });
  if (!rows.ok) return fail(500, 'failed to list pending chat tasks');
  return respond(200, {
    tasks: rows.value.map((row) => ({
      task_id: col(row, 'task_id'),
      status: col(row, 'status'),
      chat_session_id: col(row, 'chat_session_id'),
    })),
  });
}
