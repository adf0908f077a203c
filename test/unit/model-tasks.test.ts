/**
 * The tasks.sql queries of the model (model/queries/tasks.ts), one rule per test, as spec/queries.md
 * Part 2 states them.
 */
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../model/errors.js';
import { begin, commit, many, one } from '../../model/program.js';
import { Instant, type Row } from '../../model/values.js';
import { QueryWorld } from '../support/model.js';

describe('ClaimAgentTask', () => {
  it('takes priority DESC, then created_at ASC, and stamps dispatched_at = now()', () => {
    const w = new QueryWorld();
    const low = w.task(w.session(), 0);
    const highOld = w.task(w.session(), 2);
    const highNew = w.task(w.session(), 2);
    const claimed = w.one('ClaimAgentTask', { agent_id: w.agent });
    expect(claimed).toMatchObject({ id: highOld, status: 'dispatched' });
    expect(claimed['dispatched_at']).toBeInstanceOf(Instant);
    expect(w.claim()).toBe(highNew);
    expect(w.claim()).toBe(low);
    expect(w.claim()).toBeNull();
  });

  it('rule 2: a task waits while a task of the same chat session is dispatched or running; other sessions do not', () => {
    const w = new QueryWorld();
    const a = w.session();
    const b = w.session();
    const first = w.task(a);
    const second = w.task(a);
    const other = w.task(b);
    expect(w.claim()).toBe(first);
    expect(w.claim()).toBe(other);
    expect(w.claim()).toBeNull();
    w.one('StartAgentTask', { id: first });
    expect(w.claim()).toBeNull();
    w.one('CompleteAgentTask', { id: first, result: null, session_id: null, work_dir: null });
    expect(w.claim()).toBe(second);
  });

  it('rule 3: unlinked tasks (no issue, session or autopilot run) serialise among themselves only', () => {
    const w = new QueryWorld();
    const unlinked1 = w.task(null);
    const unlinked2 = w.task(null);
    const chat = w.task(w.session());
    const autopilot = w.rawTask({ autopilot_run_id: 'autopilot_run:1', priority: 2 });
    const autopilot2 = w.rawTask({ autopilot_run_id: 'autopilot_run:1', priority: 2 });
    expect(w.claim()).toBe(unlinked1);
    expect(w.claim()).toBe(chat); // unlinked2 waits behind unlinked1
    expect(w.claim()).toBe(autopilot); // never serialised: it has an autopilot run
    expect(w.claim()).toBe(autopilot2);
    expect(w.claim()).toBeNull();
    w.one('CancelAgentTask', { id: unlinked1 });
    expect(w.claim()).toBe(unlinked2);
  });

  it('rule 1: a task waits while a task of the same issue (same agent) is dispatched or running', () => {
    const w = new QueryWorld();
    const issue = w.issue();
    const first = w.rawTask({ issue_id: issue, priority: 2 });
    expect(w.claim()).toBe(first);
    w.one('StartAgentTask', { id: first });
    const second = w.rawTask({ issue_id: issue, priority: 2 });
    expect(w.claim()).toBeNull();
    w.one('FailAgentTask', { id: first, error: 'x', failure_reason: null, session_id: null, work_dir: null });
    expect(w.claim()).toBe(second);
  });

  it('one queued/dispatched task per (issue, agent): idx_one_pending_task_per_issue_agent, 23505', () => {
    const w = new QueryWorld();
    const issue = w.issue();
    w.rawTask({ issue_id: issue });
    expect(() => w.rawTask({ issue_id: issue })).toThrow(SqlError);
    try {
      w.rawTask({ issue_id: issue });
    } catch (error) {
      expect(error).toMatchObject({ code: '23505', constraint: 'idx_one_pending_task_per_issue_agent' });
    }
  });

  it("selects by agent, not runtime; another agent's active task does not block; archived sessions are claimable", () => {
    const w = new QueryWorld();
    const otherRuntime = w.one('FixtureCreateRuntime', { workspace_id: w.workspace, name: 'r2' })['id']!;
    const otherAgent = w.one('FixtureCreateAgent', { workspace_id: w.workspace, name: 'b', runtime_id: otherRuntime })['id']!;
    const session = w.session();
    const theirs = w.task(session, 2, otherAgent, otherRuntime);
    const mine = w.task(session, 2, w.agent, otherRuntime);
    w.exec('FixtureArchiveChatSession', { id: session });
    expect(w.claim(otherAgent)).toBe(theirs);
    expect(w.claim()).toBe(mine);
  });
});

