/**
 * The chat.sql queries of the model (model/queries/chat.ts), one rule per test, as spec/queries.md
 * Part 1 states them.
 */
import { describe, expect, it } from 'vitest';
import { begin, commit, one } from '../../model/program.js';
import { GetLastChatTaskSession } from '../../model/queries/chat.js';
import { Instant } from '../../model/values.js';
import { QueryWorld, tick } from '../support/model.js';

describe('CreateChatSession', () => {
  it("copies the agent's runtime_id at statement time; moving the agent later does not change it", () => {
    const w = new QueryWorld();
    const session = w.session();
    const other = w.one('FixtureCreateRuntime', { workspace_id: w.workspace, name: 'r2' })['id']!;
    w.exec('FixtureMoveAgent', { runtime_id: other, id: w.agent });
    expect(w.one('GetChatSession', { id: session })['runtime_id']).toBe(w.runtime);
    expect(w.one('GetChatSession', { id: w.session() })['runtime_id']).toBe(other);
  });
});

describe('GetChatSessionInWorkspace', () => {
  it('a session of another workspace is no row', () => {
    const w = new QueryWorld();
    const session = w.session();
    const elsewhere = w.one('FixtureCreateWorkspace', { name: 'w2', slug: 'w2' })['id']!;
    expect(w.maybe('GetChatSessionInWorkspace', { id: session, workspace_id: w.workspace })?.['id']).toBe(session);
    expect(w.maybe('GetChatSessionInWorkspace', { id: session, workspace_id: elsewhere })).toBeNull();
  });
});

describe('UpdateChatSessionSession', () => {
  it('COALESCEs each pointer column, always bumps updated_at; a missing row is a no-op', () => {
    const w = new QueryWorld();
    const session = w.session();
    const created = w.one('GetChatSession', { id: session });
    w.exec('UpdateChatSessionSession', { session_id: 's1', work_dir: '/a', runtime_id: null, id: session });
    expect(w.one('GetChatSession', { id: session })).toMatchObject({ session_id: 's1', work_dir: '/a', runtime_id: w.runtime });

    w.exec('UpdateChatSessionSession', { session_id: null, work_dir: '/b', runtime_id: null, id: session });
    expect(w.one('GetChatSession', { id: session })).toMatchObject({ session_id: 's1', work_dir: '/b', runtime_id: w.runtime });

    w.exec('UpdateChatSessionSession', { session_id: null, work_dir: null, runtime_id: null, id: session });
    const after = w.one('GetChatSession', { id: session });
    expect(after).toMatchObject({ session_id: 's1', work_dir: '/b', runtime_id: w.runtime });
    expect(tick(after['updated_at'])).toBeGreaterThan(tick(created['updated_at']));
    expect(after['created_at']).toBe(created['created_at']);

    // A non-NULL '' overwrites.
    w.exec('UpdateChatSessionSession', { session_id: '', work_dir: null, runtime_id: null, id: session });
    expect(w.one('GetChatSession', { id: session })['session_id']).toBe('');

    w.exec('UpdateChatSessionSession', { session_id: 'x', work_dir: null, runtime_id: null, id: 'chat_session:99' });
  });
});

describe('unread', () => {
  it('SetUnreadSinceIfNull keeps the earliest stamp, MarkChatSessionRead clears it; neither touches updated_at', () => {
    const w = new QueryWorld();
    const session = w.session();
    const before = w.one('GetChatSession', { id: session });
    w.exec('SetUnreadSinceIfNull', { id: session });
    const first = w.one('GetChatSession', { id: session })['unread_since'];
    expect(first).toBeInstanceOf(Instant);
    w.exec('SetUnreadSinceIfNull', { id: session });
    const still = w.one('GetChatSession', { id: session });
    expect(still['unread_since']).toBe(first);
    expect(still['updated_at']).toBe(before['updated_at']);

    w.exec('MarkChatSessionRead', { id: session });
    w.exec('MarkChatSessionRead', { id: session });
    const read = w.one('GetChatSession', { id: session });
    expect(read['unread_since']).toBeNull();
    expect(read['updated_at']).toBe(before['updated_at']);

    w.exec('SetUnreadSinceIfNull', { id: session });
    expect(tick(w.one('GetChatSession', { id: session })['unread_since'])).toBeGreaterThan(tick(first));
  });
});

describe('ListChatSessionsByCreator / ListAllChatSessionsByCreator', () => {
  it('active only vs all, has_unread from unread_since, updated_at DESC, only this creator and workspace', () => {
    const w = new QueryWorld();
    const older = w.session();
    const archived = w.session();
    const newer = w.session();
    const stranger = w.one('FixtureCreateUser', { name: 'v', email: 'v@x' })['id']!;
    w.session(stranger);
    w.exec('FixtureArchiveChatSession', { id: archived });
    w.exec('SetUnreadSinceIfNull', { id: archived });
    w.exec('TouchChatSession', { id: older }); // now the most recently updated

    const active = w.many('ListChatSessionsByCreator', { workspace_id: w.workspace, creator_id: w.user });
    expect(active.map((s) => s['id'])).toEqual([older, newer]);
    expect(Object.keys(active[0]!).at(-1)).toBe('has_unread');
    expect(active.map((s) => s['has_unread'])).toEqual([false, false]);

    const all = w.many('ListAllChatSessionsByCreator', { workspace_id: w.workspace, creator_id: w.user });
    expect(all.map((s) => s['id'])).toEqual([older, newer, archived]);
    expect(all.find((s) => s['id'] === archived)).toMatchObject({ status: 'archived', has_unread: true });
  });
});

