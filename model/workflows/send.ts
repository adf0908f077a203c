/**
 * SendChatMessage (workflows.md §4): no transaction, no lock; every statement autocommits, in the
 * order of send-vs-delete-race.md §1 (S1 loader, S2 message, S3 agent, S4 task, S5 touch).
 */
import type { Outcome, Program } from '../program.js';
import type { Row } from '../values.js';
import { col, err, fail, goExec, goOne, ok, respond, wrap, type Go } from './common.js';
import { loadSession, type SessionRouteInput } from './sessions.js';

export interface SendChatMessageInput extends SessionRouteInput {
  /** Body `content`; absent or '' → "content is required". Whitespace-only is accepted. */
  readonly content?: string;
  /** The body is not JSON (checked before anything else). */
  readonly invalid_body?: boolean;
}

/**
 * TaskService.EnqueueChatTask at 60b: GetAgent, the archived check, CreateChatTask with the agent's
 * runtime and priority 2. The error text is what the handler appends to "failed to enqueue chat task: ".
 */
export function* enqueueChatTask(session: Row): Program<Go<Row>> {
  const agent = yield* goOne('GetAgent', { id: col(session, 'agent_id') });
  if (!agent.ok) return { ok: false, error: wrap('load agent: ', agent.error) };
  if (col(agent.value, 'archived_at') !== null) return err('agent is archived');
  const task = yield* goOne('CreateChatTask', {
    agent_id: col(session, 'agent_id'),
    runtime_id: col(agent.value, 'runtime_id'),
    priority: 2,
    chat_session_id: col(session, 'id'),
  });
  if (!task.ok) return { ok: false, error: wrap('create chat task: ', task.error) };
  return ok(task.value);
}

export function* sendChatMessage(input: SendChatMessageInput): Program<Outcome> {
  if (input.invalid_body === true) return fail(400, 'invalid request body');
  if (input.content === undefined || input.content === '') return fail(400, 'content is required');
  const session = yield* loadSession(input);
  if (!session.ok) return session.outcome;
  if (col(session.value, 'status') !== 'active') return fail(400, 'chat session is archived');
  const sessionId = col(session.value, 'id');

  const message = yield* goOne('CreateChatMessage', {
    chat_session_id: sessionId,
    role: 'user',
    content: input.content,
    task_id: null,
    failure_reason: null,
    elapsed_ms: null,
  });
  if (!message.ok) return fail(500, 'failed to create chat message');

  // The user message stays committed whatever happens next.
  const task = yield* enqueueChatTask(session.value);
  if (!task.ok) return fail(500, `failed to enqueue chat task: ${task.error.message}`);

  // An error here is only logged.
  yield* goExec('TouchChatSession', { id: sessionId });

  return respond(201, {
    message_id: col(message.value, 'id'),
    task_id: col(task.value, 'id'),
    created_at: col(task.value, 'created_at'),
  });
}
