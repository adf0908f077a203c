/**
 * Workflow mutants a transformer cannot make (workflow-transformers.ts): a guard dropped, two steps
 * swapped, a step moved out of its transaction, a step dropped whose result the rest depends on.
 * Each is a copy of the catalogue's workflow (model/workflows/) with switches; all switches on is
 * the catalogue's behaviour, and a mutant turns exactly one off. Like model/workflows/delete-variants.ts,
 * none of this is 60b behaviour: it exists to be run on PostgreSQL's side while the model keeps the
 * spec, and to be seen to differ.
 */
import { begin, commit, elapsedMs, type Body, type Outcome, type Program } from '../../model/program.js';
import type { Row, Value } from '../../model/values.js';
import type { WorkflowName } from '../../model/workflows/index.js';
import { cancelTask } from '../../model/workflows/cancel.js';
import type { CancelTaskByUserInput } from '../../model/workflows/cancel.js';
import { lastUserMessage, resumeDecision, type ClaimInput } from '../../model/workflows/claim.js';
import {
  attempt,
  col,
  distinct,
  err,
  fail,
  goExec,
  goMany,
  goOne,
  integer,
  isNotAUuid,
  noContent,
  nullIfEmpty,
  ok,
  omitEmptyStrings,
  pass,
  refreshAgentStatus,
  respond,
  rollbackQuietly,
  runInTx,
  stop,
  wrap,
  type Go,
  type Guarded,
} from '../../model/workflows/common.js';
import { updateResumePointer, writeAssistantMessage, type CompleteTaskInput } from '../../model/workflows/complete.js';
import type { DaemonTaskInput, PinTaskSessionInput, StartTaskInput } from '../../model/workflows/daemon.js';
import type { DeleteChatSessionInput } from '../../model/workflows/delete.js';
import { maybeRetryFailedTask, type FailTaskInput } from '../../model/workflows/failures.js';
import { runtimeAccess } from '../../model/workflows/runtime.js';
import type { SendChatMessageInput } from '../../model/workflows/send.js';
import { sessionJson, type CreateChatSessionInput, type SessionRouteInput } from '../../model/workflows/sessions.js';
import { redact, unescape } from '../../model/workflows/text.js';
import type { AnyWorkflow } from './workflow-transformers.js';

/** Binds a typed version to the untyped inputs a mutant's program takes. */
function untyped<I>(version: (input: I) => Program<Outcome>): AnyWorkflow {
  return (input) => version(input as unknown as I);
}

// Access rules -----------------------------------------------------------------------------------

/** The session loader L (sessions.ts loadSession); `ownerCheck: false` lets any caller of the workspace through. */
function* loadSession(input: SessionRouteInput, { ownerCheck = true } = {}): Program<Guarded<Row>> {
  if (isNotAUuid(input.session_id)) return stop(fail(400, 'invalid chat session id'));
  const found = yield* goOne('GetChatSessionInWorkspace', { id: input.session_id, workspace_id: input.workspace_id });
  if (!found.ok) return stop(fail(404, 'chat session not found'));
  if (ownerCheck && col(found.value, 'creator_id') !== input.user_id) return stop(fail(403, 'not your chat session'));
  return pass(found.value);
}

/** The daemon's task access rule (daemon.ts daemonTaskAccess); `workspaceCheck: false` serves a daemon of any workspace. */
function* daemonTaskAccess(input: DaemonTaskInput, { workspaceCheck = true } = {}): Program<Guarded<Row>> {
  if (isNotAUuid(input.task_id)) return stop(fail(400, 'invalid task_id'));
  const task = yield* goOne('GetAgentTask', { id: input.task_id });
  if (!task.ok) return stop(fail(404, 'task not found'));
  const chatSessionId = col(task.value, 'chat_session_id');
  if (col(task.value, 'issue_id') !== null || chatSessionId === null) return stop(fail(404, 'task not found'));
  const session = yield* goOne('GetChatSession', { id: chatSessionId });
  if (!session.ok) return stop(fail(404, 'task not found'));
  if (workspaceCheck && col(session.value, 'workspace_id') !== input.workspace_id) return stop(fail(404, 'not found'));
  return pass(task.value);
}

// §1 CreateChatSession ---------------------------------------------------------------------------

