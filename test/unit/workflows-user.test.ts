/**
 * The user-side workflows (workflows.md §0–§6) on the model: every success and error branch.
 * The world is built with the fixture queries through the same interpreter; database errors that a
 * healthy model never raises are injected with injectFaults.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../model/errors.js';
import { ModelDatabase } from '../../model/model-database.js';
import { many, one, type Outcome } from '../../model/program.js';
import type { Value } from '../../model/values.js';
import { archiveAgent, archiveChatSession, createUser, createMember, createWorld, type World } from '../../model/workflows/fixtures.js';
import { NOT_A_UUID, workflows } from '../../model/workflows/index.js';
import { runBefore, stepLabel, traced, type Fault, type TracedStep } from '../../model/workflows/instrument.js';
import { error, fields, must, tick, workflowRunners } from '../support/model.js';

let db: ModelDatabase;
let w: World;
const { run, runTraced, runFaulty, getTask, getSession, getAgent, listMessages } = workflowRunners(() => db);

const caller = (world: World = w) => ({ workspace_id: world.workspace_id, user_id: world.user_id });

async function newSession(world: World = w, title = 'title'): Promise<Value> {
  const outcome = await run(workflows.CreateChatSession({ ...caller(world), agent_id: world.agent_id, title }));
  expect(outcome.status).toBe(201);
  return fields(outcome).id ?? null;
}

function send(sessionId: Value, content = 'hello', world: World = w): Promise<Outcome> {
  return run(workflows.SendChatMessage({ ...caller(world), session_id: sessionId, content }));
}

const pendingTask = (id: Value) => run(one('GetPendingChatTask', { chat_session_id: id }));

/** Drives the session's pending task through claim and start (the daemon's side). */
async function runPendingTask(world: World = w): Promise<Value> {
  const claimed = await run(
    workflows.ClaimTask({ workspace_id: world.workspace_id, runtime_id: world.runtime_id, runtime_workspace_id: world.workspace_id }),
  );
  expect(claimed.status).toBe(200);
  const taskId = (fields(claimed).task as Record<string, Value> | null)?.id ?? null;
  expect(taskId).not.toBeNull();
  const started = await run(workflows.StartTask({ workspace_id: world.workspace_id, task_id: taskId }));
  expect(started.status).toBe(200);
  return taskId;
}

beforeEach(async () => {
  db = new ModelDatabase();
  w = await run(createWorld('w'));
});

// §0 ---------------------------------------------------------------------------------------------

describe('session loader (via GetChatSession)', () => {
  it('400 for a path id that is not a UUID, before any statement', async () => {
    const { outcome, steps } = await runTraced(workflows.GetChatSession({ ...caller(), session_id: NOT_A_UUID }));
    expect(outcome).toEqual(error(400, 'invalid chat session id'));
    expect(steps).toEqual([]);
  });

  it('404 for a session that does not exist, or that belongs to another workspace', async () => {
    expect(await run(workflows.GetChatSession({ ...caller(), session_id: 'chat_session:999' }))).toEqual(
      error(404, 'chat session not found'),
    );
    const other = await run(createWorld('other'));
    const foreign = await newSession(other);
    expect(await run(workflows.GetChatSession({ ...caller(), session_id: foreign }))).toEqual(
      error(404, 'chat session not found'),
    );
  });

  it('404 when the read fails', async () => {
    const id = await newSession();
    const { outcome } = await runFaulty(workflows.GetChatSession({ ...caller(), session_id: id }), {
      at: 'GetChatSessionInWorkspace',
    });
    expect(outcome).toEqual(error(404, 'chat session not found'));
  });

  it('403 for another member of the same workspace: chat is creator-only', async () => {
    const id = await newSession();
    const other = await run(createUser('colleague'));
    await run(createMember(w.workspace_id, other.id ?? null));
    expect(
      await run(workflows.GetChatSession({ workspace_id: w.workspace_id, user_id: other.id ?? null, session_id: id })),
    ).toEqual(error(403, 'not your chat session'));
  });
});

// §1 ---------------------------------------------------------------------------------------------

