/**
 * The model's generic write routine (model/database.ts) applying the schema rules of model/schema.ts:
 * defaults, NOT NULL, CHECK, UNIQUE, FK on write; CASCADE / SET NULL / RESTRICT on delete; statement
 * atomicity. Messages and constraint names are PostgreSQL's (checked on PostgreSQL 15).
 */
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../model/errors.js';
import { ModelDatabase } from '../../model/model-database.js';
import { exec, many, one, type Program } from '../../model/program.js';
import { foreignKeys, schema, tableNames } from '../../model/schema.js';
import { Instant, type Value } from '../../model/values.js';
import { must } from '../support/model.js';

/** What a program throws, as a SqlError. */
function sqlError(db: ModelDatabase, program: Program<unknown>): SqlError {
  try {
    db.run(program);
  } catch (error) {
    if (error instanceof SqlError) return error;
    throw error;
  }
  throw new Error('expected a SqlError');
}

interface World {
  db: ModelDatabase;
  workspace: Value;
  user: Value;
  runtime: Value;
  agent: Value;
  session: Value;
}

function world(): World {
  const db = new ModelDatabase();
  const workspace = must(db.run(one('FixtureCreateWorkspace', { name: 'w', slug: 'w' })))['id']!;
  const user = must(db.run(one('FixtureCreateUser', { name: 'u', email: 'u@x' })))['id']!;
  const runtime = must(db.run(one('FixtureCreateRuntime', { workspace_id: workspace, name: 'r' })))['id']!;
  const agent = must(db.run(one('FixtureCreateAgent', { workspace_id: workspace, name: 'a', runtime_id: runtime })))['id']!;
  const session = must(
    db.run(one('CreateChatSession', { workspace_id: workspace, agent_id: agent, creator_id: user, title: 't' })),
  )['id']!;
  return { db, workspace, user, runtime, agent, session };
}

function task(w: World, chat_session_id: Value = w.session): Value {
  return must(w.db.run(one('CreateChatTask', { agent_id: w.agent, runtime_id: w.runtime, priority: 2, chat_session_id })))['id']!;
}

describe('schema as data', () => {
  it('keeps every column in physical order and the constraint names of the migrations', () => {
    expect(schema.chat_session.columns.map((c) => c.name)).toEqual([
      'id', 'workspace_id', 'agent_id', 'creator_id', 'title', 'session_id', 'work_dir', 'status',
      'created_at', 'updated_at', 'unread_since', 'runtime_id',
    ]);
    expect(schema.chat_message.columns.map((c) => c.name)).toEqual([
      'id', 'chat_session_id', 'role', 'content', 'task_id', 'created_at', 'failure_reason', 'elapsed_ms',
    ]);
    expect(schema.agent_task_queue.columns).toHaveLength(25);
    expect(foreignKeys.find((k) => k.name === 'agent_task_queue_chat_session_id_fkey')).toEqual({
      name: 'agent_task_queue_chat_session_id_fkey',
      table: 'agent_task_queue',
      column: 'chat_session_id',
      references: 'chat_session',
      onDelete: 'set null',
    });
    expect(foreignKeys.find((k) => k.name === 'agent_runtime_id_fkey')?.onDelete).toBe('restrict');
    expect(schema.agent.checks.map((c) => c.name)).toEqual([
      'agent_description_check', 'agent_runtime_mode_check', 'agent_status_check', 'agent_visibility_check',
    ]);
    expect(tableNames).toHaveLength(9);
  });
});

