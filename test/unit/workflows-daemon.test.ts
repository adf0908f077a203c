/**
 * The daemon-side workflows (workflows.md §7–§9) on the model: the access rule, start, pin, status,
 * complete, fail with its retry rule, recover-orphans and the sweepers.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../model/errors.js';
import { ModelDatabase } from '../../model/model-database.js';
import { many, type Step } from '../../model/program.js';
import { Elapsed, Instant, type Value } from '../../model/values.js';
import { createWorld, setRuntimeStatus, type World } from '../../model/workflows/fixtures.js';
import { NOT_A_UUID, workflows } from '../../model/workflows/index.js';
import { stepLabel } from '../../model/workflows/instrument.js';
import { error, fields, must, tick, workflowRunners } from '../support/model.js';

let db: ModelDatabase;
let w: World;
const { run, runTraced, runFaulty, getTask, getSession, getAgent, listMessages } = workflowRunners(() => db);

const caller = () => ({ workspace_id: w.workspace_id, user_id: w.user_id });
const daemon = (taskId: Value) => ({ workspace_id: w.workspace_id, task_id: taskId });

async function newSession(): Promise<Value> {
  const outcome = await run(workflows.CreateChatSession({ ...caller(), agent_id: w.agent_id }));
  return fields(outcome).id ?? null;
}

async function send(sessionId: Value, content = 'hello'): Promise<Value> {
  const outcome = await run(workflows.SendChatMessage({ ...caller(), session_id: sessionId, content }));
  expect(outcome.status).toBe(201);
  return fields(outcome).task_id ?? null;
}

async function claimNext(): Promise<Value> {
  const outcome = await run(
    workflows.ClaimTask({ workspace_id: w.workspace_id, runtime_id: w.runtime_id, runtime_workspace_id: w.workspace_id }),
  );
  expect(outcome.status).toBe(200);
  return (fields(outcome).task as Record<string, Value> | null)?.id ?? null;
}

async function start(taskId: Value): Promise<void> {
  expect((await run(workflows.StartTask(daemon(taskId)))).status).toBe(200);
}

/** A session with one task driven to `running` (or just `dispatched`). */
async function sessionWithTask(state: 'queued' | 'dispatched' | 'running' = 'running'): Promise<{ sessionId: Value; taskId: Value }> {
  const sessionId = await newSession();
  const taskId = await send(sessionId);
  if (state !== 'queued') {
    expect(await claimNext()).toBe(taskId);
    if (state === 'running') await start(taskId);
  }
  return { sessionId, taskId };
}

beforeEach(async () => {
  db = new ModelDatabase();
  w = await run(createWorld('w'));
});

// §7 ---------------------------------------------------------------------------------------------

describe('daemon access rule', () => {
  const routes = [
    (id: Value) => workflows.StartTask(daemon(id)),
    (id: Value) => workflows.GetTaskStatus(daemon(id)),
    (id: Value) => workflows.PinTaskSession({ ...daemon(id), session_id: 's' }),
    (id: Value) => workflows.CompleteTask({ ...daemon(id), output: 'x' }),
    (id: Value) => workflows.FailTask({ ...daemon(id), error: 'x' }),
  ];

  it('400 for a non-UUID id, 404 for a missing task, on every endpoint', async () => {
    for (const route of routes) {
      const { outcome, steps } = await runTraced(route(NOT_A_UUID));
      expect(outcome).toEqual(error(400, 'invalid task_id'));
      expect(steps).toEqual([]);
      expect(await run(route('agent_task_queue:404'))).toEqual(error(404, 'task not found'));
    }
  });

  it('404 "not found" for a daemon of another workspace', async () => {
    const { taskId } = await sessionWithTask('running');
    const other = await run(createWorld('other'));
    for (const route of [
      workflows.StartTask({ workspace_id: other.workspace_id, task_id: taskId }),
      workflows.CompleteTask({ workspace_id: other.workspace_id, task_id: taskId, output: 'x' }),
    ]) {
      expect(await run(route)).toEqual(error(404, 'not found'));
    }
    expect(must(await getTask(taskId)).status).toBe('running');
  });

  it('a chat task whose session was deleted gets 404 "task not found" everywhere, with no change', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    await run(workflows.DeleteChatSession({ ...caller(), session_id: sessionId }));
    const before = must(await getTask(taskId));
    for (const route of routes) {
      const { outcome, steps } = await runTraced(route(taskId));
      expect(outcome).toEqual(error(404, 'task not found'));
      expect(steps).toEqual(['GetAgentTask']);
    }
    expect(must(await getTask(taskId))).toEqual(before);
  });
});