function* createChatSession(input: CreateChatSessionInput, { archivedAgentCheck = true } = {}): Program<Outcome> {
  if (input.invalid_body === true) return fail(400, 'invalid request body');
  if (input.agent_id === undefined || input.agent_id === null || input.agent_id === '') return fail(400, 'agent_id is required');
  if (isNotAUuid(input.agent_id)) return fail(400, 'invalid agent_id');
  const agent = yield* goOne('GetAgentInWorkspace', { id: input.agent_id, workspace_id: input.workspace_id });
  if (!agent.ok) return fail(404, 'agent not found');
  if (archivedAgentCheck && col(agent.value, 'archived_at') !== null) return fail(400, 'agent is archived');
  const created = yield* goOne('CreateChatSession', { workspace_id: input.workspace_id, agent_id: input.agent_id, creator_id: input.user_id, title: input.title ?? '' });
  if (!created.ok) return fail(500, 'failed to create chat session');
  return respond(201, sessionJson(created.value, false));
}

export const createChatSessionArchivedAgentAllowed = untyped((input: CreateChatSessionInput) => createChatSession(input, { archivedAgentCheck: false }));

// §3 MarkChatSessionRead -------------------------------------------------------------------------

function* markChatSessionRead(input: SessionRouteInput, { ownerCheck = true } = {}): Program<Outcome> {
  const session = yield* loadSession(input, { ownerCheck });
  if (!session.ok) return session.outcome;
  const marked = yield* goExec('MarkChatSessionRead', { id: col(session.value, 'id') });
  if (!marked.ok) return fail(500, 'failed to mark session read');
  return noContent;
}

export const markReadAnyCreator = untyped((input: SessionRouteInput) => markChatSessionRead(input, { ownerCheck: false }));

// §4 SendChatMessage -----------------------------------------------------------------------------

export interface SendChanges {
  /** `false`: an absent or empty content is sent as '' instead of 400 "content is required". */
  readonly contentCheck?: boolean;
  readonly ownerCheck?: boolean;
  /** `false`: a send to an archived session goes through. */
  readonly archivedSessionCheck?: boolean;
  /** `false`: EnqueueChatTask queues a task for an archived agent. */
  readonly archivedAgentCheck?: boolean;
  /** The spec's message, task, touch; the task before the message; or the touch before the task. */
  readonly order?: 'message-task-touch' | 'task-message-touch' | 'message-touch-task';
}

/** EnqueueChatTask (send.ts); `archivedAgentCheck: false` queues for an archived agent too. */
function* enqueueChatTask(session: Row, archivedAgentCheck: boolean): Program<Go<Row>> {
  const agent = yield* goOne('GetAgent', { id: col(session, 'agent_id') });
  if (!agent.ok) return { ok: false, error: wrap('load agent: ', agent.error) };
  if (archivedAgentCheck && col(agent.value, 'archived_at') !== null) return err('agent is archived');
  const task = yield* goOne('CreateChatTask', { agent_id: col(session, 'agent_id'), runtime_id: col(agent.value, 'runtime_id'), priority: 2, chat_session_id: col(session, 'id') });
  if (!task.ok) return { ok: false, error: wrap('create chat task: ', task.error) };
  return ok(task.value);
}

function* sendChatMessage(input: SendChatMessageInput, changes: SendChanges): Program<Outcome> {
  const { contentCheck = true, ownerCheck = true, archivedSessionCheck = true, archivedAgentCheck = true, order = 'message-task-touch' } = changes;
  if (input.invalid_body === true) return fail(400, 'invalid request body');
  if (contentCheck && (input.content === undefined || input.content === '')) return fail(400, 'content is required');
  const session = yield* loadSession(input, { ownerCheck });
  if (!session.ok) return session.outcome;
  if (archivedSessionCheck && col(session.value, 'status') !== 'active') return fail(400, 'chat session is archived');
  const sessionId = col(session.value, 'id');
  const message = () => goOne('CreateChatMessage', { chat_session_id: sessionId, role: 'user', content: input.content ?? '', task_id: null, failure_reason: null, elapsed_ms: null });
  const touch = () => goExec('TouchChatSession', { id: sessionId });

  let messageRow: Row;
  let taskRow: Row;
  if (order === 'task-message-touch') {
    const task = yield* enqueueChatTask(session.value, archivedAgentCheck);
    if (!task.ok) return fail(500, `failed to enqueue chat task: ${task.error.message}`);
    const created = yield* message();
    if (!created.ok) return fail(500, 'failed to create chat message');
    [messageRow, taskRow] = [created.value, task.value];
    yield* touch();
  } else {
    const created = yield* message();
    if (!created.ok) return fail(500, 'failed to create chat message');
    if (order === 'message-touch-task') yield* touch();
    const task = yield* enqueueChatTask(session.value, archivedAgentCheck);
    if (!task.ok) return fail(500, `failed to enqueue chat task: ${task.error.message}`);
    if (order === 'message-task-touch') yield* touch();
    [messageRow, taskRow] = [created.value, task.value];
  }
  return respond(201, { message_id: col(messageRow, 'id'), task_id: col(taskRow, 'id'), created_at: col(taskRow, 'created_at') });
}