describe('CreateChatSession', () => {
  it('201 with the session JSON, has_unread false, no resume pointer exposed', async () => {
    const outcome = await run(workflows.CreateChatSession({ ...caller(), agent_id: w.agent_id, title: 'First' }));
    expect(outcome.status).toBe(201);
    const body = fields(outcome);
    expect(Object.keys(body).sort()).toEqual(
      ['agent_id', 'created_at', 'creator_id', 'has_unread', 'id', 'status', 'title', 'updated_at', 'workspace_id'].sort(),
    );
    expect(body).toMatchObject({
      workspace_id: w.workspace_id,
      agent_id: w.agent_id,
      creator_id: w.user_id,
      title: 'First',
      status: 'active',
      has_unread: false,
    });
    expect(body.created_at).toBe(body.updated_at);
    const row = must(await getSession(body.id ?? null));
    expect(row.runtime_id).toBe(w.runtime_id);
    expect(row.session_id).toBeNull();
  });

  it('an absent title is the empty string', async () => {
    const outcome = await run(workflows.CreateChatSession({ ...caller(), agent_id: w.agent_id }));
    expect(fields(outcome).title).toBe('');
  });

  it('400 for a body that is not JSON, a missing agent_id and a malformed one — no statement', async () => {
    const cases: [object, Outcome][] = [
      [{ invalid_body: true, agent_id: w.agent_id }, error(400, 'invalid request body')],
      [{}, error(400, 'agent_id is required')],
      [{ agent_id: '' }, error(400, 'agent_id is required')],
      [{ agent_id: NOT_A_UUID }, error(400, 'invalid agent_id')],
    ];
    for (const [input, expected] of cases) {
      const { outcome, steps } = await runTraced(workflows.CreateChatSession({ ...caller(), ...input }));
      expect(outcome).toEqual(expected);
      expect(steps).toEqual([]);
    }
  });

  it('404 "agent not found" for a missing agent, an agent of another workspace, or a failed read', async () => {
    expect(await run(workflows.CreateChatSession({ ...caller(), agent_id: 'agent:999' }))).toEqual(
      error(404, 'agent not found'),
    );
    const other = await run(createWorld('other'));
    expect(await run(workflows.CreateChatSession({ ...caller(), agent_id: other.agent_id }))).toEqual(
      error(404, 'agent not found'),
    );
    const { outcome } = await runFaulty(workflows.CreateChatSession({ ...caller(), agent_id: w.agent_id }), {
      at: 'GetAgentInWorkspace',
    });
    expect(outcome).toEqual(error(404, 'agent not found'));
  });

  it('400 "agent is archived", nothing written', async () => {
    await run(archiveAgent(w.agent_id));
    const { outcome, steps } = await runTraced(workflows.CreateChatSession({ ...caller(), agent_id: w.agent_id }));
    expect(outcome).toEqual(error(400, 'agent is archived'));
    expect(steps).toEqual(['GetAgentInWorkspace']);
    expect(await run(many('ListAllChatSessionsByCreator', { workspace_id: w.workspace_id, creator_id: w.user_id }))).toEqual([]);
  });

  it('500 when the insert fails', async () => {
    const { outcome } = await runFaulty(workflows.CreateChatSession({ ...caller(), agent_id: w.agent_id }), {
      at: 'CreateChatSession',
    });
    expect(outcome).toEqual(error(500, 'failed to create chat session'));
  });
});

// §2, §3 -----------------------------------------------------------------------------------------