describe('start / status / pin', () => {
  it('start: dispatched → running; any other state → 400', async () => {
    const { taskId } = await sessionWithTask('dispatched');
    const outcome = await run(workflows.StartTask(daemon(taskId)));
    expect(outcome.status).toBe(200);
    expect(fields(outcome)).toMatchObject({ id: taskId, status: 'running' });
    expect(await run(workflows.StartTask(daemon(taskId)))).toEqual(error(400, 'start task: no rows in result set'));
    const queued = (await sessionWithTask('queued')).taskId;
    expect(await run(workflows.StartTask(daemon(queued)))).toEqual(error(400, 'start task: no rows in result set'));
  });

  it('status: 200 {status}', async () => {
    const { taskId } = await sessionWithTask('dispatched');
    expect(await run(workflows.GetTaskStatus(daemon(taskId)))).toEqual({ status: 200, body: { status: 'dispatched' } });
  });

  it('pin: writes the task row only; 400 when both values are empty; 500 on error; 204 even when the guard matched nothing', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    const sessionBefore = must(await getSession(sessionId));
    expect(await run(workflows.PinTaskSession({ ...daemon(taskId), session_id: '', work_dir: '' }))).toEqual(
      error(400, 'session_id or work_dir required'),
    );
    expect(await run(workflows.PinTaskSession({ ...daemon(taskId), session_id: 'agent-sess' }))).toEqual({ status: 204, body: null });
    expect(await run(workflows.PinTaskSession({ ...daemon(taskId), work_dir: '/tmp/w' }))).toEqual({ status: 204, body: null });
    const pinned = must(await getTask(taskId));
    expect(pinned).toMatchObject({ session_id: 'agent-sess', work_dir: '/tmp/w' });
    expect(pinned.last_heartbeat_at).not.toBeNull();
    expect(must(await getSession(sessionId))).toEqual(sessionBefore);

    const { outcome } = await runFaulty(workflows.PinTaskSession({ ...daemon(taskId), session_id: 'x' }), { at: 'UpdateAgentTaskSession' });
    expect(outcome).toEqual(error(500, 'pin session failed'));

    const queued = (await sessionWithTask('queued')).taskId;
    expect(await run(workflows.PinTaskSession({ ...daemon(queued), session_id: 'late' }))).toEqual({ status: 204, body: null });
    expect(must(await getTask(queued)).session_id).toBeNull();
  });
});

// §8 ---------------------------------------------------------------------------------------------