export const sendVersion = (changes: SendChanges): AnyWorkflow => untyped((input: SendChatMessageInput) => sendChatMessage(input, changes));

// §5 DeleteChatSession ---------------------------------------------------------------------------

export interface DeleteChanges {
  readonly ownerCheck?: boolean;
  /** The spec's lock, cancel, delete; or lock, delete, cancel (the cancel then finds no task of the session). */
  readonly order?: 'lock-cancel-delete' | 'lock-delete-cancel';
}

/** The final delete (delete.ts deleteInTransaction, with its lock). */
function* deleteChatSession(input: DeleteChatSessionInput, { ownerCheck = true, order = 'lock-cancel-delete' }: DeleteChanges): Program<Outcome> {
  const session = yield* loadSession(input, { ownerCheck });
  if (!session.ok) return session.outcome;
  const id = col(session.value, 'id');

  const started = yield* attempt(begin());
  if (!started.ok) return fail(500, 'failed to start transaction');
  const locked = yield* goOne('LockChatSessionForDelete', { id });
  if (!locked.ok) {
    yield* rollbackQuietly();
    if (locked.error.noRows) return noContent;
    return fail(500, 'failed to lock chat session');
  }
  const cancel = () => goMany('CancelAgentTasksByChatSession', { chat_session_id: id });
  const remove = () => goExec('DeleteChatSession', { id });

  let cancelled: Go<readonly Row[]>;
  if (order === 'lock-delete-cancel') {
    const deleted = yield* remove();
    if (!deleted.ok) {
      yield* rollbackQuietly();
      return fail(500, 'failed to delete chat session');
    }
    cancelled = yield* cancel();
    if (!cancelled.ok) {
      yield* rollbackQuietly();
      return fail(500, 'failed to cancel chat session tasks');
    }
  } else {
    cancelled = yield* cancel();
    if (!cancelled.ok) {
      yield* rollbackQuietly();
      return fail(500, 'failed to cancel chat session tasks');
    }
    const deleted = yield* remove();
    if (!deleted.ok) {
      yield* rollbackQuietly();
      return fail(500, 'failed to delete chat session');
    }
  }
  const committed = yield* attempt(commit());
  if (!committed.ok) return fail(500, 'failed to commit chat session delete');
  for (const task of cancelled.value) yield* refreshAgentStatus(col(task, 'agent_id'));
  return noContent;
}

export const deleteVersion = (changes: DeleteChanges): AnyWorkflow => untyped((input: DeleteChatSessionInput) => deleteChatSession(input, changes));

// §6 CancelTaskByUser ----------------------------------------------------------------------------

function* cancelTaskByUser(input: CancelTaskByUserInput, { ownerCheck = true } = {}): Program<Outcome> {
  if (isNotAUuid(input.task_id)) return fail(400, 'invalid task id');
  const task = yield* goOne('GetAgentTask', { id: input.task_id });
  if (!task.ok) return fail(404, 'task not found');
  const chatSessionId = col(task.value, 'chat_session_id');
  if (chatSessionId === null) return fail(404, 'task not found');
  const session = yield* goOne('GetChatSessionInWorkspace', { id: chatSessionId, workspace_id: input.workspace_id });
  if (!session.ok) return fail(404, 'task not found');
  if (ownerCheck && col(session.value, 'creator_id') !== input.user_id) return fail(403, 'not your task');
  const result = yield* cancelTask(col(task.value, 'id'));
  if (!result.ok) return fail(400, result.error.message);
  return respond(200, result.value);
}

export const cancelAnyCreator = untyped((input: CancelTaskByUserInput) => cancelTaskByUser(input, { ownerCheck: false }));

// §7 StartTask, PinTaskSession ------------------------------------------------------------------