describe('guards', () => {
  it('start only from dispatched, complete only from running, fail from dispatched/running, cancel from non-terminal', () => {
    const w = new QueryWorld();
    const t = w.task(w.session());
    expect(w.maybe('StartAgentTask', { id: t })).toBeNull();
    expect(w.maybe('CompleteAgentTask', { id: t, result: null, session_id: null, work_dir: null })).toBeNull();
    expect(w.maybe('FailAgentTask', { id: t, error: '', failure_reason: null, session_id: null, work_dir: null })).toBeNull();
    w.claim();
    expect(w.maybe('CompleteAgentTask', { id: t, result: null, session_id: null, work_dir: null })).toBeNull();
    expect(w.one('StartAgentTask', { id: t })).toMatchObject({ status: 'running' });
    expect(w.maybe('StartAgentTask', { id: t })).toBeNull();
    expect(w.one('CancelAgentTask', { id: t })['status']).toBe('cancelled');
    expect(w.maybe('CancelAgentTask', { id: t })).toBeNull();
    expect(w.maybe('FailAgentTask', { id: t, error: '', failure_reason: null, session_id: null, work_dir: null })).toBeNull();
    expect(w.maybe('StartAgentTask', { id: 'agent_task_queue:99' })).toBeNull();
  });
});

describe('CompleteAgentTask vs FailAgentTask', () => {
  it('complete OVERWRITES session_id/work_dir (NULL erases a pinned value) and stores result as given', () => {
    const w = new QueryWorld();
    const t = w.task(w.session());
    w.claim();
    w.one('StartAgentTask', { id: t });
    w.exec('UpdateAgentTaskSession', { id: t, session_id: 'pinned', work_dir: '/p' });
    expect(w.one('GetAgentTask', { id: t })).toMatchObject({ session_id: 'pinned', work_dir: '/p' });
    const done = w.one('CompleteAgentTask', { id: t, result: { output: 'ok' }, session_id: null, work_dir: null });
    expect(done).toMatchObject({ status: 'completed', session_id: null, work_dir: null, result: { output: 'ok' } });
    expect(done['completed_at']).toBeInstanceOf(Instant);
  });

  it("fail COALESCEs session_id/work_dir and defaults failure_reason to 'agent_error'", () => {
    const w = new QueryWorld();
    const t = w.task(w.session());
    w.claim();
    w.exec('UpdateAgentTaskSession', { id: t, session_id: 'pinned', work_dir: '/p' });
    const failed = w.one('FailAgentTask', { id: t, error: '', failure_reason: null, session_id: null, work_dir: '/new' });
    expect(failed).toMatchObject({ status: 'failed', error: '', failure_reason: 'agent_error', session_id: 'pinned', work_dir: '/new' });

    const u = w.task(w.session());
    w.claim();
    expect(w.one('FailAgentTask', { id: u, error: 'e', failure_reason: 'timeout', session_id: 's', work_dir: null })).toMatchObject({
      failure_reason: 'timeout',
      session_id: 's',
      work_dir: null,
    });
  });

  it('UpdateAgentTaskSession: COALESCE and last_heartbeat_at, only while dispatched/running', () => {
    const w = new QueryWorld();
    const t = w.task(w.session());
    w.exec('UpdateAgentTaskSession', { id: t, session_id: 'early', work_dir: null });
    expect(w.one('GetAgentTask', { id: t })).toMatchObject({ session_id: null, last_heartbeat_at: null });
    w.claim();
    w.exec('UpdateAgentTaskSession', { id: t, session_id: 's', work_dir: null });
    w.exec('UpdateAgentTaskSession', { id: t, session_id: null, work_dir: '/w' });
    const row = w.one('GetAgentTask', { id: t });
    expect(row).toMatchObject({ session_id: 's', work_dir: '/w' });
    expect(row['last_heartbeat_at']).toBeInstanceOf(Instant);
  });
});