describe('CompleteTask', () => {
  it('completes, moves the resume pointer in the same transaction, then writes the reply and stamps unread', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    const { outcome, steps, log } = await runTraced(
      workflows.CompleteTask({ ...daemon(taskId), output: 'line1\\nline2 TOKEN=abc', session_id: 'sess-1', work_dir: '/w' }),
    );
    expect(steps).toEqual([
      'GetAgentTask',
      'GetChatSession',
      'begin',
      'CompleteAgentTask',
      'UpdateChatSessionSession',
      'commit',
      'elapsedMs',
      'CreateChatMessage',
      'SetUnreadSinceIfNull',
      'RefreshAgentStatusFromTasks',
    ]);
    const update = log.find((e) => stepLabel(e.step) === 'UpdateChatSessionSession')?.step as Extract<Step, { op: 'query' }>;
    expect(update.args).toEqual({ session_id: 'sess-1', work_dir: '/w', runtime_id: w.runtime_id, id: sessionId });

    const task = must(await getTask(taskId));
    expect(outcome).toEqual({ status: 200, body: task });
    expect(task).toMatchObject({
      status: 'completed',
      session_id: 'sess-1',
      work_dir: '/w',
      result: { pr_url: '', output: 'line1\\nline2 TOKEN=abc', session_id: 'sess-1', work_dir: '/w' },
    });
    const session = must(await getSession(sessionId));
    expect(session).toMatchObject({ session_id: 'sess-1', work_dir: '/w', runtime_id: w.runtime_id });
    expect(session.updated_at).toBe(task.completed_at);

    const reply = (await listMessages(sessionId)).find((m) => m.role === 'assistant');
    expect(reply).toMatchObject({ content: 'line1\nline2 TOKEN=[REDACTED]', task_id: taskId, failure_reason: null });
    expect(reply?.elapsed_ms).toEqual(new Elapsed(task.created_at as Instant, task.completed_at as Instant));
    expect(tick(session.unread_since)).toBeGreaterThan(tick(reply?.created_at));
    expect(must(await getAgent(w.agent_id)).status).toBe('idle');
  });

  it('empty output: no message and no unread stamp, but the pointer and updated_at still move', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    const before = must(await getSession(sessionId));
    const { outcome, steps } = await runTraced(workflows.CompleteTask({ ...daemon(taskId), session_id: 'sess-2' }));
    expect(outcome.status).toBe(200);
    expect(steps).not.toContain('CreateChatMessage');
    expect(steps).not.toContain('SetUnreadSinceIfNull');
    const after = must(await getSession(sessionId));
    expect(after.unread_since).toBeNull();
    expect(after.session_id).toBe('sess-2');
    expect(tick(after.updated_at)).toBeGreaterThan(tick(before.updated_at));
    expect((await listMessages(sessionId)).map((m) => m.role)).toEqual(['user']);
  });

  it('no session_id: runtime_id is not recorded and the task row loses its pinned values (overwrite)', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    await run(workflows.PinTaskSession({ ...daemon(taskId), session_id: 'pinned', work_dir: '/p' }));
    const { log } = await runTraced(workflows.CompleteTask({ ...daemon(taskId), output: 'ok' }));
    const update = log.find((e) => stepLabel(e.step) === 'UpdateChatSessionSession')?.step as Extract<Step, { op: 'query' }>;
    expect(update.args).toEqual({ session_id: null, work_dir: null, runtime_id: null, id: sessionId });
    expect(must(await getTask(taskId))).toMatchObject({ session_id: null, work_dir: null });
    expect(must(await getSession(sessionId))).toMatchObject({ session_id: null, work_dir: null });
  });

  it('a task that is not running: 200 with the unchanged row and nothing else', async () => {
    for (const state of ['queued', 'dispatched'] as const) {
      db = new ModelDatabase();
      w = await run(createWorld('w'));
      const { sessionId, taskId } = await sessionWithTask(state);
      const before = must(await getTask(taskId));
      const sessionBefore = must(await getSession(sessionId));
      const { outcome, steps } = await runTraced(workflows.CompleteTask({ ...daemon(taskId), output: 'late', session_id: 's' }));
      expect(outcome).toEqual({ status: 200, body: before });
      expect(steps).toEqual(['GetAgentTask', 'GetChatSession', 'begin', 'CompleteAgentTask', 'rollback', 'GetAgentTask']);
      expect(must(await getSession(sessionId))).toEqual(sessionBefore);
      expect(await listMessages(sessionId)).toHaveLength(1);
    }
    // Completing twice is the same silent 200.
    db = new ModelDatabase();
    w = await run(createWorld('w'));
    const { taskId } = await sessionWithTask('running');
    await run(workflows.CompleteTask({ ...daemon(taskId), output: 'first' }));
    const done = must(await getTask(taskId));
    expect(await run(workflows.CompleteTask({ ...daemon(taskId), output: 'second' }))).toEqual({ status: 200, body: done });
  });

  it('400 for a body that is not JSON (after the access rule)', async () => {
    const { taskId } = await sessionWithTask('running');
    const { outcome, steps } = await runTraced(workflows.CompleteTask({ ...daemon(taskId), invalid_body: true }));
    expect(outcome).toEqual(error(400, 'invalid request body'));
    expect(steps).toEqual(['GetAgentTask', 'GetChatSession']);
  });

  it('a failing pointer update rolls everything back: 400 "complete task: update chat session resume pointer: …"', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    const { outcome, steps } = await runFaulty(workflows.CompleteTask({ ...daemon(taskId), output: 'x', session_id: 's' }), {
      at: 'UpdateChatSessionSession',
      error: new SqlError('40001', 'could not serialize access due to concurrent update'),
    });
    expect(outcome).toEqual(
      error(400, 'complete task: update chat session resume pointer: ERROR: could not serialize access due to concurrent update (SQLSTATE 40001)'),
    );
    expect(steps.slice(-3)).toEqual(['UpdateChatSessionSession', 'rollback', 'GetAgentTask']);
    expect(must(await getTask(taskId)).status).toBe('running');
    expect(must(await getSession(sessionId)).session_id).toBeNull();
  });

  it('a failing CompleteAgentTask: 400 "complete task: …"', async () => {
    const { taskId } = await sessionWithTask('running');
    const { outcome } = await runFaulty(workflows.CompleteTask({ ...daemon(taskId), output: 'x' }), {
      at: 'CompleteAgentTask',
      error: new SqlError('22P02', 'invalid input syntax for type json'),
    });
    expect(outcome).toEqual(error(400, 'complete task: ERROR: invalid input syntax for type json (SQLSTATE 22P02)'));
  });

  it('a failed reply insert is only logged: no unread stamp, still 200', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    const { outcome, steps } = await runFaulty(workflows.CompleteTask({ ...daemon(taskId), output: 'x' }), { at: 'CreateChatMessage' });
    expect(outcome.status).toBe(200);
    expect(steps).not.toContain('SetUnreadSinceIfNull');
    expect(steps[steps.length - 1]).toBe('RefreshAgentStatusFromTasks');
    expect(must(await getSession(sessionId)).unread_since).toBeNull();
  });

  it('the first unread stamp wins until a mark-read', async () => {
    const sessionId = await newSession();
    const first = await send(sessionId, 'one');
    expect(await claimNext()).toBe(first);
    await start(first);
    await run(workflows.CompleteTask({ ...daemon(first), output: 'a' }));
    const stamp = must(await getSession(sessionId)).unread_since;
    const second = await send(sessionId, 'two');
    expect(await claimNext()).toBe(second);
    await start(second);
    await run(workflows.CompleteTask({ ...daemon(second), output: 'b' }));
    expect(must(await getSession(sessionId)).unread_since).toBe(stamp);
  });
});