describe('ListChatMessages', () => {
  it("the session's messages, created_at ASC, ties (one transaction) in insertion order", () => {
    const w = new QueryWorld();
    const session = w.session();
    const other = w.session();
    const a = w.message(session, 'a');
    w.message(other, 'x');
    const [b, c] = w.db.run(
      (function* () {
        yield* begin();
        const b = yield* one('CreateChatMessage', { chat_session_id: session, role: 'assistant', content: 'b', task_id: 'agent_task_queue:9', failure_reason: null, elapsed_ms: null });
        const c = yield* one('CreateChatMessage', { chat_session_id: session, role: 'user', content: 'c', task_id: null, failure_reason: null, elapsed_ms: null });
        yield* commit();
        return [b, c];
      })(),
    );
    expect(b?.['created_at']).toBe(c?.['created_at']);
    expect(w.many('ListChatMessages', { chat_session_id: session })).toEqual([a, b, c]);
  });
});

describe('GetLastChatTaskSession', () => {
  it('completed or failed, session_id not null, greatest completed_at', () => {
    const w = new QueryWorld();
    const session = w.session();
    expect(w.maybe('GetLastChatTaskSession', { chat_session_id: session })).toBeNull();
    w.task(session);
    w.finish('complete', 's-old');
    w.task(session);
    w.finish('fail', 's-failed');
    w.task(session);
    w.finish('complete', null); // no session_id: not a candidate
    w.task(session);
    const cancelled = w.one('ClaimAgentTask', { agent_id: w.agent })['id']!;
    w.exec('UpdateAgentTaskSession', { id: cancelled, session_id: 's-cancelled', work_dir: null });
    w.one('CancelAgentTask', { id: cancelled });
    expect(w.one('GetLastChatTaskSession', { chat_session_id: session })).toEqual({
      session_id: 's-failed',
      work_dir: null,
      runtime_id: w.runtime,
    });
  });

  it('a NULL completed_at sorts first (ORDER BY completed_at DESC = NULLS FIRST)', () => {
    const w = new QueryWorld();
    const session = w.session();
    w.task(session);
    w.finish('complete', 's-real');
    // A row server code never writes: completed, with a session_id, without completed_at.
    w.db.transaction((tx) =>
      tx.insert('agent_task_queue', {
        agent_id: w.agent,
        runtime_id: w.runtime,
        chat_session_id: session,
        status: 'completed',
        session_id: 's-null',
        completed_at: null,
      }),
    );
    w.task(session);
    w.finish('complete', 's-later');
    expect(w.db.transaction((tx) => GetLastChatTaskSession(tx, { chat_session_id: session }))).toMatchObject({ session_id: 's-null' });
  });
});

describe('GetPendingChatTask', () => {
  it('the newest queued/dispatched/running task of the session: (id, status, created_at)', () => {
    const w = new QueryWorld();
    const session = w.session();
    expect(w.maybe('GetPendingChatTask', { chat_session_id: session })).toBeNull();
    const first = w.task(session);
    const second = w.task(session);
    const pending = w.one('GetPendingChatTask', { chat_session_id: session });
    expect(Object.keys(pending)).toEqual(['id', 'status', 'created_at']);
    expect(pending).toMatchObject({ id: second, status: 'queued' });
    w.one('CancelAgentTask', { id: second });
    expect(w.one('GetPendingChatTask', { chat_session_id: session })['id']).toBe(first);
  });
});

describe('ListPendingChatTasksByCreator', () => {
  it('inner join: tasks of deleted sessions vanish; archived sessions count; created_at DESC', () => {
    const w = new QueryWorld();
    const a = w.session();
    const b = w.session();
    const gone = w.session();
    const t1 = w.task(a);
    const t2 = w.task(b);
    w.task(gone);
    const done = w.task(a);
    w.db.run(one('CancelAgentTask', { id: done }));
    w.exec('FixtureArchiveChatSession', { id: b });
    w.exec('DeleteChatSession', { id: gone });
    expect(w.many('ListPendingChatTasksByCreator', { workspace_id: w.workspace, creator_id: w.user })).toEqual([
      { task_id: t2, status: 'queued', chat_session_id: b },
      { task_id: t1, status: 'queued', chat_session_id: a },
    ]);
  });
});

describe('LockChatSessionForDelete', () => {
  it('returns { id } or no row', () => {
    const w = new QueryWorld();
    const session = w.session();
    expect(w.maybe('LockChatSessionForDelete', { id: session })).toEqual({ id: session });
    expect(w.maybe('LockChatSessionForDelete', { id: 'chat_session:77' })).toBeNull();
  });
});

describe('UpdateChatSessionTitle / TouchChatSession', () => {
  it('bump updated_at; Touch of a missing row is a no-op, UpdateChatSessionTitle returns no row', () => {
    const w = new QueryWorld();
    const session = w.session();
    const created = w.one('GetChatSession', { id: session });
    const titled = w.one('UpdateChatSessionTitle', { id: session, title: 'new' });
    expect(titled['title']).toBe('new');
    expect(tick(titled['updated_at'])).toBeGreaterThan(tick(created['updated_at']));
    w.exec('TouchChatSession', { id: session });
    expect(tick(w.one('GetChatSession', { id: session })['updated_at'])).toBeGreaterThan(tick(titled['updated_at']));
    expect(w.maybe('UpdateChatSessionTitle', { id: 'chat_session:5', title: 'x' })).toBeNull();
  });
});