describe('CreateRetryTask', () => {
  it('copies the parent as it is now, attempt + 1, parent_task_id; the rest defaults', () => {
    const w = new QueryWorld();
    const session = w.session();
    const parent = w.task(session, 3);
    w.claim();
    w.one('FailAgentTask', { id: parent, error: 'e', failure_reason: 'runtime_offline', session_id: 's', work_dir: '/w' });
    const p = w.one('GetAgentTask', { id: parent });
    const child = w.one('CreateRetryTask', { id: parent });
    expect(child).toMatchObject({
      agent_id: w.agent,
      runtime_id: w.runtime,
      issue_id: null,
      chat_session_id: session,
      priority: 3,
      session_id: 's',
      work_dir: '/w',
      max_attempts: 2,
      status: 'queued',
      attempt: 2,
      parent_task_id: parent,
      dispatched_at: null,
      completed_at: null,
      error: null,
      failure_reason: null,
      result: null,
      force_fresh_session: false,
    });
    expect(child['id']).not.toBe(parent);
    expect(child['created_at']).not.toBe(p['created_at']);
    // Any status, even a retry of a retry; no row for a missing parent.
    expect(w.one('CreateRetryTask', { id: child['id']! })['attempt']).toBe(3);
    expect(w.maybe('CreateRetryTask', { id: 'agent_task_queue:99' })).toBeNull();
  });

  it('deleting the parent sets parent_task_id NULL in the child', () => {
    const w = new QueryWorld();
    const parent = w.task(w.session());
    const child = w.one('CreateRetryTask', { id: parent })['id']!;
    w.db.transaction((tx) => tx.delete('agent_task_queue', [parent]));
    expect(w.one('GetAgentTask', { id: child })['parent_task_id']).toBeNull();
  });
});

describe('CancelAgentTasksByChatSession', () => {
  it('cancels the in-flight tasks of the session (completed_at = now()), leaves terminal ones', () => {
    const w = new QueryWorld();
    const session = w.session();
    const done = w.task(session);
    w.claim();
    w.one('StartAgentTask', { id: done });
    w.one('CompleteAgentTask', { id: done, result: null, session_id: 's', work_dir: null });
    const running = w.task(session);
    w.claim();
    w.one('StartAgentTask', { id: running });
    w.exec('UpdateAgentTaskSession', { id: running, session_id: 'pin', work_dir: null });
    const queued = w.task(session);
    const elsewhere = w.task(w.session());
    const cancelled = w.many('CancelAgentTasksByChatSession', { chat_session_id: session });
    expect(cancelled.map((t) => t['id'])).toEqual([running, queued]);
    expect(cancelled[0]).toMatchObject({ status: 'cancelled', session_id: 'pin', chat_session_id: session });
    expect(cancelled[0]!['completed_at']).toBe(cancelled[1]!['completed_at']);
    expect(w.status(done)).toBe('completed');
    expect(w.status(elsewhere)).toBe('queued');
  });
});