// §9 ---------------------------------------------------------------------------------------------

describe('FailTask', () => {
  it('no retry: message with the daemon reason (NULL when none sent), elapsed, unread stamp; row says agent_error', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    const { outcome, steps } = await runTraced(workflows.FailTask({ ...daemon(taskId), error: 'boom Bearer xyz', session_id: 'sess-f' }));
    expect(steps).toEqual([
      'GetAgentTask',
      'GetChatSession',
      'begin',
      'FailAgentTask',
      'UpdateChatSessionSession',
      'commit',
      'elapsedMs',
      'CreateChatMessage',
      'SetUnreadSinceIfNull',
      'RefreshAgentStatusFromTasks',
    ]);
    const task = must(await getTask(taskId));
    expect(outcome).toEqual({ status: 200, body: task });
    expect(task).toMatchObject({ status: 'failed', failure_reason: 'agent_error', error: 'boom Bearer xyz', session_id: 'sess-f' });
    const reply = (await listMessages(sessionId)).find((m) => m.role === 'assistant');
    expect(reply).toMatchObject({ content: 'boom Bearer [REDACTED]', failure_reason: null, task_id: taskId });
    expect(reply?.elapsed_ms).toEqual(new Elapsed(task.created_at as Instant, task.completed_at as Instant));
    const session = must(await getSession(sessionId));
    expect(session.unread_since).not.toBeNull();
    expect(session).toMatchObject({ session_id: 'sess-f', runtime_id: w.runtime_id });
  });

  it('a retryable reason creates a child and writes no message and no unread stamp (the pointer still moves)', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    const { outcome, steps } = await runTraced(
      workflows.FailTask({ ...daemon(taskId), error: 'took too long', failure_reason: 'timeout', work_dir: '/wd' }),
    );
    expect(outcome.status).toBe(200);
    expect(steps).toContain('CreateRetryTask');
    expect(steps).not.toContain('CreateChatMessage');
    const children = await run(many('ListQueuedClaimCandidatesByRuntime', { runtime_id: w.runtime_id }));
    expect(children).toHaveLength(1);
    expect(children[0]).toMatchObject({ parent_task_id: taskId, attempt: 2, chat_session_id: sessionId, status: 'queued', work_dir: '/wd' });
    expect(await listMessages(sessionId)).toHaveLength(1);
    const session = must(await getSession(sessionId));
    expect(session.unread_since).toBeNull();
    expect(session.work_dir).toBe('/wd');

    // The child fails the same way: attempts exhausted → no child, and the message says 'timeout'.
    const childId = children[0]?.id ?? null;
    expect(await claimNext()).toBe(childId);
    await start(childId);
    await run(workflows.FailTask({ ...daemon(childId), error: 'again', failure_reason: 'timeout' }));
    expect(await run(many('ListQueuedClaimCandidatesByRuntime', { runtime_id: w.runtime_id }))).toEqual([]);
    const reply = (await listMessages(sessionId)).find((m) => m.role === 'assistant');
    expect(reply).toMatchObject({ content: 'again', failure_reason: 'timeout', task_id: childId });
  });

  it('non-retryable reasons write the message; an empty error text is written too', async () => {
    const { sessionId, taskId } = await sessionWithTask('dispatched');
    await run(workflows.FailTask({ ...daemon(taskId), failure_reason: 'agent_error' }));
    expect(must(await getTask(taskId)).status).toBe('failed');
    const reply = (await listMessages(sessionId)).find((m) => m.role === 'assistant');
    expect(reply).toMatchObject({ content: '', failure_reason: 'agent_error' });
  });

  it('a failing CreateRetryTask counts as no child: the message is written', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    const { outcome } = await runFaulty(workflows.FailTask({ ...daemon(taskId), error: 'x', failure_reason: 'runtime_offline' }), {
      at: 'CreateRetryTask',
    });
    expect(outcome.status).toBe(200);
    expect((await listMessages(sessionId)).map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('a task that is not dispatched/running: 200 with the unchanged row, nothing else', async () => {
    const { sessionId, taskId } = await sessionWithTask('queued');
    const before = must(await getTask(taskId));
    const { outcome, steps } = await runTraced(workflows.FailTask({ ...daemon(taskId), error: 'x', failure_reason: 'timeout' }));
    expect(outcome).toEqual({ status: 200, body: before });
    expect(steps).toEqual(['GetAgentTask', 'GetChatSession', 'begin', 'FailAgentTask', 'rollback', 'GetAgentTask']);
    expect(await listMessages(sessionId)).toHaveLength(1);
  });

  it('400 for a body that is not JSON; 400 "fail task: …" on a database error', async () => {
    const { taskId } = await sessionWithTask('running');
    expect(await run(workflows.FailTask({ ...daemon(taskId), invalid_body: true }))).toEqual(error(400, 'invalid request body'));
    const { outcome } = await runFaulty(workflows.FailTask({ ...daemon(taskId), error: 'x' }), {
      at: 'FailAgentTask',
      error: new SqlError('40P01', 'deadlock detected'),
    });
    expect(outcome).toEqual(error(400, 'fail task: ERROR: deadlock detected (SQLSTATE 40P01)'));
    expect(must(await getTask(taskId)).status).toBe('running');
  });
});