describe('ListChatSessions', () => {
  it('active only by default; status=all includes legacy archived sessions; other users excluded', async () => {
    const active = await newSession(w, 'active');
    const archived = await newSession(w, 'archived');
    await run(archiveChatSession(archived));
    const stranger = await run(createUser('stranger'));
    await run(createMember(w.workspace_id, stranger.id ?? null));
    await run(workflows.CreateChatSession({ workspace_id: w.workspace_id, user_id: stranger.id ?? null, agent_id: w.agent_id }));

    const activeOnly = await run(workflows.ListChatSessions(caller()));
    expect(activeOnly.status).toBe(200);
    expect((activeOnly.body as Record<string, Value>[]).map((s) => s.id)).toEqual([active]);
    expect(await run(workflows.ListChatSessions({ ...caller(), status: 'archived' }))).toEqual(activeOnly);

    const all = await run(workflows.ListChatSessions({ ...caller(), status: 'all' }));
    const ids: unknown[] = (all.body as Record<string, Value>[]).map((s) => s.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids)).toEqual(new Set<unknown>([active, archived]));
  });

  it('200 [] when there is none; 500 when the query fails', async () => {
    expect(await run(workflows.ListChatSessions(caller()))).toEqual({ status: 200, body: [] });
    const { outcome } = await runFaulty(workflows.ListChatSessions({ ...caller(), status: 'all' }), {
      at: 'ListAllChatSessionsByCreator',
    });
    expect(outcome).toEqual(error(500, 'failed to list chat sessions'));
  });

  it('has_unread after an assistant reply; GetChatSession still says false; mark read clears it', async () => {
    const id = await newSession();
    await send(id);
    const taskId = await runPendingTask();
    await run(workflows.CompleteTask({ workspace_id: w.workspace_id, task_id: taskId, output: 'reply' }));

    const listed = (await run(workflows.ListChatSessions(caller()))).body as Record<string, Value>[];
    expect(listed[0]?.has_unread).toBe(true);
    expect(fields(await run(workflows.GetChatSession({ ...caller(), session_id: id }))).has_unread).toBe(false);

    const before = must(await getSession(id));
    expect(await run(workflows.MarkChatSessionRead({ ...caller(), session_id: id }))).toEqual({ status: 204, body: null });
    const after = must(await getSession(id));
    expect(after.unread_since).toBeNull();
    expect(after.updated_at).toBe(before.updated_at);
    const relisted = (await run(workflows.ListChatSessions(caller()))).body as Record<string, Value>[];
    expect(relisted[0]?.has_unread).toBe(false);
    // Idempotent.
    expect(await run(workflows.MarkChatSessionRead({ ...caller(), session_id: id }))).toEqual({ status: 204, body: null });
  });
});

describe('GetChatSession / ListChatMessages / MarkChatSessionRead / pending tasks', () => {
  it('ListChatMessages: the message JSON; 500 when the query fails', async () => {
    const id = await newSession();
    await send(id, 'hi there');
    const outcome = await run(workflows.ListChatMessages({ ...caller(), session_id: id }));
    expect(outcome.status).toBe(200);
    const [message, ...rest] = outcome.body as Record<string, Value>[];
    expect(rest).toEqual([]);
    expect(Object.keys(message ?? {}).sort()).toEqual(
      ['chat_session_id', 'content', 'created_at', 'elapsed_ms', 'failure_reason', 'id', 'role', 'task_id'].sort(),
    );
    expect(message).toMatchObject({ chat_session_id: id, role: 'user', content: 'hi there', task_id: null, failure_reason: null, elapsed_ms: null });

    const { outcome: failed } = await runFaulty(workflows.ListChatMessages({ ...caller(), session_id: id }), { at: 'ListChatMessages' });
    expect(failed).toEqual(error(500, 'failed to list chat messages'));
  });

  it('the loader guards every session route', async () => {
    for (const name of ['GetChatSession', 'ListChatMessages', 'MarkChatSessionRead', 'GetPendingChatTask', 'DeleteChatSession'] as const) {
      expect(await run(workflows[name]({ ...caller(), session_id: NOT_A_UUID }))).toEqual(error(400, 'invalid chat session id'));
      expect(await run(workflows[name]({ ...caller(), session_id: 'chat_session:42' }))).toEqual(error(404, 'chat session not found'));
    }
  });

  it('MarkChatSessionRead: 500 when the update fails', async () => {
    const id = await newSession();
    const { outcome } = await runFaulty(workflows.MarkChatSessionRead({ ...caller(), session_id: id }), { at: 'MarkChatSessionRead' });
    expect(outcome).toEqual(error(500, 'failed to mark session read'));
  });

  it('GetPendingChatTask: {} when none or on error; the newest in-flight task otherwise', async () => {
    const id = await newSession();
    expect(await run(workflows.GetPendingChatTask({ ...caller(), session_id: id }))).toEqual({ status: 200, body: {} });
    const sent = fields(await send(id));
    const outcome = await run(workflows.GetPendingChatTask({ ...caller(), session_id: id }));
    expect(outcome).toEqual({ status: 200, body: { task_id: sent.task_id, status: 'queued', created_at: sent.created_at } });
    const { outcome: failed } = await runFaulty(workflows.GetPendingChatTask({ ...caller(), session_id: id }), { at: 'GetPendingChatTask' });
    expect(failed).toEqual({ status: 200, body: {} });
  });

  it('pending tasks of archived sessions still show (§12.5)', async () => {
    const id = await newSession();
    const sent = fields(await send(id));
    await run(archiveChatSession(id));
    expect(fields(await run(workflows.GetPendingChatTask({ ...caller(), session_id: id }))).task_id).toBe(sent.task_id);
    expect(await run(workflows.ListPendingChatTasks(caller()))).toEqual({
      status: 200,
      body: { tasks: [{ task_id: sent.task_id, status: 'queued', chat_session_id: id }] },
    });
  });

  it('ListPendingChatTasks: {tasks: []} when none; 500 when the query fails', async () => {
    expect(await run(workflows.ListPendingChatTasks(caller()))).toEqual({ status: 200, body: { tasks: [] } });
    const { outcome } = await runFaulty(workflows.ListPendingChatTasks(caller()), { at: 'ListPendingChatTasksByCreator' });
    expect(outcome).toEqual(error(500, 'failed to list pending chat tasks'));
  });
});