describe('agent status and counts', () => {
  it("RefreshAgentStatusFromTasks: 'working' with a dispatched/running task, else 'idle'; bumps updated_at", () => {
    const w = new QueryWorld();
    const before = w.one('GetAgent', { id: w.agent });
    expect(before['status']).toBe('offline');
    w.task(w.session());
    expect(w.one('RefreshAgentStatusFromTasks', { id: w.agent })['status']).toBe('idle');
    w.claim();
    const working = w.one('RefreshAgentStatusFromTasks', { id: w.agent });
    expect(working['status']).toBe('working');
    expect(working['updated_at']).not.toBe(before['updated_at']);
    expect(w.maybe('RefreshAgentStatusFromTasks', { id: 'agent:9' })).toBeNull();
  });

  it('CountRunningTasks: { count } of dispatched/running tasks on any runtime', () => {
    const w = new QueryWorld();
    expect(w.one('CountRunningTasks', { agent_id: w.agent })).toEqual({ count: 0 });
    const other = w.one('FixtureCreateRuntime', { workspace_id: w.workspace, name: 'r2' })['id']!;
    w.task(w.session(), 2, w.agent, other);
    w.task(w.session());
    w.task(w.session());
    w.claim();
    const second = w.claim();
    w.one('StartAgentTask', { id: second });
    expect(w.one('CountRunningTasks', { agent_id: w.agent })).toEqual({ count: 2 });
  });

  it('ListQueuedClaimCandidatesByRuntime: queued tasks of that runtime, priority DESC, created_at ASC', () => {
    const w = new QueryWorld();
    const other = w.one('FixtureCreateRuntime', { workspace_id: w.workspace, name: 'r2' })['id']!;
    const a = w.task(w.session(), 0);
    const b = w.task(w.session(), 5);
    w.task(w.session(), 9, w.agent, other);
    const c = w.task(w.session(), 5);
    expect(w.many('ListQueuedClaimCandidatesByRuntime', { runtime_id: w.runtime }).map((t) => t['id'])).toEqual([b, c, a]);
  });
});

describe('sweepers', () => {
  it('RecoverOrphanedTasksForRuntime fails the runtime’s dispatched/running tasks, session_id untouched', () => {
    const w = new QueryWorld();
    const t = w.task(w.session());
    const queued = w.task(w.session(), 0);
    w.claim();
    w.exec('UpdateAgentTaskSession', { id: t, session_id: 's', work_dir: null });
    const rows = w.many('RecoverOrphanedTasksForRuntime', { runtime_id: w.runtime });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: t,
      status: 'failed',
      error: 'daemon restarted while task was in flight',
      failure_reason: 'runtime_recovery',
      session_id: 's',
    });
    expect(w.status(queued)).toBe('queued');
  });

  it('FailTasksForOfflineRuntimes fails dispatched/running tasks of offline runtimes only', () => {
    const w = new QueryWorld();
    const t = w.task(w.session());
    w.claim();
    expect(w.many('FailTasksForOfflineRuntimes', {})).toEqual([]);
    w.exec('FixtureSetRuntimeStatus', { status: 'offline', id: w.runtime });
    const failed = w.many('FailTasksForOfflineRuntimes', {});
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ id: t, status: 'failed', error: 'runtime went offline', failure_reason: 'runtime_offline' });
  });

  it('FailStaleTasks: a positive timeout never elapses in the model; zero means "before this transaction"', () => {
    const w = new QueryWorld();
    const t = w.task(w.session());
    w.claim();
    expect(w.many('FailStaleTasks', { dispatch_timeout_secs: 300, running_timeout_secs: 9000 })).toEqual([]);
    const [sameTx] = w.db.run(
      (function* () {
        yield* begin();
        const u = yield* one('CreateChatTask', { agent_id: w.agent, runtime_id: w.runtime, priority: 2, chat_session_id: null });
        yield* one('ClaimAgentTask', { agent_id: w.agent });
        const stale = yield* many('FailStaleTasks', { dispatch_timeout_secs: 0, running_timeout_secs: 0 });
        yield* commit();
        return [stale, u];
      })(),
    );
    expect((sameTx as readonly Row[]).map((r) => r['id'])).toEqual([t]);
    expect(w.one('GetAgentTask', { id: t })).toMatchObject({ status: 'failed', error: 'task timed out', failure_reason: 'timeout' });
  });
});
