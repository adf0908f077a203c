import { describe, expect, it } from 'vitest';
import { Instant, type Value } from '../../model/values.js';
import {
  archiveAgent,
  archiveSession,
  claim,
  complete,
  createSession,
  deleteRuntime,
  deleteSession,
  failTask,
  listSessions,
  markRead,
  moveAgent,
  pin,
  send,
  start,
  withScenario,
} from '../support/scenario.js';

/**
 * One fixed example per rule of the spec (workflows.md, queries.md). Every command runs on the
 * model and on PostgreSQL in lockstep: each statement's result, the answer and, after the command,
 * every table must agree, or the command throws. The assertions then say what happened.
 *
 * Bootstrap world: workspace 0 (acme) with runtimes 0 (laptop) and 1 (cloud), agents 0 (on laptop)
 * and 1 (on cloud); user 0 (ada) calls every user route. Rows are named by creation order:
 * send(0, …) is a message to the first session created here, start(1) starts the second task.
 */

const tick = (value: Value | undefined): number => (value as Instant).tick;

describe('spec rules, model and PostgreSQL in lockstep', () => {
  it('1. cascade: deleting a session removes its messages, cancels and detaches its in-flight tasks, keeps history', async () => {
    await withScenario(async (s) => {
      await s.runAll(createSession(0), send(0, 'first'), claim(0), start(0), complete(0, { output: 'done' }));
      await s.runAll(send(0, 'second'), claim(0), send(0, 'third')); // task 1 dispatched, task 2 queued
      const completedAt = s.get('agent_task_queue', 0)!.completed_at;
      expect(s.rows('chat_message')).toHaveLength(4);

      expect(await s.run(deleteSession(0))).toEqual({ status: 204, body: null });

      expect(s.rows('chat_session')).toEqual([]);
      expect(s.rows('chat_message')).toEqual([]);
      const tasks = s.rows('agent_task_queue');
      expect(tasks.map((t) => [t.status, t.chat_session_id])).toEqual([['completed', null], ['cancelled', null], ['cancelled', null]]);
      expect(tasks[0]!.completed_at).toBe(completedAt); // history keeps its times
      expect(tasks[1]!.completed_at).toBe(tasks[2]!.completed_at); // both cancelled by the delete's transaction
      expect(s.get('agent', 0)!.status).toBe('idle'); // refreshed after the commit
      expect(await s.real(`SELECT status, chat_session_id IS NULL AS detached FROM agent_task_queue ORDER BY created_at`)).toEqual([
        { status: 'completed', detached: true },
        { status: 'cancelled', detached: true },
        { status: 'cancelled', detached: true },
      ]);
      expect(await s.real(`SELECT count(*)::int AS n FROM chat_message`)).toEqual([{ n: 0 }]);
    });
  });

  it('2. set-null: deleting an unused runtime nulls chat_session.runtime_id; a runtime an agent uses cannot go (23503)', async () => {
    await withScenario(async (s) => {
      await s.runAll(createSession(0), send(0, 'hello')); // session and task on laptop, agent 0's runtime
      expect(s.get('chat_session', 0)!.runtime_id).toBe(s.id('agent_runtime', 0));

      const before = s.snapshot();
      expect(await s.run(deleteRuntime(0))).toMatchObject({ code: '23503', constraint: 'agent_runtime_id_fkey' });
      expect(s.snapshot()).toEqual(before);

      await s.run(moveAgent(0, 1));
      expect(await s.run(deleteRuntime(0))).toEqual({ kind: 'exec', affected: 1 }); // the model's row count: one runtime, cascades not counted
      expect(s.get('agent_runtime', 0)).toBeUndefined();
      expect(s.get('chat_session', 0)).toMatchObject({ runtime_id: null, status: 'active' });
      expect(s.rows('chat_message')).toHaveLength(1); // the session and its messages stay
      expect(s.rows('agent_task_queue')).toEqual([]); // the runtime's tasks went with it (cascade)
      expect(await s.real(`SELECT runtime_id IS NULL AS cleared FROM chat_session`)).toEqual([{ cleared: true }]);
    });
  });

  it('3. unread: the first completion with output stamps unread_since, later ones keep it, mark-read clears it; updated_at untouched by both', async () => {
    await withScenario(async (s) => {
      const session = () => s.get('chat_session', 0)!;
      const real = async () => (await s.real(`SELECT unread_since::text AS unread, updated_at::text AS updated FROM chat_session`))[0];
      await s.runAll(createSession(0), send(0, 'a'), claim(0), start(0), complete(0, { output: 'one' }));
      const stamp = session().unread_since;
      expect(stamp).not.toBeNull();
      expect(session().updated_at).toBe(s.get('agent_task_queue', 0)!.completed_at); // the pointer update, in the completion's transaction
      expect(tick(stamp)).toBeGreaterThan(tick(session().updated_at)); // the stamp came later and left updated_at alone
      const first = await real();

      await s.runAll(send(0, 'b'), claim(0), start(1), complete(1, { output: 'two' }));
      expect(session().unread_since).toBe(stamp);
      expect((await real())!.unread).toBe(first!.unread);
      const updated = session().updated_at;
      expect(updated).toBe(s.get('agent_task_queue', 1)!.completed_at);
      const beforeRead = await real();

      expect(await s.run(markRead(0))).toEqual({ status: 204, body: null });
      expect(session()).toMatchObject({ unread_since: null, updated_at: updated });
      expect(await real()).toEqual({ unread: null, updated: beforeRead!.updated });
    });
  });

  it('4. resume: prior_session_id from the session pointer, "" after a runtime change (work dir kept), else the last task', async () => {
    await withScenario(async (s) => {
      await s.runAll(createSession(0), send(0, 'a'), claim(0), start(0), complete(0, { output: 'ok', session_id: 'sess-a', work_dir: '/w/a' }));
      await s.run(send(0, 'b'));
      expect(await s.run(claim(0))).toMatchObject({ status: 200, body: { task: { prior_session_id: 'sess-a', prior_work_dir: '/w/a', chat_message: 'b' } } });
      await s.runAll(start(1), complete(1, { output: 'ok' }));

      // The agent moves to cloud: its next task runs there, where sess-a (laptop) cannot be resumed.
      await s.runAll(moveAgent(0, 1), send(0, 'c'));
      const moved = await s.run(claim(1));
      expect(moved).toMatchObject({ status: 200, body: { task: { runtime_id: s.id('agent_runtime', 1), prior_work_dir: '/w/a' } } });
      expect(moved).not.toHaveProperty('body.task.prior_session_id'); // "" is left out of the response

      // Pointer NULL: the daemon only pinned a session mid-run, then failed without one (COALESCE on the task row only).
      await s.runAll(createSession(1), send(1, 'x'), claim(1), start(3), pin(3, { session_id: 'sess-p', work_dir: '/w/p' }), failTask(3, { error: 'boom' }));
      expect(s.get('chat_session', 1)).toMatchObject({ session_id: null, work_dir: null, runtime_id: s.id('agent_runtime', 1) });
      expect(s.get('agent_task_queue', 3)).toMatchObject({ status: 'failed', session_id: 'sess-p', work_dir: '/w/p' });
      await s.run(send(1, 'y'));
      expect(await s.run(claim(1))).toMatchObject({ status: 200, body: { task: { id: s.id('agent_task_queue', 4), prior_session_id: 'sess-p', prior_work_dir: '/w/p' } } });
    });
  });

  it('5. archived session: send is refused and writes nothing; active listing hides it, status=all shows it', async () => {
    await withScenario(async (s) => {
      await s.runAll(createSession(0), archiveSession(0));
      const before = s.snapshot();

      expect(await s.run(send(0, 'hello'))).toEqual({ status: 400, body: { error: 'chat session is archived' } });
      expect(s.snapshot()).toEqual(before);
      expect(await s.real(`SELECT (SELECT count(*)::int FROM chat_message) AS messages, (SELECT count(*)::int FROM agent_task_queue) AS tasks`)).toEqual([{ messages: 0, tasks: 0 }]);

      expect(await s.run(listSessions('active'))).toEqual({ status: 200, body: [] });
      expect(await s.run(listSessions())).toEqual({ status: 200, body: [] });
      expect(await s.run(listSessions('all'))).toMatchObject({ status: 200, body: [{ id: s.id('chat_session', 0), status: 'archived', has_unread: false }] });
    });
  });

  it('6. archived agent: send answers 500 "agent is archived", keeps the user message, queues no task', async () => {
    await withScenario(async (s) => {
      await s.runAll(createSession(0), archiveAgent(0));
      const updatedAt = s.get('chat_session', 0)!.updated_at;

      expect(await s.run(send(0, 'still there?'))).toEqual({ status: 500, body: { error: 'failed to enqueue chat task: agent is archived' } });

      expect(s.rows('chat_message')).toMatchObject([{ chat_session_id: s.id('chat_session', 0), role: 'user', content: 'still there?', task_id: null }]);
      expect(s.rows('agent_task_queue')).toEqual([]);
      expect(s.get('chat_session', 0)!.updated_at).toBe(updatedAt); // no touch
      expect(await s.real(`SELECT role, content FROM chat_message`)).toEqual([{ role: 'user', content: 'still there?' }]);
      expect(await s.real(`SELECT count(*)::int AS n FROM agent_task_queue`)).toEqual([{ n: 0 }]);
    });
  });

  it('7. retry: a first timeout makes one retry child and no message; the child failing again is final and writes the message', async () => {
    await withScenario(async (s) => {
      await s.runAll(createSession(0), send(0, 'a'), claim(0), start(0));

      expect(await s.run(failTask(0, { error: 'slow', failure_reason: 'timeout' }))).toMatchObject({ status: 200, body: { status: 'failed', attempt: 1 } });
      expect(s.rows('agent_task_queue')).toMatchObject([
        { status: 'failed', failure_reason: 'timeout', attempt: 1, max_attempts: 2, parent_task_id: null },
        { status: 'queued', attempt: 2, parent_task_id: s.id('agent_task_queue', 0), chat_session_id: s.id('chat_session', 0) },
      ]);
      expect(s.rows('chat_message').map((m) => m.role)).toEqual(['user']);
      expect(s.get('chat_session', 0)!.unread_since).toBeNull();

      expect(await s.run(claim(0))).toMatchObject({ status: 200, body: { task: { id: s.id('agent_task_queue', 1), attempt: 2 } } });
      await s.runAll(start(1), failTask(1, { error: 'slow again', failure_reason: 'timeout' }));
      expect(s.rows('agent_task_queue')).toHaveLength(2); // attempt 2 of max_attempts 2: no further child
      expect(s.rows('chat_message')[1]).toMatchObject({ role: 'assistant', content: 'slow again', task_id: s.id('agent_task_queue', 1), failure_reason: 'timeout' });
      expect(s.get('chat_session', 0)!.unread_since).not.toBeNull();
      expect(await s.real(`SELECT attempt, parent_task_id IS NOT NULL AS retry FROM agent_task_queue ORDER BY attempt`)).toEqual([
        { attempt: 1, retry: false },
        { attempt: 2, retry: true },
      ]);
    });
  });

  it('8. claim serialisation: a queued task waits while an earlier task of its session is dispatched or running', async () => {
    await withScenario(async (s) => {
      const claimed = (pick: number) => ({ status: 200, body: { task: { id: s.id('agent_task_queue', pick), status: 'dispatched' } } });
      const nothing = { status: 200, body: { task: null } };
      await s.runAll(createSession(0), send(0, 'a'), send(0, 'b')); // tasks 0 and 1, one session

      expect(await s.run(claim(0))).toMatchObject(claimed(0));
      expect(await s.run(claim(0))).toEqual(nothing); // task 0 dispatched
      await s.run(start(0));
      expect(await s.run(claim(0))).toEqual(nothing); // task 0 running

      await s.runAll(createSession(0), send(1, 'elsewhere')); // same agent, another session: not blocked
      expect(await s.run(claim(0))).toMatchObject(claimed(2));

      await s.run(complete(0, { output: 'done' }));
      expect(await s.run(claim(0))).toMatchObject(claimed(1));
      expect(s.get('agent_task_queue', 1)!.status).toBe('dispatched');
    });
  });
});