// §4 ---------------------------------------------------------------------------------------------

describe('SendChatMessage', () => {
  it('201: user message, queued task, touched session — in that order, each its own statement', async () => {
    const id = await newSession();
    const { outcome, steps } = await runTraced(workflows.SendChatMessage({ ...caller(), session_id: id, content: '  ' }));
    expect(steps).toEqual(['GetChatSessionInWorkspace', 'CreateChatMessage', 'GetAgent', 'CreateChatTask', 'TouchChatSession']);
    expect(outcome.status).toBe(201);
    const body = fields(outcome);
    expect(Object.keys(body).sort()).toEqual(['created_at', 'message_id', 'task_id']);

    const task = must(await getTask(body.task_id ?? null));
    expect(task).toMatchObject({ status: 'queued', priority: 2, chat_session_id: id, agent_id: w.agent_id, runtime_id: w.runtime_id, issue_id: null });
    expect(body.created_at).toBe(task.created_at);

    const [message] = await listMessages(id);
    expect(message).toMatchObject({ id: body.message_id, role: 'user', content: '  ', task_id: null });
    const session = must(await getSession(id));
    expect(tick(message?.created_at)).toBeLessThan(tick(task.created_at));
    expect(tick(task.created_at)).toBeLessThan(tick(session.updated_at));
  });

  it('400 for a body that is not JSON or empty content, checked before the loader', async () => {
    for (const [input, expected] of [
      [{ invalid_body: true, content: 'x' }, error(400, 'invalid request body')],
      [{ content: '' }, error(400, 'content is required')],
      [{}, error(400, 'content is required')],
    ] as const) {
      const { outcome, steps } = await runTraced(workflows.SendChatMessage({ ...caller(), session_id: NOT_A_UUID, ...input }));
      expect(outcome).toEqual(expected);
      expect(steps).toEqual([]);
    }
  });

  it('loader errors: 400, 404, 403', async () => {
    const id = await newSession();
    expect(await send(NOT_A_UUID)).toEqual(error(400, 'invalid chat session id'));
    expect(await send('chat_session:77')).toEqual(error(404, 'chat session not found'));
    const other = await run(createUser('other'));
    await run(createMember(w.workspace_id, other.id ?? null));
    expect(await send(id, 'x', { ...w, user_id: other.id ?? null })).toEqual(error(403, 'not your chat session'));
  });

  it('400 "chat session is archived" for a legacy archived session, and nothing is written', async () => {
    const id = await newSession();
    await run(archiveChatSession(id));
    const before = must(await getSession(id));
    const { outcome, steps } = await runTraced(workflows.SendChatMessage({ ...caller(), session_id: id, content: 'x' }));
    expect(outcome).toEqual(error(400, 'chat session is archived'));
    expect(steps).toEqual(['GetChatSessionInWorkspace']);
    expect(await listMessages(id)).toEqual([]);
    expect(await pendingTask(id)).toBeNull();
    expect(must(await getSession(id)).updated_at).toBe(before.updated_at);
  });

  it('archived agent: one user message, no task, updated_at untouched, 500', async () => {
    const id = await newSession();
    await run(archiveAgent(w.agent_id));
    const before = must(await getSession(id));
    expect(await send(id, 'anyone?')).toEqual(error(500, 'failed to enqueue chat task: agent is archived'));
    const msgs = await listMessages(id);
    expect(msgs.map((m) => [m.role, m.content])).toEqual([['user', 'anyone?']]);
    expect(await pendingTask(id)).toBeNull();
    expect(await run(many('ListQueuedClaimCandidatesByRuntime', { runtime_id: w.runtime_id }))).toEqual([]);
    expect(must(await getSession(id)).updated_at).toBe(before.updated_at);
  });

  it('500 "failed to create chat message" when the message insert fails: nothing written', async () => {
    const id = await newSession();
    const { outcome, steps } = await runFaulty(workflows.SendChatMessage({ ...caller(), session_id: id, content: 'x' }), {
      at: 'CreateChatMessage',
    });
    expect(outcome).toEqual(error(500, 'failed to create chat message'));
    expect(steps).toEqual(['GetChatSessionInWorkspace', 'CreateChatMessage']);
    expect(await listMessages(id)).toEqual([]);
    expect(await pendingTask(id)).toBeNull();
  });

  it('enqueue errors are reported with pgx wording; the user message stays', async () => {
    const id = await newSession();
    const load = await runFaulty(workflows.SendChatMessage({ ...caller(), session_id: id, content: 'a' }), {
      at: 'GetAgent',
      error: new SqlError('57014', 'canceling statement due to user request'),
    });
    expect(load.outcome).toEqual(
      error(500, 'failed to enqueue chat task: load agent: ERROR: canceling statement due to user request (SQLSTATE 57014)'),
    );
    const create = await runFaulty(workflows.SendChatMessage({ ...caller(), session_id: id, content: 'b' }), {
      at: 'CreateChatTask',
      error: new SqlError('23503', 'insert or update on table "agent_task_queue" violates foreign key constraint "agent_task_queue_chat_session_id_fkey"', 'agent_task_queue_chat_session_id_fkey'),
    });
    expect(create.outcome).toEqual(
      error(
        500,
        'failed to enqueue chat task: create chat task: ERROR: insert or update on table "agent_task_queue" violates foreign key constraint "agent_task_queue_chat_session_id_fkey" (SQLSTATE 23503)',
      ),
    );
    expect(create.steps).toEqual(['GetChatSessionInWorkspace', 'CreateChatMessage', 'GetAgent', 'CreateChatTask']);
    expect((await listMessages(id)).map((m) => m.content)).toEqual(['a', 'b']);
    expect(await pendingTask(id)).toBeNull();
  });

  it('a TouchChatSession error is only logged: still 201', async () => {
    const id = await newSession();
    const { outcome } = await runFaulty(workflows.SendChatMessage({ ...caller(), session_id: id, content: 'x' }), {
      at: 'TouchChatSession',
    });
    expect(outcome.status).toBe(201);
  });

  describe('racing a delete, serialised at statement boundaries (send-vs-delete-race.md §5)', () => {
    const deleteOf = (id: Value) => workflows.DeleteChatSession({ ...caller(), session_id: id });

    it('O2: the delete commits between the loader and the message insert → 500, nothing from the send', async () => {
      const id = await newSession();
      let deleted: Outcome | undefined;
      const outcome = await run(
        runBefore(workflows.SendChatMessage({ ...caller(), session_id: id, content: 'x' }), 'CreateChatMessage', deleteOf(id), (o) => (deleted = o)),
      );
      expect(deleted).toEqual({ status: 204, body: null });
      expect(outcome).toEqual(error(500, 'failed to create chat message'));
      expect(await listMessages(id)).toEqual([]);
    });

    it('O3: the delete commits between the message and the task → 500 naming the FK violation', async () => {
      const id = await newSession();
      const outcome = await run(
        runBefore(workflows.SendChatMessage({ ...caller(), session_id: id, content: 'x' }), 'CreateChatTask', deleteOf(id), () => {}),
      );
      expect(outcome.status).toBe(500);
      const message = fields(outcome).error as string;
      expect(message.startsWith('failed to enqueue chat task: create chat task: ERROR: ')).toBe(true);
      expect(message).toContain('agent_task_queue_chat_session_id_fkey');
      expect(message.endsWith('(SQLSTATE 23503)')).toBe(true);
      expect(await listMessages(id)).toEqual([]);
      expect(await run(many('ListQueuedClaimCandidatesByRuntime', { runtime_id: w.runtime_id }))).toEqual([]);
    });

    it('O4: the delete runs after the task insert → send 201, task cancelled with chat_session_id NULL', async () => {
      const id = await newSession();
      const outcome = await run(
        runBefore(workflows.SendChatMessage({ ...caller(), session_id: id, content: 'x' }), 'TouchChatSession', deleteOf(id), () => {}),
      );
      expect(outcome.status).toBe(201);
      const task = must(await getTask(fields(outcome).task_id ?? null));
      expect(task).toMatchObject({ status: 'cancelled', chat_session_id: null });
      expect(task.completed_at).not.toBeNull();
    });
  });
});