describe('insert', () => {
  it('fills defaults: constants, now() = the transaction tick, new ids counting per table', () => {
    const w = world();
    const session = must(w.db.run(one('GetChatSession', { id: w.session })));
    expect(w.session).toBe('chat_session:1');
    expect(session).toMatchObject({ title: 't', status: 'active', session_id: null, unread_since: null, runtime_id: w.runtime });
    expect(session['created_at']).toBeInstanceOf(Instant);
    expect(session['created_at']).toBe(session['updated_at']);
    const agent = must(w.db.run(one('GetAgent', { id: w.agent })));
    expect(agent).toMatchObject({ status: 'offline', max_concurrent_tasks: 6, visibility: 'private', custom_args: [], archived_at: null });
  });

  it('NOT NULL: 23502 naming the column, no constraint; an explicit NULL is not replaced by the default', () => {
    const w = world();
    const error = sqlError(w.db, one('CreateChatSession', { workspace_id: w.workspace, agent_id: w.agent, creator_id: w.user, title: null }));
    expect(error.code).toBe('23502');
    expect(error.message).toBe('null value in column "title" of relation "chat_session" violates not-null constraint');
    expect(error.constraint).toBeUndefined();
    const priority = sqlError(w.db, one('CreateChatTask', { agent_id: w.agent, runtime_id: w.runtime, priority: null, chat_session_id: null }));
    expect(priority.message).toBe('null value in column "priority" of relation "agent_task_queue" violates not-null constraint');
  });

  it('CHECK: 23514 naming the constraint', () => {
    const w = world();
    const error = sqlError(
      w.db,
      one('CreateChatMessage', { chat_session_id: w.session, role: 'system', content: 'x', task_id: null, failure_reason: null, elapsed_ms: null }),
    );
    expect(error.code).toBe('23514');
    expect(error.constraint).toBe('chat_message_role_check');
    expect(error.message).toBe('new row for relation "chat_message" violates check constraint "chat_message_role_check"');
    const status = sqlError(w.db, exec('FixtureSetRuntimeStatus', { status: 'gone', id: w.runtime }));
    expect(status.constraint).toBe('agent_runtime_status_check');
  });

  it('FK: 23503 naming the referencing constraint, checked in creation order; NULL is not checked', () => {
    const w = world();
    const error = sqlError(w.db, one('CreateChatTask', { agent_id: w.agent, runtime_id: w.runtime, priority: 2, chat_session_id: 'chat_session:99' }));
    expect(error.code).toBe('23503');
    expect(error.constraint).toBe('agent_task_queue_chat_session_id_fkey');
    expect(error.message).toBe(
      'insert or update on table "agent_task_queue" violates foreign key constraint "agent_task_queue_chat_session_id_fkey"',
    );
    // An id of another table is not a row of the referenced one.
    const wrongTable = sqlError(w.db, one('CreateChatTask', { agent_id: w.agent, runtime_id: w.agent, priority: 2, chat_session_id: null }));
    expect(wrongTable.constraint).toBe('agent_task_queue_runtime_id_fkey');
    const both = sqlError(w.db, one('CreateChatSession', { workspace_id: 'workspace:9', agent_id: 'agent:9', creator_id: w.user, title: '' }));
    expect(both.constraint).toBe('chat_session_workspace_id_fkey');
    expect(w.db.run(one('CreateChatTask', { agent_id: w.agent, runtime_id: w.runtime, priority: 2, chat_session_id: null }))).not.toBeNull();
  });

  it('CreateChatSession with a missing agent fails on chat_session_agent_id_fkey (its runtime subquery is NULL)', () => {
    const w = world();
    const error = sqlError(w.db, one('CreateChatSession', { workspace_id: w.workspace, agent_id: 'agent:7', creator_id: w.user, title: '' }));
    expect(error.constraint).toBe('chat_session_agent_id_fkey');
  });

  it('UNIQUE: 23505 naming the constraint', () => {
    const w = world();
    const error = sqlError(w.db, one('FixtureCreateWorkspace', { name: 'other', slug: 'w' }));
    expect(error.code).toBe('23505');
    expect(error.constraint).toBe('workspace_slug_key');
    expect(error.message).toBe('duplicate key value violates unique constraint "workspace_slug_key"');
    expect(sqlError(w.db, one('FixtureCreateAgent', { workspace_id: w.workspace, name: 'a', runtime_id: w.runtime })).constraint).toBe(
      'agent_workspace_name_unique',
    );
  });
});

describe('update', () => {
  it('checks the FK of a changed column', () => {
    const w = world();
    const error = sqlError(w.db, exec('FixtureMoveAgent', { runtime_id: 'agent_runtime:5', id: w.agent }));
    expect(error.constraint).toBe('agent_runtime_id_fkey');
    expect(error.message).toBe('insert or update on table "agent" violates foreign key constraint "agent_runtime_id_fkey"');
    const pointer = sqlError(w.db, exec('UpdateChatSessionSession', { session_id: 's', work_dir: null, runtime_id: 'agent_runtime:5', id: w.session }));
    expect(pointer.constraint).toBe('chat_session_runtime_id_fkey');
    // The failed statement changed nothing (session_id is not half-written).
    expect(must(w.db.run(one('GetChatSession', { id: w.session })))['session_id']).toBeNull();
  });
});

