/**
 * Claim (workflows.md §10) on the model: ClaimTaskForRuntime, ClaimTask, the per-session
 * serialisation, capacity, the resume decision table and the workspace isolation check.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../model/errors.js';
import { ModelDatabase } from '../../model/model-database.js';
import { exec, one, type Outcome } from '../../model/program.js';
import type { Row, Value } from '../../model/values.js';
import { createAgent, createRuntime, createWorld, moveAgent, type World } from '../../model/workflows/fixtures.js';
import { NOT_A_UUID, lastUserMessage, resumeDecision, workflows } from '../../model/workflows/index.js';
import type { Fault } from '../../model/workflows/instrument.js';
import { error, fields, must, workflowRunners } from '../support/model.js';

let db: ModelDatabase;
let w: World;
const { run, runTraced, runFaulty, getTask, getAgent } = workflowRunners(() => db);

function claimInput(runtimeId: Value = w.runtime_id, world: World = w) {
  return { workspace_id: world.workspace_id, runtime_id: runtimeId, runtime_workspace_id: world.workspace_id };
}

function claim(runtimeId: Value = w.runtime_id): Promise<Outcome> {
  return run(workflows.ClaimTask(claimInput(runtimeId)));
}

function claimed(outcome: Outcome): Record<string, Value> | null {
  expect(outcome.status).toBe(200);
  return (fields(outcome).task as Record<string, Value> | null) ?? null;
}

async function newSession(agentId: Value = w.agent_id, world: World = w): Promise<Value> {
  const outcome = await run(workflows.CreateChatSession({ workspace_id: world.workspace_id, user_id: world.user_id, agent_id: agentId }));
  expect(outcome.status).toBe(201);
  return fields(outcome).id ?? null;
}

async function send(sessionId: Value, content = 'hello', world: World = w): Promise<Value> {
  const outcome = await run(workflows.SendChatMessage({ workspace_id: world.workspace_id, user_id: world.user_id, session_id: sessionId, content }));
  expect(outcome.status).toBe(201);
  return fields(outcome).task_id ?? null;
}

const daemon = (taskId: Value) => ({ workspace_id: w.workspace_id, task_id: taskId });

async function finish(taskId: Value, how: { session_id?: string; work_dir?: string; output?: string } = {}): Promise<void> {
  expect((await run(workflows.StartTask(daemon(taskId)))).status).toBe(200);
  expect((await run(workflows.CompleteTask({ ...daemon(taskId), output: 'done', ...how }))).status).toBe(200);
}

beforeEach(async () => {
  db = new ModelDatabase();
  w = await run(createWorld('w'));
});

describe('claim: access and the empty queue', () => {
  it('400 / 404 / 404 before any statement', async () => {
    for (const [input, expected] of [
      [{ ...claimInput(), runtime_id: NOT_A_UUID }, error(400, 'invalid runtime_id')],
      [{ ...claimInput(), runtime_workspace_id: null }, error(404, 'runtime not found')],
      [{ ...claimInput(), workspace_id: 'workspace:77' }, error(404, 'not found')],
    ] as const) {
      const { outcome, steps } = await runTraced(workflows.ClaimTask(input));
      expect(outcome).toEqual(expected);
      expect(steps).toEqual([]);
    }
  });

  it('no candidates → 200 {task: null} after one statement', async () => {
    const { outcome, steps } = await runTraced(workflows.ClaimTask(claimInput()));
    expect(outcome).toEqual({ status: 200, body: { task: null } });
    expect(steps).toEqual(['ListQueuedClaimCandidatesByRuntime']);
  });
});

describe('claim: a chat task', () => {
  it('dispatches it and answers with workspace, session, and the last user message as the prompt', async () => {
    const sessionId = await newSession();
    const first = await send(sessionId, 'first question');
    expect(claimed(await claim())?.id).toBe(first);
    await finish(first, { output: 'answer' });
    const second = await send(sessionId, 'second question');

    const { outcome, steps } = await runTraced(workflows.ClaimTask(claimInput()));
    expect(steps).toEqual([
      'ListQueuedClaimCandidatesByRuntime',
      'GetAgent',
      'CountRunningTasks',
      'ClaimAgentTask',
      'RefreshAgentStatusFromTasks',
      'GetAgent',
      'GetChatSession',
      'GetLastChatTaskSession',
      'ListChatMessages',
    ]);
    const task = claimed(outcome);
    const row = must(await getTask(second));
    expect(task).toEqual({
      id: second,
      agent_id: w.agent_id,
      runtime_id: w.runtime_id,
      status: 'dispatched',
      priority: 2,
      attempt: 1,
      created_at: row.created_at,
      dispatched_at: row.dispatched_at,
      agent: { id: w.agent_id, name: 'w-agent' },
      workspace_id: w.workspace_id,
      chat_session_id: sessionId,
      chat_message: 'second question',
    });
    expect(must(await getAgent(w.agent_id)).status).toBe('working');
  });

  it('one task per session at a time; other sessions are not held up', async () => {
    const s1 = await newSession();
    const s2 = await newSession();
    const a = await send(s1, 'a');
    const b = await send(s1, 'b');
    const c = await send(s2, 'c');
    expect(claimed(await claim())?.id).toBe(a);
    expect(claimed(await claim())?.id).toBe(c);
    expect(await claim()).toEqual({ status: 200, body: { task: null } });
    expect(must(await getTask(b)).status).toBe('queued');
    await finish(a);
    const next = claimed(await claim());
    expect(next?.id).toBe(b);
    // The prompt is the last user message at claim time, not the message that created the task.
    expect(next?.chat_message).toBe('b');
  });

  it('respects max_concurrent_tasks (6 by default)', async () => {
    const tasks: Value[] = [];
    for (let i = 0; i < 7; i += 1) tasks.push(await send(await newSession(), `m${i}`));
    for (let i = 0; i < 6; i += 1) expect(claimed(await claim())?.id).toBe(tasks[i]);
    const { outcome, steps } = await runTraced(workflows.ClaimTask(claimInput()));
    expect(outcome).toEqual({ status: 200, body: { task: null } });
    expect(steps).toEqual(['ListQueuedClaimCandidatesByRuntime', 'GetAgent', 'CountRunningTasks']);
    expect(must(await getTask(tasks[6] ?? null)).status).toBe('queued');
  });

  it('claims of an archived session still go out (§12.4)', async () => {
    const sessionId = await newSession();
    const taskId = await send(sessionId);
    await run(exec('FixtureArchiveChatSession', { id: sessionId }));
    expect(claimed(await claim())?.id).toBe(taskId);
  });

  it('a task of the same agent stamped with another runtime is dispatched but not returned', async () => {
    const r2 = await run(createRuntime(w.workspace_id, 'second-rt'));
    const r2Id = r2.id ?? null;
    const old = await send(await newSession());
    await run(moveAgent(w.agent_id, r2Id));
    const fresh = await send(await newSession());
    expect(must(await getTask(fresh)).runtime_id).toBe(r2Id);

    expect(await claim(r2Id)).toEqual({ status: 200, body: { task: null } });
    expect(must(await getTask(old)).status).toBe('dispatched');
    expect(must(await getTask(fresh)).status).toBe('queued');
    expect(claimed(await claim(r2Id))?.id).toBe(fresh);
  });

  it('ClaimTask errors → 500 "failed to claim task: …"', async () => {
    await send(await newSession());
    const cases: [Fault, string][] = [
      [{ at: 'GetAgent', error: new SqlError('57P01', 'terminating connection') }, 'agent not found: ERROR: terminating connection (SQLSTATE 57P01)'],
      [{ at: 'CountRunningTasks' }, 'count running tasks: ERROR: injected failure at CountRunningTasks (SQLSTATE XX000)'],
      [{ at: 'ClaimAgentTask' }, 'claim task: ERROR: injected failure at ClaimAgentTask (SQLSTATE XX000)'],
    ];
    for (const [fault, message] of cases) {
      expect((await runFaulty(workflows.ClaimTask(claimInput()), fault)).outcome).toEqual(error(500, `failed to claim task: ${message}`));
    }
  });
});

describe('claim: workspace isolation', () => {
  it('a task whose agent sits on a runtime of another workspace is cancelled: 500', async () => {
    const other = await run(createWorld('other'));
    const stray = await run(createAgent(w.workspace_id, 'stray', other.runtime_id));
    const sessionId = await newSession(stray.id ?? null);
    const taskId = await send(sessionId);
    const { outcome, steps } = await runTraced(workflows.ClaimTask(claimInput(other.runtime_id, other)));
    expect(outcome).toEqual(error(500, 'task workspace isolation check failed'));
    expect(steps.slice(-2)).toEqual(['CancelAgentTask', 'RefreshAgentStatusFromTasks']);
    expect(must(await getTask(taskId)).status).toBe('cancelled');
    expect(must(await getAgent(stray.id ?? null)).status).toBe('idle');
  });

  it('a queued task with no link (the v1 orphan) is dispatched, then cancelled: 500', async () => {
    const sessionId = await newSession();
    const taskId = await send(sessionId);
    // What the first PR version could leave behind: the session deleted under a live task.
    await run(exec('DeleteChatSession', { id: sessionId }));
    expect(must(await getTask(taskId))).toMatchObject({ status: 'queued', chat_session_id: null });
    const { outcome, steps } = await runTraced(workflows.ClaimTask(claimInput()));
    expect(outcome).toEqual(error(500, 'task workspace isolation check failed'));
    expect(steps).not.toContain('GetChatSession');
    expect(must(await getTask(taskId)).status).toBe('cancelled');
  });
});

describe('resume decision (the table of §10)', () => {
  const R = 'agent_runtime:1';
  const R2 = 'agent_runtime:2';
  const cs = (session_id: string | null, runtime_id: string | null, work_dir: string | null = null): Row => ({
    id: 'chat_session:1',
    session_id,
    runtime_id,
    work_dir,
  });
  const F = (session_id: string, runtime_id: string, work_dir: string | null = null): Row => ({ session_id, runtime_id, work_dir });

  it.each([
    ['cs set, same runtime → cs.session_id', cs('cs', R), F('f', R), 'cs'],
    ['cs set, same runtime, no F → cs.session_id', cs('cs', R), null, 'cs'],
    ['cs set, other runtime, F same → F.session_id', cs('cs', R2), F('f', R), 'f'],
    ['cs set, runtime NULL, F same → F.session_id', cs('cs', null), F('f', R), 'f'],
    ['cs NULL, F same → F.session_id', cs(null, R), F('f', R), 'f'],
    ['cs NULL with runtime NULL, F same → F.session_id', cs(null, null), F('f', R), 'f'],
    ['cs set, other runtime, F other → ""', cs('cs', R2), F('f', R2), ''],
    ['cs set, runtime NULL, no F → ""', cs('cs', null), null, ''],
    ['cs NULL, F other → ""', cs(null, R), F('f', R2), ''],
    ['cs NULL, no F → ""', cs(null, null), null, ''],
  ])('%s', (_name, session, fallback, expected) => {
    expect(resumeDecision(session, fallback, R).prior_session_id).toBe(expected);
  });

  it('prior_work_dir has no runtime guard: cs.work_dir, else F.work_dir, else ""', () => {
    expect(resumeDecision(cs('cs', R2, '/cs'), F('f', R2, '/f'), R).prior_work_dir).toBe('/cs');
    expect(resumeDecision(cs(null, R2, null), F('f', R2, '/f'), R).prior_work_dir).toBe('/f');
    expect(resumeDecision(cs(null, null, null), F('f', R, null), R).prior_work_dir).toBe('');
    expect(resumeDecision(cs(null, null, null), null, R).prior_work_dir).toBe('');
  });

  it('lastUserMessage: the last user row, "" when none', () => {
    expect(lastUserMessage([])).toBe('');
    expect(
      lastUserMessage([
        { role: 'user', content: 'one' },
        { role: 'user', content: 'two' },
        { role: 'assistant', content: 'reply' },
      ]),
    ).toBe('two');
  });

  describe('end to end', () => {
    it('same runtime: the session pointer', async () => {
      const sessionId = await newSession();
      const first = await send(sessionId);
      expect(claimed(await claim())?.id).toBe(first);
      await finish(first, { session_id: 'agent-1', work_dir: '/work' });
      await send(sessionId, 'again');
      const task = claimed(await claim());
      expect(task).toMatchObject({ prior_session_id: 'agent-1', prior_work_dir: '/work' });
    });

    it('the agent moved to another runtime: no session resume, but the work dir is kept', async () => {
      const sessionId = await newSession();
      const first = await send(sessionId);
      expect(claimed(await claim())?.id).toBe(first);
      await finish(first, { session_id: 'agent-1', work_dir: '/work' });
      const r2 = (await run(createRuntime(w.workspace_id, 'r2'))).id ?? null;
      await run(moveAgent(w.agent_id, r2));
      await send(sessionId, 'again');
      const task = claimed(await claim(r2));
      expect(task?.runtime_id).toBe(r2);
      expect(task).not.toHaveProperty('prior_session_id');
      expect(task?.prior_work_dir).toBe('/work');
    });

    it('pointer never set (recovered orphan): the fallback F of the failed parent, on the retry child', async () => {
      const sessionId = await newSession();
      const first = await send(sessionId);
      expect(claimed(await claim())?.id).toBe(first);
      expect((await run(workflows.StartTask(daemon(first)))).status).toBe(200);
      await run(workflows.PinTaskSession({ ...daemon(first), session_id: 'pinned', work_dir: '/pinned' }));
      const recovered = await run(workflows.RecoverOrphans(claimInput()));
      expect(recovered).toEqual({ status: 200, body: { orphaned: 1, retried: 1 } });
      expect(must(await run(one('GetChatSession', { id: sessionId }))).session_id).toBeNull();
      const child = claimed(await claim());
      expect(child?.id).not.toBe(first);
      expect(child).toMatchObject({ prior_session_id: 'pinned', prior_work_dir: '/pinned', chat_message: 'hello' });
    });
  });
});