describe('recover-orphans and sweepers: retry, no message, no unread, no pointer update', () => {
  const runtimeInput = () => ({ workspace_id: w.workspace_id, runtime_id: w.runtime_id, runtime_workspace_id: w.workspace_id });

  it('recover-orphans: runtime access branches', async () => {
    expect(await run(workflows.RecoverOrphans({ ...runtimeInput(), runtime_id: NOT_A_UUID }))).toEqual(error(400, 'invalid runtime_id'));
    expect(await run(workflows.RecoverOrphans({ ...runtimeInput(), runtime_workspace_id: null }))).toEqual(error(404, 'runtime not found'));
    const other = await run(createWorld('other'));
    expect(await run(workflows.RecoverOrphans({ ...runtimeInput(), runtime_workspace_id: other.workspace_id }))).toEqual(
      error(404, 'not found'),
    );
  });

  it('recover-orphans fails the runtime in-flight tasks and retries them', async () => {
    const { sessionId, taskId } = await sessionWithTask('running');
    await run(workflows.PinTaskSession({ ...daemon(taskId), session_id: 'mid-run' }));
    const sessionBefore = must(await getSession(sessionId));
    const { outcome, steps } = await runTraced(workflows.RecoverOrphans(runtimeInput()));
    expect(outcome).toEqual({ status: 200, body: { orphaned: 1, retried: 1 } });
    expect(steps).toEqual(['RecoverOrphanedTasksForRuntime', 'CreateRetryTask', 'RefreshAgentStatusFromTasks']);
    expect(must(await getTask(taskId))).toMatchObject({ status: 'failed', failure_reason: 'runtime_recovery' });
    expect(must(await getSession(sessionId))).toEqual(sessionBefore);
    expect(await listMessages(sessionId)).toHaveLength(1);
    const [child] = await run(many('ListQueuedClaimCandidatesByRuntime', { runtime_id: w.runtime_id }));
    expect(child).toMatchObject({ parent_task_id: taskId, session_id: 'mid-run', attempt: 2 });
    expect(must(await getAgent(w.agent_id)).status).toBe('idle');
  });

  it('recover-orphans with nothing in flight: {orphaned: 0, retried: 0}', async () => {
    await sessionWithTask('queued');
    expect(await run(workflows.RecoverOrphans(runtimeInput()))).toEqual({ status: 200, body: { orphaned: 0, retried: 0 } });
  });

  it('the offline sweeper fails tasks of offline runtimes and retries them once per distinct agent refresh', async () => {
    const a = await sessionWithTask('running');
    const b = await sessionWithTask('dispatched');
    await run(setRuntimeStatus(w.runtime_id, 'offline'));
    const { outcome, steps } = await runTraced(workflows.SweepOfflineRuntimes({}));
    expect(outcome).toEqual({ status: 200, body: { failed: 2, retried: 2 } });
    expect(steps.filter((s) => s === 'RefreshAgentStatusFromTasks')).toHaveLength(1);
    for (const { sessionId, taskId } of [a, b]) {
      expect(must(await getTask(taskId))).toMatchObject({ status: 'failed', failure_reason: 'runtime_offline' });
      expect(await listMessages(sessionId)).toHaveLength(1);
      expect(must(await getSession(sessionId)).unread_since).toBeNull();
    }
  });

  it('the stale sweeper passes its timeouts (300 s, 9000 s) and leaves fresh tasks alone', async () => {
    const { taskId } = await sessionWithTask('running');
    const { outcome, log } = await runTraced(workflows.SweepStaleTasks({}));
    expect(outcome).toEqual({ status: 200, body: { failed: 0, retried: 0 } });
    expect(log[0]?.step).toEqual({ op: 'query', name: 'FailStaleTasks', args: { dispatch_timeout_secs: 300, running_timeout_secs: 9000 } });
    expect(must(await getTask(taskId)).status).toBe('running');
  });

  it('a sweeper query error: 500 with the error', async () => {
    const { outcome } = await runFaulty(workflows.SweepOfflineRuntimes({}), { at: 'FailTasksForOfflineRuntimes' });
    expect(outcome).toEqual(error(500, 'ERROR: injected failure at FailTasksForOfflineRuntimes (SQLSTATE XX000)'));
  });
});