// §5 ---------------------------------------------------------------------------------------------

describe('DeleteChatSession', () => {
  it('204: cancels in-flight tasks, keeps history, nulls chat_session_id, deletes messages; then 404', async () => {
    const id = await newSession();
    await send(id, 'first');
    const done = await runPendingTask();
    await run(workflows.CompleteTask({ workspace_id: w.workspace_id, task_id: done, output: 'answer' }));
    const running = fields(await send(id, 'second')).task_id ?? null;
    await runPendingTask();
    const queued = fields(await send(id, 'third')).task_id ?? null;
    expect(must(await getAgent(w.agent_id)).status).toBe('working');
    const completedBefore = must(await getTask(done));

    const { outcome, steps } = await runTraced(workflows.DeleteChatSession({ ...caller(), session_id: id }));
    expect(outcome).toEqual({ status: 204, body: null });
    expect(steps).toEqual([
      'GetChatSessionInWorkspace',
      'begin',
      'LockChatSessionForDelete',
      'CancelAgentTasksByChatSession',
      'DeleteChatSession',
      'commit',
      'RefreshAgentStatusFromTasks',
      'RefreshAgentStatusFromTasks',
    ]);

    expect(await getSession(id)).toBeNull();
    expect(await listMessages(id)).toEqual([]);
    const cancelledRunning = must(await getTask(running));
    const cancelledQueued = must(await getTask(queued));
    expect(cancelledRunning).toMatchObject({ status: 'cancelled', chat_session_id: null });
    expect(cancelledQueued).toMatchObject({ status: 'cancelled', chat_session_id: null });
    expect(cancelledRunning.completed_at).toBe(cancelledQueued.completed_at);
    expect(must(await getTask(done))).toEqual({ ...completedBefore, chat_session_id: null });
    expect(must(await getAgent(w.agent_id)).status).toBe('idle');

    expect(await run(workflows.DeleteChatSession({ ...caller(), session_id: id }))).toEqual(error(404, 'chat session not found'));
  });

  it('loader errors come first, outside any transaction', async () => {
    const id = await newSession();
    const other = await run(createUser('other'));
    await run(createMember(w.workspace_id, other.id ?? null));
    const { outcome, steps } = await runTraced(
      workflows.DeleteChatSession({ workspace_id: w.workspace_id, user_id: other.id ?? null, session_id: id }),
    );
    expect(outcome).toEqual(error(403, 'not your chat session'));
    expect(steps).toEqual(['GetChatSessionInWorkspace']);
  });

  it('the row vanished since the loader (a concurrent delete) → roll back, 204', async () => {
    const id = await newSession();
    const log: TracedStep[] = [];
    let first: Outcome | undefined;
    const outcome = await run(
      runBefore(
        traced(workflows.DeleteChatSession({ ...caller(), session_id: id }), log),
        'begin',
        workflows.DeleteChatSession({ ...caller(), session_id: id }),
        (o) => (first = o),
      ),
    );
    expect(first).toEqual({ status: 204, body: null });
    expect(outcome).toEqual({ status: 204, body: null });
    expect(log.map((e) => stepLabel(e.step))).toEqual(['GetChatSessionInWorkspace', 'begin', 'LockChatSessionForDelete', 'rollback']);
  });

  it('each failure inside the transaction rolls back and leaves everything unchanged', async () => {
    const cases: [Fault, string][] = [
      [{ at: 'LockChatSessionForDelete' }, 'failed to lock chat session'],
      [{ at: 'CancelAgentTasksByChatSession' }, 'failed to cancel chat session tasks'],
      [{ at: 'DeleteChatSession' }, 'failed to delete chat session'],
      [{ at: 'commit' }, 'failed to commit chat session delete'],
    ];
    for (const [fault, message] of cases) {
      const id = await newSession();
      const taskId = fields(await send(id)).task_id ?? null;
      const { outcome, steps } = await runFaulty(workflows.DeleteChatSession({ ...caller(), session_id: id }), fault);
      expect(outcome).toEqual(error(500, message));
      expect(steps).not.toContain('RefreshAgentStatusFromTasks');
      if (fault.at !== 'commit') expect(steps[steps.length - 1]).toBe('rollback');
      expect(await getSession(id)).not.toBeNull();
      expect(await listMessages(id)).toHaveLength(1);
      expect(must(await getTask(taskId))).toMatchObject({ status: 'queued', chat_session_id: id });
    }
  });

  it('500 "failed to start transaction" when BEGIN fails', async () => {
    const id = await newSession();
    const { outcome } = await runFaulty(workflows.DeleteChatSession({ ...caller(), session_id: id }), { at: 'begin' });
    expect(outcome).toEqual(error(500, 'failed to start transaction'));
    expect(await getSession(id)).not.toBeNull();
  });
});

