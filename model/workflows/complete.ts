/**
 * CompleteTask (workflows.md §8): the task and the chat session's resume pointer in one transaction,
 * then, after the commit, the assistant message, the unread stamp and the agent status refresh.
 */
import { elapsedMs, type Outcome, type Program } from '../program.js';
import type { Row, Value } from '../values.js';
import { col, fail, goExec, goOne, nullIfEmpty, ok, pass, refreshAgentStatus, respond, runInTx, stop, wrap, type Go, type Guarded } from './common.js';
import { daemonTaskAccess, type DaemonTaskInput } from './daemon.js';
import { redact, unescape } from './text.js';

export interface CompleteTaskInput extends DaemonTaskInput {
  readonly pr_url?: string;
  readonly output?: string;
  readonly session_id?: string;
  readonly work_dir?: string;
  /** The body is not JSON (checked after the access rule). */
  readonly invalid_body?: boolean;
}

/**
 * UpdateChatSessionSession as complete and fail call it: `""` → NULL, and the runtime is recorded
 * only together with a session id.
 */
export function* updateResumePointer(task: Row, sessionId: string | null, workDir: string | null): Program<Go<void>> {
  const updated = yield* goExec('UpdateChatSessionSession', {
    session_id: sessionId,
    work_dir: workDir,
    runtime_id: sessionId !== null ? col(task, 'runtime_id') : null,
    id: col(task, 'chat_session_id'),
  });
  if (!updated.ok) return { ok: false, error: wrap('update chat session resume pointer: ', updated.error) };
  return ok(undefined);
}

/**
 * The assistant message of a finished chat task and, only if it was inserted, the unread stamp.
 * Errors of both are only logged.
 */
export function* writeAssistantMessage(task: Row, content: string, failureReason: string | null): Program<void> {
  const chatSessionId = col(task, 'chat_session_id');
  const elapsed: Value = yield* elapsedMs(col(task, 'created_at'), col(task, 'completed_at'));
  const message = yield* goOne('CreateChatMessage', {
    chat_session_id: chatSessionId,
    role: 'assistant',
    content,
    task_id: col(task, 'id'),
    failure_reason: failureReason,
    elapsed_ms: elapsed,
  });
  if (message.ok) yield* goExec('SetUnreadSinceIfNull', { id: chatSessionId });
}

/**
 * The transaction complete and fail share: the compare-and-set `query` finishes the task, and for a
 * chat task the session's resume pointer moves with it. A task no longer in a state the query
 * accepts is an idempotent 200 with the row as it is now; any other error is 400 "<verb> task: …".
 */
export function* finishTask(
  verb: 'complete' | 'fail',
  query: 'CompleteAgentTask' | 'FailAgentTask',
  args: Readonly<Record<string, Value>>,
  sessionId: string | null,
  workDir: string | null,
): Program<Guarded<Row>> {
  const finished = yield* runInTx(function* (): Program<Go<Row>> {
    const t = yield* goOne(query, args);
    if (!t.ok) return t;
    if (col(t.value, 'chat_session_id') !== null) {
      const pointer = yield* updateResumePointer(t.value, sessionId, workDir);
      if (!pointer.ok) return pointer;
    }
    return t;
  });
  if (finished.ok) return pass(finished.value);
  const existing = yield* goOne('GetAgentTask', { id: args['id'] ?? null });
  if (existing.ok && finished.error.noRows) return stop(respond(200, existing.value));
  return stop(fail(400, `${verb} task: ${finished.error.message}`));
}

export function* completeTask(input: CompleteTaskInput): Program<Outcome> {
  const access = yield* daemonTaskAccess(input);
  if (!access.ok) return access.outcome;
  if (input.invalid_body === true) return fail(400, 'invalid request body');
  const taskId = col(access.value, 'id');

  const output = input.output ?? '';
  const result = {
    pr_url: input.pr_url ?? '',
    output,
    session_id: input.session_id ?? '',
    work_dir: input.work_dir ?? '',
  };
  const sessionId = nullIfEmpty(input.session_id);
  const workDir = nullIfEmpty(input.work_dir);

  const finished = yield* finishTask('complete', 'CompleteAgentTask', { id: taskId, result, session_id: sessionId, work_dir: workDir }, sessionId, workDir);
  if (!finished.ok) return finished.outcome;
  const t = finished.value;
  if (col(t, 'chat_session_id') !== null && output !== '') {
    yield* writeAssistantMessage(t, redact(unescape(output)), null);
  }
  yield* refreshAgentStatus(col(t, 'agent_id'));
  return respond(200, t);
}