function* startTask(input: StartTaskInput, { workspaceCheck = true } = {}): Program<Outcome> {
  const access = yield* daemonTaskAccess(input, { workspaceCheck });
  if (!access.ok) return access.outcome;
  const started = yield* goOne('StartAgentTask', { id: col(access.value, 'id') });
  if (!started.ok) return fail(400, `start task: ${started.error.message}`);
  return respond(200, started.value);
}

export const startAnyWorkspace = untyped((input: StartTaskInput) => startTask(input, { workspaceCheck: false }));

function* pinTaskSession(input: PinTaskSessionInput, { emptyCheck = true } = {}): Program<Outcome> {
  const access = yield* daemonTaskAccess(input);
  if (!access.ok) return access.outcome;
  const sessionId = nullIfEmpty(input.session_id);
  const workDir = nullIfEmpty(input.work_dir);
  if (emptyCheck && sessionId === null && workDir === null) return fail(400, 'session_id or work_dir required');
  const pinned = yield* goExec('UpdateAgentTaskSession', { id: col(access.value, 'id'), session_id: sessionId, work_dir: workDir });
  if (!pinned.ok) return fail(500, 'pin session failed');
  return noContent;
}

export const pinWithNothing = untyped((input: PinTaskSessionInput) => pinTaskSession(input, { emptyCheck: false }));

// §8–§9 CompleteTask, FailTask -------------------------------------------------------------------

export interface FinishChanges {
  readonly workspaceCheck?: boolean;
  readonly invalidBodyCheck?: boolean;
  /**
   * `false`: a task no longer in a state the compare-and-set accepts is not left alone: the rest of
   * the workflow (chat branch, retry, refresh) runs on the row as it is, as if it had just finished.
   */
  readonly idempotentCheck?: boolean;
  /** `false` (complete): an empty output still writes an assistant message (''). */
  readonly emptyOutputCheck?: boolean;
  /** `false` (fail): the failure message is written even when a retry child was created. */
  readonly retryCheck?: boolean;
  /** `false`: the resume pointer is updated after the commit and after the assistant message, in an autocommit of its own. */
  readonly pointerInTransaction?: boolean;
  /** `true`: SetUnreadSinceIfNull before CreateChatMessage (so whether or not the insert succeeds). */
  readonly unreadFirst?: boolean;
}

/**
 * complete.ts finishTask: the compare-and-set and, with `pointerInTransaction`, the resume pointer
 * in one transaction; the idempotent 200 for a task no longer in a state the query accepts.
 */