// §6 ---------------------------------------------------------------------------------------------

describe('CancelTaskByUser', () => {
  const cancel = (taskId: Value, world: World = w) => run(workflows.CancelTaskByUser({ ...caller(world), task_id: taskId }));

  it('cancels a queued task, refreshes the agent, writes nothing to chat rows', async () => {
    const id = await newSession();
    const taskId = fields(await send(id)).task_id ?? null;
    const sessionBefore = must(await getSession(id));
    const { outcome, steps } = await runTraced(workflows.CancelTaskByUser({ ...caller(), task_id: taskId }));
    expect(outcome.status).toBe(200);
    expect(fields(outcome)).toMatchObject({ id: taskId, status: 'cancelled', chat_session_id: id });
    expect(steps).toEqual(['GetAgentTask', 'GetChatSessionInWorkspace', 'CancelAgentTask', 'RefreshAgentStatusFromTasks']);
    expect(must(await getSession(id))).toEqual(sessionBefore);
    expect(await listMessages(id)).toHaveLength(1);
  });

  it('a finished task: 200 with the unchanged row, no refresh', async () => {
    const id = await newSession();
    await send(id);
    const taskId = await runPendingTask();
    await run(workflows.CompleteTask({ workspace_id: w.workspace_id, task_id: taskId, output: '' }));
    const before = must(await getTask(taskId));
    const { outcome, steps } = await runTraced(workflows.CancelTaskByUser({ ...caller(), task_id: taskId }));
    expect(outcome).toEqual({ status: 200, body: before });
    expect(steps).toEqual(['GetAgentTask', 'GetChatSessionInWorkspace', 'CancelAgentTask', 'GetAgentTask']);
  });

  it('400 / 404 / 403 branches', async () => {
    const id = await newSession();
    const taskId = fields(await send(id)).task_id ?? null;
    expect(await cancel(NOT_A_UUID)).toEqual(error(400, 'invalid task id'));
    expect(await cancel('agent_task_queue:99')).toEqual(error(404, 'task not found'));

    const other = await run(createWorld('other'));
    expect(await cancel(taskId, other)).toEqual(error(404, 'task not found'));

    const colleague = await run(createUser('colleague'));
    await run(createMember(w.workspace_id, colleague.id ?? null));
    expect(await cancel(taskId, { ...w, user_id: colleague.id ?? null })).toEqual(error(403, 'not your task'));
  });

  it('404 for a task with no link (its session was deleted)', async () => {
    const id = await newSession();
    await send(id);
    const taskId = await runPendingTask();
    await run(workflows.CompleteTask({ workspace_id: w.workspace_id, task_id: taskId, output: 'x' }));
    await run(workflows.DeleteChatSession({ ...caller(), session_id: id }));
    expect(await cancel(taskId)).toEqual(error(404, 'task not found'));
  });

  it('400 "cancel task: …" when the cancel fails', async () => {
    const id = await newSession();
    const taskId = fields(await send(id)).task_id ?? null;
    const { outcome } = await runFaulty(workflows.CancelTaskByUser({ ...caller(), task_id: taskId }), {
      at: 'CancelAgentTask',
      error: new SqlError('40P01', 'deadlock detected'),
    });
    expect(outcome).toEqual(error(400, 'cancel task: ERROR: deadlock detected (SQLSTATE 40P01)'));
    expect(must(await getTask(taskId)).status).toBe('queued');
  });
});

