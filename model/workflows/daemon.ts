/**
 * The daemon's task endpoints (workflows.md §7): the common access rule, start, pin (session) and
 * status. Complete and fail are in complete.ts and failures.ts; claim in claim.ts.
 */
import type { Outcome, Program } from '../program.js';
import type { Row, Value } from '../values.js';
import { col, fail, goExec, goOne, isNotAUuid, noContent, nullIfEmpty, pass, respond, stop, type Guarded, type PathId } from './common.js';

/** A daemon call on `/api/daemon/tasks/{task_id}/…`, by a daemon entitled to `workspace_id`. */
export interface DaemonTaskInput {
  /** The workspace the calling daemon is entitled to. */
  readonly workspace_id: Value;
  /** Path `taskId`; NOT_A_UUID → 400 "invalid task_id". */
  readonly task_id: PathId;
}

/**
 * The access rule: 400 for a non-UUID id; GetAgentTask finds nothing → 404 "task not found"; the
 * task's workspace is resolved through its chat session (GetChatSession). Issues, autopilot runs and
 * quick-create contexts are not modelled, so a task without a chat session — including a chat task
 * whose session was deleted — resolves no workspace → 404 "task not found". A workspace other than
 * the daemon's → 404 "not found". Yields the task row as read here.
 */
export function* daemonTaskAccess(input: DaemonTaskInput): Program<Guarded<Row>> {
  if (isNotAUuid(input.task_id)) return stop(fail(400, 'invalid task_id'));
  const task = yield* goOne('GetAgentTask', { id: input.task_id });
  if (!task.ok) return stop(fail(404, 'task not found'));
  const chatSessionId = col(task.value, 'chat_session_id');
  if (col(task.value, 'issue_id') !== null || chatSessionId === null) return stop(fail(404, 'task not found'));
  const session = yield* goOne('GetChatSession', { id: chatSessionId });
  if (!session.ok) return stop(fail(404, 'task not found'));
  if (col(session.value, 'workspace_id') !== input.workspace_id) return stop(fail(404, 'not found'));
  return pass(task.value);
}

export type StartTaskInput = DaemonTaskInput;

/** dispatched → running; any other state → 400 "start task: no rows in result set". */
export function* startTask(input: StartTaskInput): Program<Outcome> {
  const access = yield* daemonTaskAccess(input);
  if (!access.ok) return access.outcome;
  const started = yield* goOne('StartAgentTask', { id: col(access.value, 'id') });
  if (!started.ok) return fail(400, `start task: ${started.error.message}`);
  return respond(200, started.value);
}

export interface PinTaskSessionInput extends DaemonTaskInput {
  readonly session_id?: string;
  readonly work_dir?: string;
}

/** The daemon's mid-run pin: task row only (COALESCE), never chat_session; 204 even when the guard matched nothing. */
export function* pinTaskSession(input: PinTaskSessionInput): Program<Outcome> {
  const access = yield* daemonTaskAccess(input);
  if (!access.ok) return access.outcome;
  const sessionId = nullIfEmpty(input.session_id);
  const workDir = nullIfEmpty(input.work_dir);
  if (sessionId === null && workDir === null) return fail(400, 'session_id or work_dir required');
  const pinned = yield* goExec('UpdateAgentTaskSession', {
    id: col(access.value, 'id'),
    session_id: sessionId,
    work_dir: workDir,
  });
  if (!pinned.ok) return fail(500, 'pin session failed');
  return noContent;
}

export type GetTaskStatusInput = DaemonTaskInput;

export function* getTaskStatus(input: GetTaskStatusInput): Program<Outcome> {
  const access = yield* daemonTaskAccess(input);
  if (!access.ok) return access.outcome;
  return respond(200, { status: col(access.value, 'status') });
}