function* finishTask(
  verb: 'complete' | 'fail',
  query: 'CompleteAgentTask' | 'FailAgentTask',
  args: Readonly<Record<string, Value>>,
  sessionId: string | null,
  workDir: string | null,
  pointerInTransaction: boolean,
): Program<Guarded<Row>> {
  const finished = yield* runInTx(function* (): Program<Go<Row>> {
    const t = yield* goOne(query, args);
    if (!t.ok) return t;
    if (pointerInTransaction && col(t.value, 'chat_session_id') !== null) {
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

/** The finished row, or the answer; without the idempotent check a 200 "as it is" row goes on as finished. */
function finishedRow(finished: Guarded<Row>, idempotentCheck: boolean): Guarded<Row> {
  if (finished.ok || idempotentCheck || finished.outcome.status !== 200) return finished;
  return pass(finished.outcome.body as Body as Row);
}

/** complete.ts writeAssistantMessage; with `unreadFirst` the unread stamp comes first, unconditionally. */
function* writeMessage(task: Row, content: string, failureReason: string | null, unreadFirst: boolean): Program<void> {
  if (!unreadFirst) return yield* writeAssistantMessage(task, content, failureReason);
  const chatSessionId = col(task, 'chat_session_id');
  const elapsed: Value = yield* elapsedMs(col(task, 'created_at'), col(task, 'completed_at'));
  yield* goExec('SetUnreadSinceIfNull', { id: chatSessionId });
  yield* goOne('CreateChatMessage', { chat_session_id: chatSessionId, role: 'assistant', content, task_id: col(task, 'id'), failure_reason: failureReason, elapsed_ms: elapsed });
}

/** The resume pointer after the commit (pointerInTransaction false), its error only logged. */
function* pointerAfterCommit(task: Row, sessionId: string | null, workDir: string | null, changes: FinishChanges): Program<void> {
  if (changes.pointerInTransaction === false && col(task, 'chat_session_id') !== null) yield* updateResumePointer(task, sessionId, workDir);
}

function* completeTask(input: CompleteTaskInput, changes: FinishChanges): Program<Outcome> {
  const access = yield* daemonTaskAccess(input, { workspaceCheck: changes.workspaceCheck !== false });
  if (!access.ok) return access.outcome;
  if (changes.invalidBodyCheck !== false && input.invalid_body === true) return fail(400, 'invalid request body');
  const taskId = col(access.value, 'id');
  const output = input.output ?? '';
  const result = { pr_url: input.pr_url ?? '', output, session_id: input.session_id ?? '', work_dir: input.work_dir ?? '' };
  const sessionId = nullIfEmpty(input.session_id);
  const workDir = nullIfEmpty(input.work_dir);
  const args = { id: taskId, result, session_id: sessionId, work_dir: workDir };
  const finished = finishedRow(yield* finishTask('complete', 'CompleteAgentTask', args, sessionId, workDir, changes.pointerInTransaction !== false), changes.idempotentCheck !== false);
  if (!finished.ok) return finished.outcome;
  const t = finished.value;
  if (col(t, 'chat_session_id') !== null && (output !== '' || changes.emptyOutputCheck === false)) {
    yield* writeMessage(t, redact(unescape(output)), null, changes.unreadFirst === true);
  }
  yield* pointerAfterCommit(t, sessionId, workDir, changes);
  yield* refreshAgentStatus(col(t, 'agent_id'));
  return respond(200, t);
}

export const completeVersion = (changes: FinishChanges): AnyWorkflow => untyped((input: CompleteTaskInput) => completeTask(input, changes));

function* failTask(input: FailTaskInput, changes: FinishChanges): Program<Outcome> {
  const access = yield* daemonTaskAccess(input, { workspaceCheck: changes.workspaceCheck !== false });
  if (!access.ok) return access.outcome;
  if (changes.invalidBodyCheck !== false && input.invalid_body === true) return fail(400, 'invalid request body');
  const taskId = col(access.value, 'id');
  const errorText = input.error ?? '';
  const failureReason = nullIfEmpty(input.failure_reason);
  const sessionId = nullIfEmpty(input.session_id);
  const workDir = nullIfEmpty(input.work_dir);
  const args = { id: taskId, error: errorText, failure_reason: failureReason, session_id: sessionId, work_dir: workDir };
  const failed = finishedRow(yield* finishTask('fail', 'FailAgentTask', args, sessionId, workDir, changes.pointerInTransaction !== false), changes.idempotentCheck !== false);
  if (!failed.ok) return failed.outcome;
  const t = failed.value;
  const child = yield* maybeRetryFailedTask(t);
  if (col(t, 'chat_session_id') !== null && (child === null || changes.retryCheck === false)) {
    yield* writeMessage(t, redact(errorText), failureReason, changes.unreadFirst === true);
  }
  yield* pointerAfterCommit(t, sessionId, workDir, changes);
  yield* refreshAgentStatus(col(t, 'agent_id'));
  return respond(200, t);
}

export const failVersion = (changes: FinishChanges): AnyWorkflow => untyped((input: FailTaskInput) => failTask(input, changes));

// §10 ClaimTask ----------------------------------------------------------------------------------

export interface ClaimChanges {
  /** `false`: no CountRunningTasks, no capacity check: an agent at max_concurrent_tasks still gets a task. */
  readonly capacityCheck?: boolean;
  /** `false`: a claimed task of another runtime (its agent moved) is taken as the runtime's own. */
  readonly runtimeCheck?: boolean;
  /** `false`: no workspace isolation check: a task whose workspace is unresolved or foreign is handed out. */
  readonly isolationCheck?: boolean;
}

/** claim.ts claimTask. */
function* claimTask(agentId: Value, capacityCheck: boolean): Program<Go<Row | null>> {
  const agent = yield* goOne('GetAgent', { id: agentId });
  if (!agent.ok) return { ok: false, error: wrap('agent not found: ', agent.error) };
  if (capacityCheck) {
    const running = yield* goOne('CountRunningTasks', { agent_id: agentId });
    if (!running.ok) return { ok: false, error: wrap('count running tasks: ', running.error) };
    if (integer(running.value, 'count') >= integer(agent.value, 'max_concurrent_tasks')) return ok(null);
  }
  const task = yield* goOne('ClaimAgentTask', { agent_id: agentId });
  if (!task.ok) return task.error.noRows ? ok(null) : { ok: false, error: wrap('claim task: ', task.error) };
  yield* refreshAgentStatus(agentId);
  return ok(task.value);
}

/** claim.ts claimTaskForRuntime. */
function* claimTaskForRuntime(runtimeId: Value, changes: ClaimChanges): Program<Go<Row | null>> {
  const candidates = yield* goMany('ListQueuedClaimCandidatesByRuntime', { runtime_id: runtimeId });
  if (!candidates.ok) return { ok: false, error: wrap('list queued claim candidates: ', candidates.error) };
  for (const agentId of distinct(candidates.value.map((row) => col(row, 'agent_id')))) {
    const claimed = yield* claimTask(agentId, changes.capacityCheck !== false);
    if (!claimed.ok) return claimed;
    if (claimed.value !== null && (changes.runtimeCheck === false || col(claimed.value, 'runtime_id') === runtimeId)) return claimed;
  }
  return ok(null);
}

/** claim.ts claim. */
function* claim(input: ClaimInput, changes: ClaimChanges): Program<Outcome> {
  const access = runtimeAccess(input);
  if (!access.ok) return access.outcome;
  const runtimeWorkspaceId = access.value;
  const claimed = yield* claimTaskForRuntime(input.runtime_id, changes);
  if (!claimed.ok) return fail(500, `failed to claim task: ${claimed.error.message}`);
  const t = claimed.value;
  if (t === null) return respond(200, { task: null });

  const agent = yield* goOne('GetAgent', { id: col(t, 'agent_id') });
  let workspaceId: Value = null;
  let chat: Record<string, Body> = {};
  const chatSessionId = col(t, 'chat_session_id');
  if (chatSessionId !== null) {
    const cs = yield* goOne('GetChatSession', { id: chatSessionId });
    if (cs.ok) {
      workspaceId = col(cs.value, 'workspace_id');
      const fallback = yield* goOne('GetLastChatTaskSession', { chat_session_id: col(cs.value, 'id') });
      const decision = resumeDecision(cs.value, fallback.ok ? fallback.value : null, col(t, 'runtime_id'));
      const messages = yield* goMany('ListChatMessages', { chat_session_id: col(cs.value, 'id') });
      chat = {
        chat_session_id: col(cs.value, 'id'),
        prior_session_id: decision.prior_session_id,
        prior_work_dir: decision.prior_work_dir,
        chat_message: lastUserMessage(messages.ok ? messages.value : []),
      };
    }
  }
  if (changes.isolationCheck !== false && (workspaceId === null || workspaceId !== runtimeWorkspaceId)) {
    yield* cancelTask(col(t, 'id'));
    return fail(500, 'task workspace isolation check failed');
  }
  const task: Record<string, Body> = {
    id: col(t, 'id'),
    agent_id: col(t, 'agent_id'),
    runtime_id: col(t, 'runtime_id'),
    status: col(t, 'status'),
    priority: col(t, 'priority'),
    attempt: col(t, 'attempt'),
    created_at: col(t, 'created_at'),
    dispatched_at: col(t, 'dispatched_at'),
    ...(agent.ok ? { agent: { id: col(agent.value, 'id'), name: col(agent.value, 'name') } } : {}),
    workspace_id: workspaceId,
    ...chat,
  };
  return respond(200, { task: omitEmptyStrings(task) });
}

export const claimVersion = (changes: ClaimChanges): AnyWorkflow => untyped((input: ClaimInput) => claim(input, changes));

/**
 * Every handwritten copy with nothing changed: the catalogue's behaviour, statement for statement.
 * Run on PostgreSQL's side they must never be told apart from the spec (a test holds them to it),
 * so that what kills a mutant is its one change, not a slip in the copy.
 */
export const unchangedCopies: ReadonlyMap<WorkflowName, AnyWorkflow> = new Map<WorkflowName, AnyWorkflow>([
  ['CreateChatSession', untyped((input: CreateChatSessionInput) => createChatSession(input))],
  ['MarkChatSessionRead', untyped((input: SessionRouteInput) => markChatSessionRead(input))],
  ['SendChatMessage', sendVersion({})],
  ['DeleteChatSession', deleteVersion({})],
  ['CancelTaskByUser', untyped((input: CancelTaskByUserInput) => cancelTaskByUser(input))],
  ['StartTask', untyped((input: StartTaskInput) => startTask(input))],
  ['PinTaskSession', untyped((input: PinTaskSessionInput) => pinTaskSession(input))],
  ['CompleteTask', completeVersion({})],
  ['FailTask', failVersion({})],
  ['ClaimTask', claimVersion({})],
]);
