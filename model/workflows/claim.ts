/**
 * Claim (workflows.md §10): ClaimTaskForRuntime with ClaimTask per agent, then the response for the
 * chosen task — chat session, resume decision, prompt, and the workspace isolation check.
 */
import type { Body, Outcome, Program } from '../program.js';
import type { Row, Value } from '../values.js';
import { col, distinct, fail, goMany, goOne, integer, ok, omitEmptyStrings, refreshAgentStatus, respond, text, wrap, type Go } from './common.js';
import { cancelTask } from './cancel.js';
import { runtimeAccess, type DaemonRuntimeInput } from './runtime.js';

/**
 * TaskService.ClaimTask(A): GetAgent, CountRunningTasks against max_concurrent_tasks, ClaimAgentTask,
 * RefreshAgentStatusFromTasks — separate autocommits. null = nothing claimed (no capacity or no
 * claimable task).
 */
export function* claimTask(agentId: Value): Program<Go<Row | null>> {
  const agent = yield* goOne('GetAgent', { id: agentId });
  if (!agent.ok) return { ok: false, error: wrap('agent not found: ', agent.error) };
  const running = yield* goOne('CountRunningTasks', { agent_id: agentId });
  if (!running.ok) return { ok: false, error: wrap('count running tasks: ', running.error) };
  // count(*) is a bigint: a number in the model, a string from node-postgres.
  if (integer(running.value, 'count') >= integer(agent.value, 'max_concurrent_tasks')) return ok(null);
  const task = yield* goOne('ClaimAgentTask', { agent_id: agentId });
  if (!task.ok) return task.error.noRows ? ok(null) : { ok: false, error: wrap('claim task: ', task.error) };
  yield* refreshAgentStatus(agentId);
  return ok(task.value);
}

/**
 * TaskService.ClaimTaskForRuntime(R): the queued candidates of R; ClaimTask for each distinct agent
 * in candidate order until one returns a task stamped with R (a task of another runtime that it
 * dispatched stays dispatched and is passed over). The empty-claim cache is not modelled.
 */
export function* claimTaskForRuntime(runtimeId: Value): Program<Go<Row | null>> {
  const candidates = yield* goMany('ListQueuedClaimCandidatesByRuntime', { runtime_id: runtimeId });
  if (!candidates.ok) return { ok: false, error: wrap('list queued claim candidates: ', candidates.error) };
  for (const agentId of distinct(candidates.value.map((row) => col(row, 'agent_id')))) {
    const claimed = yield* claimTask(agentId);
    if (!claimed.ok) return claimed;
    if (claimed.value !== null && col(claimed.value, 'runtime_id') === runtimeId) return claimed;
  }
  return ok(null);
}

/** The resume pointer handed to the daemon. */
export interface ResumeDecision {
  readonly prior_session_id: string;
  readonly prior_work_dir: string;
}

/**
 * The resume decision of §10, from the chat session `cs`, the fallback F (GetLastChatTaskSession, or
 * null) and the claimed task's runtime. The task row's own session_id/work_dir are never used.
 * prior_session_id: cs.session_id when cs has a runtime equal to the task's; else F.session_id when
 * F's runtime equals the task's; else "". prior_work_dir (no runtime guard): cs.work_dir, else
 * F.work_dir, else "".
 */
export function resumeDecision(cs: Row, fallback: Row | null, taskRuntimeId: Value): ResumeDecision {
  const csSession = text(cs, 'session_id');
  const csRuntime = col(cs, 'runtime_id');
  let priorSessionId = '';
  if (csSession !== null && csRuntime !== null && csRuntime === taskRuntimeId) priorSessionId = csSession;
  else if (fallback !== null && col(fallback, 'runtime_id') === taskRuntimeId) priorSessionId = text(fallback, 'session_id') ?? '';

  const csWorkDir = text(cs, 'work_dir');
  const fallbackWorkDir = fallback === null ? null : text(fallback, 'work_dir');
  const priorWorkDir = csWorkDir ?? fallbackWorkDir ?? '';
  return { prior_session_id: priorSessionId, prior_work_dir: priorWorkDir };
}

/** Content of the last `role = 'user'` message (messages come oldest first), "" if none. */
export function lastUserMessage(messages: readonly Row[]): string {
  let content = '';
  for (const message of messages) if (col(message, 'role') === 'user') content = text(message, 'content') ?? '';
  return content;
}

export type ClaimInput = DaemonRuntimeInput;

/**
 * `POST /api/daemon/runtimes/{runtimeId}/tasks/claim`.
 *
 * Response for a chosen task T: GetAgent(T.agent_id) for response data only (an error just leaves
 * `agent` out); for a chat task GetChatSession, then GetLastChatTaskSession (F) and ListChatMessages
 * (errors there count as "no F" and "no messages"). Only chat tasks are modelled: a task whose
 * session is gone, or with no chat session at all (issue, autopilot and quick-create links are not
 * modelled), resolves no workspace. No workspace, or one other than the runtime's → CancelTask(T)
 * and 500 "task workspace isolation check failed".
 *
 * 200 body: `{task: null}` or `{task: {id, agent_id, runtime_id, status, priority, attempt,
 * created_at, dispatched_at, agent?: {id, name}, workspace_id, chat_session_id, prior_session_id,
 * prior_work_dir, chat_message}}` with empty strings left out (Go's omitempty).
 */
export function* claim(input: ClaimInput): Program<Outcome> {
  const access = runtimeAccess(input);
  if (!access.ok) return access.outcome;
  const runtimeWorkspaceId = access.value;

  const claimed = yield* claimTaskForRuntime(input.runtime_id);
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

  if (workspaceId === null || workspaceId !== runtimeWorkspaceId) {
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
