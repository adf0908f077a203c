/**
 * TaskService.CancelTask and the user route that calls it (workflows.md §6, chat part).
 */
import type { Outcome, Program } from '../program.js';
import type { Row, Value } from '../values.js';
import { col, fail, goOne, isNotAUuid, ok, refreshAgentStatus, respond, wrap, type Caller, type Go, type PathId } from './common.js';

/**
 * CancelAgentTask; when it changes nothing (missing or terminal task) the task as it is, from
 * GetAgentTask; when it changed a row, RefreshAgentStatusFromTasks. Errors read "cancel task: …".
 * Also used by the claim handler when the workspace isolation check fails.
 */
export function* cancelTask(taskId: Value): Program<Go<Row>> {
  const cancelled = yield* goOne('CancelAgentTask', { id: taskId });
  if (!cancelled.ok) {
    if (!cancelled.error.noRows) return { ok: false, error: wrap('cancel task: ', cancelled.error) };
    const existing = yield* goOne('GetAgentTask', { id: taskId });
    if (!existing.ok) return { ok: false, error: wrap('cancel task: ', existing.error) };
    return ok(existing.value);
  }
  yield* refreshAgentStatus(col(cancelled.value, 'agent_id'));
  return ok(cancelled.value);
}

export interface CancelTaskByUserInput extends Caller {
  /** Path `taskId`; NOT_A_UUID → 400 "invalid task id". */
  readonly task_id: PathId;
}

/**
 * `POST /api/tasks/{taskId}/cancel`. Only the chat link is modelled: a task with a chat session is
 * checked against the caller's workspace and creator; a task with an issue (issues are not
 * modelled) or with no link at all (e.g. its session was deleted) is 404 "task not found".
 */
export function* cancelTaskByUser(input: CancelTaskByUserInput): Program<Outcome> {
  if (isNotAUuid(input.task_id)) return fail(400, 'invalid task id');
  const task = yield* goOne('GetAgentTask', { id: input.task_id });
  if (!task.ok) return fail(404, 'task not found');

  const chatSessionId = col(task.value, 'chat_session_id');
  if (chatSessionId === null) return fail(404, 'task not found');
  const session = yield* goOne('GetChatSessionInWorkspace', { id: chatSessionId, workspace_id: input.workspace_id });
  if (!session.ok) return fail(404, 'task not found');
  if (col(session.value, 'creator_id') !== input.user_id) return fail(403, 'not your task');

  const result = yield* cancelTask(col(task.value, 'id'));
  if (!result.ok) return fail(400, result.error.message);
  return respond(200, result.value);
}