describe('delete', () => {
  it('of a session: its messages cascade, every task of it (any status) keeps its row with chat_session_id NULL', () => {
    const w = world();
    const other = must(w.db.run(one('CreateChatSession', { workspace_id: w.workspace, agent_id: w.agent, creator_id: w.user, title: '' })))['id']!;
    w.db.run(one('CreateChatMessage', { chat_session_id: w.session, role: 'user', content: 'a', task_id: null, failure_reason: null, elapsed_ms: null }));
    const kept = must(
      w.db.run(one('CreateChatMessage', { chat_session_id: other, role: 'user', content: 'b', task_id: null, failure_reason: null, elapsed_ms: null })),
    );
    const started = task(w);
    const waiting = task(w);
    w.db.run(one('ClaimAgentTask', { agent_id: w.agent }));
    w.db.run(one('StartAgentTask', { id: started }));
    const otherTask = task(w, other);

    w.db.run(exec('DeleteChatSession', { id: w.session }));

    expect(w.db.run(one('GetChatSession', { id: w.session }))).toBeNull();
    expect(w.db.run(many('ListChatMessages', { chat_session_id: w.session }))).toEqual([]);
    expect(w.db.run(many('ListChatMessages', { chat_session_id: other }))).toEqual([kept]);
    expect(must(w.db.run(one('GetAgentTask', { id: started })))).toMatchObject({ status: 'running', chat_session_id: null });
    expect(must(w.db.run(one('GetAgentTask', { id: waiting })))).toMatchObject({ status: 'queued', chat_session_id: null });
    expect(must(w.db.run(one('GetAgentTask', { id: otherTask })))['chat_session_id']).toBe(other);
    expect(w.db.state.table('agent_task_queue').size).toBe(3);
  });

  it('of a runtime no agent uses: its tasks cascade, sessions keep their row with runtime_id NULL', () => {
    const w = world();
    const spare = must(w.db.run(one('FixtureCreateRuntime', { workspace_id: w.workspace, name: 'spare' })))['id']!;
    w.db.run(exec('UpdateChatSessionSession', { session_id: 's', work_dir: '/w', runtime_id: spare, id: w.session }));
    const onSpare = must(w.db.run(one('CreateChatTask', { agent_id: w.agent, runtime_id: spare, priority: 2, chat_session_id: w.session })))['id']!;
    const onMain = task(w);

    w.db.run(exec('FixtureDeleteRuntime', { id: spare }));

    expect(must(w.db.run(one('GetChatSession', { id: w.session })))).toMatchObject({ session_id: 's', work_dir: '/w', runtime_id: null });
    expect(w.db.run(one('GetAgentTask', { id: onSpare }))).toBeNull();
    expect(w.db.run(one('GetAgentTask', { id: onMain }))).not.toBeNull();
  });

  it('of a runtime still used by an agent: 23503 on agent_runtime_id_fkey (RESTRICT), nothing deleted', () => {
    const w = world();
    const t = task(w);
    const error = sqlError(w.db, exec('FixtureDeleteRuntime', { id: w.runtime }));
    expect(error.code).toBe('23503');
    expect(error.constraint).toBe('agent_runtime_id_fkey');
    expect(error.message).toBe('update or delete on table "agent_runtime" violates foreign key constraint "agent_runtime_id_fkey" on table "agent"');
    expect(w.db.run(one('GetAgentTask', { id: t }))).not.toBeNull();
    expect(must(w.db.run(one('GetChatSession', { id: w.session })))['runtime_id']).toBe(w.runtime);
  });

  it('of an agent: its sessions (and their messages) and all its tasks go', () => {
    const w = world();
    w.db.run(one('CreateChatMessage', { chat_session_id: w.session, role: 'user', content: 'a', task_id: null, failure_reason: null, elapsed_ms: null }));
    task(w);
    w.db.run(exec('FixtureDeleteAgent', { id: w.agent }));
    expect(w.db.state.table('chat_session').size).toBe(0);
    expect(w.db.state.table('chat_message').size).toBe(0);
    expect(w.db.state.table('agent_task_queue').size).toBe(0);
    // Now the runtime is free to go.
    w.db.run(exec('FixtureDeleteRuntime', { id: w.runtime }));
    expect(w.db.state.table('agent_runtime').size).toBe(0);
  });

  it('of a workspace: everything in it, runtimes included (their agents go in the same statement)', () => {
    const w = world();
    w.db.run(one('FixtureCreateMember', { workspace_id: w.workspace, user_id: w.user }));
    task(w);
    w.db.run(exec('FixtureDeleteWorkspace', { id: w.workspace }));
    for (const table of ['workspace', 'member', 'agent_runtime', 'agent', 'chat_session', 'agent_task_queue'] as const) {
      expect(w.db.state.table(table).size).toBe(0);
    }
    expect(w.db.state.table('user').size).toBe(1);
  });

  it('of a workspace whose runtime an agent of another workspace uses: 23503 on agent_runtime_id_fkey', () => {
    const w = world();
    const elsewhere = must(w.db.run(one('FixtureCreateWorkspace', { name: 'w2', slug: 'w2' })))['id']!;
    w.db.run(one('FixtureCreateAgent', { workspace_id: elsewhere, name: 'b', runtime_id: w.runtime }));
    expect(sqlError(w.db, exec('FixtureDeleteWorkspace', { id: w.workspace })).constraint).toBe('agent_runtime_id_fkey');
    expect(w.db.state.table('chat_session').size).toBe(1);
  });

  it('of a user: their sessions and memberships cascade', () => {
    const w = world();
    w.db.run(one('FixtureCreateMember', { workspace_id: w.workspace, user_id: w.user }));
    w.db.run(exec('FixtureDeleteUser', { id: w.user }));
    expect(w.db.state.table('chat_session').size).toBe(0);
    expect(w.db.state.table('member').size).toBe(0);
    expect(w.db.state.table('agent').size).toBe(1);
  });

  it('a missing row is a no-op', () => {
    const w = world();
    const before = w.db.state.tables;
    w.db.run(exec('DeleteChatSession', { id: 'chat_session:42' }));
    w.db.run(exec('DeleteChatSession', { id: null }));
    expect(w.db.state.tables).toEqual(before);
  });
});
