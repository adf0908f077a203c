/**
 * The rules of spec/schema.md, checked on a real PostgreSQL against migrations/: column order,
 * NOT NULL, defaults, CHECKs, FK ON DELETE actions (cascade consequences) and the partial unique
 * index. Errors are asserted by SQLSTATE (`code`) and constraint name, as node-postgres reports them.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { withMigratedDatabase } from '../support/database.js';

type Row = Record<string, unknown>;
type Values = Record<string, unknown>;

const CHECK_VIOLATION = '23514';
const FK_VIOLATION = '23503';
const NOT_NULL_VIOLATION = '23502';
const UNIQUE_VIOLATION = '23505';

const TASK_STATUSES = ['queued', 'dispatched', 'running', 'completed', 'failed', 'cancelled'] as const;

// ---------------------------------------------------------------------------------------------
// Fixture inserts: each returns the inserted row (RETURNING *); `extra` overrides or adds columns.

let serial = 0;
const unique = (prefix: string): string => `${prefix}-${++serial}`;

async function insert(client: pg.Client, table: string, values: Values): Promise<Row> {
  const columns = Object.keys(values);
  const sql =
    columns.length === 0
      ? `INSERT INTO "${table}" DEFAULT VALUES RETURNING *`
      : `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) ` +
        `VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`;
  const result = await client.query<Row>(sql, Object.values(values));
  const row = result.rows[0];
  if (row === undefined) throw new Error(`INSERT INTO ${table} returned no row`);
  return row;
}

function workspaceValues(extra: Values = {}): Values {
  const slug = unique('ws');
  return { name: slug, slug, ...extra };
}
function userValues(extra: Values = {}): Values {
  const name = unique('user');
  return { name, email: `${name}@example.com`, ...extra };
}
function memberValues(workspace: Row, user: Row, extra: Values = {}): Values {
  return { workspace_id: workspace.id, user_id: user.id, role: 'member', ...extra };
}
function runtimeValues(workspace: Row, extra: Values = {}): Values {
  return { workspace_id: workspace.id, name: unique('runtime'), runtime_mode: 'local', provider: 'claude', ...extra };
}
function agentValues(workspace: Row, runtime: Row, extra: Values = {}): Values {
  return { workspace_id: workspace.id, name: unique('agent'), runtime_mode: 'local', runtime_id: runtime.id, ...extra };
}
function issueValues(workspace: Row, extra: Values = {}): Values {
  return { workspace_id: workspace.id, ...extra };
}
function sessionValues(agent: Row, creator: Row, extra: Values = {}): Values {
  return { workspace_id: agent.workspace_id, agent_id: agent.id, creator_id: creator.id, runtime_id: agent.runtime_id, ...extra };
}
function messageValues(session: Row, extra: Values = {}): Values {
  return { chat_session_id: session.id, role: 'user', content: unique('hello'), ...extra };
}
function taskValues(agent: Row, extra: Values = {}): Values {
  return { agent_id: agent.id, runtime_id: agent.runtime_id, ...extra };
}

const createWorkspace = (c: pg.Client, extra?: Values) => insert(c, 'workspace', workspaceValues(extra));
const createUser = (c: pg.Client, extra?: Values) => insert(c, 'user', userValues(extra));
const createMember = (c: pg.Client, w: Row, u: Row) => insert(c, 'member', memberValues(w, u));
const createRuntime = (c: pg.Client, w: Row, extra?: Values) => insert(c, 'agent_runtime', runtimeValues(w, extra));
const createAgent = (c: pg.Client, w: Row, r: Row, extra?: Values) => insert(c, 'agent', agentValues(w, r, extra));
const createIssue = (c: pg.Client, w: Row) => insert(c, 'issue', issueValues(w));
const createSession = (c: pg.Client, a: Row, u: Row, extra?: Values) => insert(c, 'chat_session', sessionValues(a, u, extra));
const createMessage = (c: pg.Client, s: Row, extra?: Values) => insert(c, 'chat_message', messageValues(s, extra));
const createTask = (c: pg.Client, a: Row, extra?: Values) => insert(c, 'agent_task_queue', taskValues(a, extra));

/** A workspace with one user (member), one runtime and one agent on it. */
async function createWorld(client: pg.Client): Promise<{ workspace: Row; user: Row; runtime: Row; agent: Row }> {
  const workspace = await createWorkspace(client);
  const user = await createUser(client);
  await createMember(client, workspace, user);
  const runtime = await createRuntime(client, workspace);
  const agent = await createAgent(client, workspace, runtime);
  return { workspace, user, runtime, agent };
}

// ---------------------------------------------------------------------------------------------
// Reading state back.

async function rowById(client: pg.Client, table: string, id: unknown): Promise<Row | undefined> {
  return (await client.query<Row>(`SELECT * FROM "${table}" WHERE id = $1`, [id])).rows[0];
}

async function idsWhere(client: pg.Client, table: string, where: string, params: unknown[]): Promise<string[]> {
  const result = await client.query<{ id: string }>(`SELECT id FROM "${table}" WHERE ${where} ORDER BY id`, params);
  return result.rows.map((r) => r.id);
}

const sorted = (ids: unknown[]): string[] => ids.map(String).sort();

/** The error the statement fails with; fails the test if it succeeds or throws something else. */
async function failure(statement: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await statement;
  } catch (error) {
    if (error instanceof pg.DatabaseError) return error;
    throw error;
  }
  throw new Error('expected the statement to fail, but it succeeded');
}

// ---------------------------------------------------------------------------------------------
// What spec/schema.md says.

/** Physical column order (= SELECT * / RETURNING *) per table. */
const COLUMN_ORDER: Record<string, readonly string[]> = {
  workspace: [
    'id', 'name', 'slug', 'description', 'settings', 'created_at', 'updated_at', 'context', 'repos',
    'issue_prefix', 'issue_counter',
  ],
  user: [
    'id', 'name', 'email', 'avatar_url', 'created_at', 'updated_at', 'onboarded_at', 'onboarding_questionnaire',
    'cloud_waitlist_email', 'cloud_waitlist_reason', 'starter_content_state',
  ],
  member: ['id', 'workspace_id', 'user_id', 'role', 'created_at'],
  agent_runtime: [
    'id', 'workspace_id', 'daemon_id', 'name', 'runtime_mode', 'provider', 'status', 'device_info', 'metadata',
    'last_seen_at', 'created_at', 'updated_at', 'owner_id', 'legacy_daemon_id',
  ],
  agent: [
    'id', 'workspace_id', 'name', 'avatar_url', 'runtime_mode', 'runtime_config', 'visibility', 'status',
    'max_concurrent_tasks', 'owner_id', 'created_at', 'updated_at', 'description', 'runtime_id', 'instructions',
    'archived_at', 'archived_by', 'custom_env', 'custom_args', 'mcp_config', 'model',
  ],
  issue: ['id', 'workspace_id'],
  chat_session: [
    'id', 'workspace_id', 'agent_id', 'creator_id', 'title', 'session_id', 'work_dir', 'status', 'created_at',
    'updated_at', 'unread_since', 'runtime_id',
  ],
  chat_message: ['id', 'chat_session_id', 'role', 'content', 'task_id', 'created_at', 'failure_reason', 'elapsed_ms'],
  agent_task_queue: [
    'id', 'agent_id', 'issue_id', 'status', 'priority', 'dispatched_at', 'started_at', 'completed_at', 'result',
    'error', 'created_at', 'context', 'runtime_id', 'session_id', 'work_dir', 'trigger_comment_id',
    'chat_session_id', 'autopilot_run_id', 'attempt', 'max_attempts', 'parent_task_id', 'failure_reason',
    'last_heartbeat_at', 'trigger_summary', 'force_fresh_session',
  ],
};

/** Columns that are NOT NULL and have no default, per table. */
const REQUIRED_COLUMNS: Record<string, readonly string[]> = {
  workspace: ['name', 'slug'],
  user: ['name', 'email'],
  member: ['workspace_id', 'user_id', 'role'],
  agent_runtime: ['workspace_id', 'name', 'runtime_mode', 'provider'],
  agent: ['workspace_id', 'name', 'runtime_mode', 'runtime_id'],
  issue: ['workspace_id'],
  chat_session: ['workspace_id', 'agent_id', 'creator_id'],
  chat_message: ['chat_session_id', 'role', 'content'],
  agent_task_queue: ['agent_id', 'runtime_id'],
};

/** Every FK: `table.column → referenced table`, ON DELETE action, constraint name. */
const FOREIGN_KEYS: readonly { name: string; table: string; column: string; references: string; onDelete: string }[] = [
  { name: 'member_workspace_id_fkey', table: 'member', column: 'workspace_id', references: 'workspace', onDelete: 'CASCADE' },
  { name: 'member_user_id_fkey', table: 'member', column: 'user_id', references: 'user', onDelete: 'CASCADE' },
  { name: 'agent_runtime_workspace_id_fkey', table: 'agent_runtime', column: 'workspace_id', references: 'workspace', onDelete: 'CASCADE' },
  { name: 'agent_runtime_owner_id_fkey', table: 'agent_runtime', column: 'owner_id', references: 'user', onDelete: 'NO ACTION' },
  { name: 'agent_workspace_id_fkey', table: 'agent', column: 'workspace_id', references: 'workspace', onDelete: 'CASCADE' },
  { name: 'agent_owner_id_fkey', table: 'agent', column: 'owner_id', references: 'user', onDelete: 'NO ACTION' },
  { name: 'agent_runtime_id_fkey', table: 'agent', column: 'runtime_id', references: 'agent_runtime', onDelete: 'RESTRICT' },
  { name: 'agent_archived_by_fkey', table: 'agent', column: 'archived_by', references: 'user', onDelete: 'NO ACTION' },
  { name: 'issue_workspace_id_fkey', table: 'issue', column: 'workspace_id', references: 'workspace', onDelete: 'CASCADE' },
  { name: 'chat_session_workspace_id_fkey', table: 'chat_session', column: 'workspace_id', references: 'workspace', onDelete: 'CASCADE' },
  { name: 'chat_session_agent_id_fkey', table: 'chat_session', column: 'agent_id', references: 'agent', onDelete: 'CASCADE' },
  { name: 'chat_session_creator_id_fkey', table: 'chat_session', column: 'creator_id', references: 'user', onDelete: 'CASCADE' },
  { name: 'chat_session_runtime_id_fkey', table: 'chat_session', column: 'runtime_id', references: 'agent_runtime', onDelete: 'SET NULL' },
  { name: 'chat_message_chat_session_id_fkey', table: 'chat_message', column: 'chat_session_id', references: 'chat_session', onDelete: 'CASCADE' },
  { name: 'agent_task_queue_agent_id_fkey', table: 'agent_task_queue', column: 'agent_id', references: 'agent', onDelete: 'CASCADE' },
  { name: 'agent_task_queue_issue_id_fkey', table: 'agent_task_queue', column: 'issue_id', references: 'issue', onDelete: 'CASCADE' },
  { name: 'agent_task_queue_runtime_id_fkey', table: 'agent_task_queue', column: 'runtime_id', references: 'agent_runtime', onDelete: 'CASCADE' },
  { name: 'agent_task_queue_chat_session_id_fkey', table: 'agent_task_queue', column: 'chat_session_id', references: 'chat_session', onDelete: 'SET NULL' },
  { name: 'agent_task_queue_parent_task_id_fkey', table: 'agent_task_queue', column: 'parent_task_id', references: 'agent_task_queue', onDelete: 'SET NULL' },
];

// ---------------------------------------------------------------------------------------------

describe('schema shape', () => {
  it('has the physical column order of spec/schema.md for every table', async () => {
    await withMigratedDatabase(async (client) => {
      for (const [table, expected] of Object.entries(COLUMN_ORDER)) {
        const result = await client.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
          [table],
        );
        expect(result.rows.map((r) => r.column_name), table).toEqual(expected);
      }
      const tables = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(Object.keys(COLUMN_ORDER).sort());
    });
  });

  it('has exactly the FKs of spec/schema.md, with their ON DELETE actions and default names', async () => {
    await withMigratedDatabase(async (client) => {
      const result = await client.query<{ name: string; table: string; column: string; references: string; on_delete: string }>(
        `SELECT con.conname AS name, rel.relname AS table, att.attname AS column, ref.relname AS references,
                CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                                     WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END AS on_delete
         FROM pg_constraint con
         JOIN pg_class rel ON rel.oid = con.conrelid
         JOIN pg_class ref ON ref.oid = con.confrelid
         JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
         WHERE con.contype = 'f' AND rel.relnamespace = 'public'::regnamespace`,
      );
      const actual = result.rows.map((r) => ({ name: r.name, table: r.table, column: r.column, references: r.references, onDelete: r.on_delete }));
      const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
      expect(actual.sort(byName)).toEqual([...FOREIGN_KEYS].sort(byName));
    });
  });

  it('lists as NOT NULL without default exactly the columns of spec/schema.md', async () => {
    await withMigratedDatabase(async (client) => {
      for (const [table, expected] of Object.entries(REQUIRED_COLUMNS)) {
        const result = await client.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name = $1 AND is_nullable = 'NO' AND column_default IS NULL
           ORDER BY ordinal_position`,
          [table],
        );
        expect(result.rows.map((r) => r.column_name), table).toEqual(expected);
      }
    });
  });

  it('fills the defaults of spec/schema.md for chat rows', async () => {
    await withMigratedDatabase(async (client) => {
      const { user, agent } = await createWorld(client);
      expect(agent).toMatchObject({ status: 'offline', max_concurrent_tasks: 6, archived_at: null, visibility: 'private' });
      const session = await insert(client, 'chat_session', {
        workspace_id: agent.workspace_id, agent_id: agent.id, creator_id: user.id,
      });
      expect(session).toMatchObject({
        title: '', session_id: null, work_dir: null, status: 'active', unread_since: null, runtime_id: null,
      });
      expect(session.created_at).toBeInstanceOf(Date);
      expect(session.updated_at).toEqual(session.created_at);
      const message = await createMessage(client, session, { content: '' });
      expect(message).toMatchObject({ content: '', task_id: null, failure_reason: null, elapsed_ms: null });
      const task = await createTask(client, agent);
      expect(task).toMatchObject({
        issue_id: null, status: 'queued', priority: 0, dispatched_at: null, started_at: null, completed_at: null,
        result: null, error: null, context: null, session_id: null, work_dir: null, trigger_comment_id: null,
        chat_session_id: null, autopilot_run_id: null, attempt: 1, max_attempts: 2, parent_task_id: null,
        failure_reason: null, last_heartbeat_at: null, trigger_summary: null, force_fresh_session: false,
      });
    });
  });
});

describe('CHECK constraints', () => {
  it('accepts every task status of the CHECK list and rejects any other with agent_task_queue_status_check', async () => {
    await withMigratedDatabase(async (client) => {
      const { agent } = await createWorld(client);
      for (const status of TASK_STATUSES) await createTask(client, agent, { status });
      for (const status of ['pending', 'QUEUED', '', 'canceled']) {
        const error = await failure(createTask(client, agent, { status }));
        expect(error).toMatchObject({ code: CHECK_VIOLATION, constraint: 'agent_task_queue_status_check' });
      }
      const task = await createTask(client, agent);
      const error = await failure(client.query(`UPDATE agent_task_queue SET status = 'done' WHERE id = $1`, [task.id]));
      expect(error).toMatchObject({ code: CHECK_VIOLATION, constraint: 'agent_task_queue_status_check' });
    });
  });

  it('rejects a message role other than user/assistant with chat_message_role_check', async () => {
    await withMigratedDatabase(async (client) => {
      const { user, agent } = await createWorld(client);
      const session = await createSession(client, agent, user);
      await createMessage(client, session, { role: 'user' });
      await createMessage(client, session, { role: 'assistant' });
      for (const role of ['system', 'tool', 'User', '']) {
        const error = await failure(createMessage(client, session, { role }));
        expect(error).toMatchObject({ code: CHECK_VIOLATION, constraint: 'chat_message_role_check' });
      }
    });
  });

  it('rejects a chat_session status other than active/archived with chat_session_status_check', async () => {
    await withMigratedDatabase(async (client) => {
      const { user, agent } = await createWorld(client);
      await createSession(client, agent, user, { status: 'archived' });
      const session = await createSession(client, agent, user, { status: 'active' });
      const error = await failure(createSession(client, agent, user, { status: 'deleted' }));
      expect(error).toMatchObject({ code: CHECK_VIOLATION, constraint: 'chat_session_status_check' });
      const update = await failure(client.query(`UPDATE chat_session SET status = 'closed' WHERE id = $1`, [session.id]));
      expect(update).toMatchObject({ code: CHECK_VIOLATION, constraint: 'chat_session_status_check' });
    });
  });
});

describe('NOT NULL', () => {
  const fixtures: Record<string, (client: pg.Client) => Promise<Values>> = {
    workspace: async () => workspaceValues(),
    user: async () => userValues(),
    member: async (c) => memberValues(await createWorkspace(c), await createUser(c)),
    agent_runtime: async (c) => runtimeValues(await createWorkspace(c)),
    agent: async (c) => {
      const w = await createWorkspace(c);
      return agentValues(w, await createRuntime(c, w));
    },
    issue: async (c) => issueValues(await createWorkspace(c)),
    chat_session: async (c) => {
      const { user, agent } = await createWorld(c);
      return sessionValues(agent, user);
    },
    chat_message: async (c) => {
      const { user, agent } = await createWorld(c);
      return messageValues(await createSession(c, agent, user));
    },
    agent_task_queue: async (c) => {
      const { user, agent } = await createWorld(c);
      return taskValues(agent, { chat_session_id: (await createSession(c, agent, user)).id });
    },
  };

  it('fails 23502 naming the column when a NOT NULL column without default is omitted or NULL', async () => {
    await withMigratedDatabase(async (client) => {
      for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
        const fixture = fixtures[table];
        if (fixture === undefined) throw new Error(`no fixture for ${table}`);
        const valid = await fixture(client);
        await insert(client, table, await fixture(client)); // the fixture itself is valid
        for (const column of columns) {
          const { [column]: _omitted, ...withoutColumn } = valid;
          for (const values of [withoutColumn, { ...valid, [column]: null }]) {
            const error = await failure(insert(client, table, values));
            expect(error, `${table}.${column}`).toMatchObject({ code: NOT_NULL_VIOLATION, table, column });
          }
        }
      }
    });
  });

  it('also rejects an explicit NULL in NOT NULL columns that have a default', async () => {
    await withMigratedDatabase(async (client) => {
      const { user, agent } = await createWorld(client);
      const session = await createSession(client, agent, user);
      for (const column of ['status', 'priority', 'attempt', 'max_attempts', 'force_fresh_session', 'created_at']) {
        const error = await failure(createTask(client, agent, { chat_session_id: session.id, [column]: null }));
        expect(error, column).toMatchObject({ code: NOT_NULL_VIOLATION, column });
      }
      for (const column of ['title', 'status', 'created_at', 'updated_at']) {
        const error = await failure(createSession(client, agent, user, { [column]: null }));
        expect(error, column).toMatchObject({ code: NOT_NULL_VIOLATION, column });
      }
    });
  });
});

describe('foreign keys on insert', () => {
  const missing = '00000000-0000-4000-8000-000000000000';

  it('rejects a task for a missing session with 23503 on agent_task_queue_chat_session_id_fkey', async () => {
    await withMigratedDatabase(async (client) => {
      const { agent } = await createWorld(client);
      const error = await failure(createTask(client, agent, { chat_session_id: missing }));
      expect(error).toMatchObject({ code: FK_VIOLATION, constraint: 'agent_task_queue_chat_session_id_fkey', table: 'agent_task_queue' });
      expect(error.message).toBe(
        'insert or update on table "agent_task_queue" violates foreign key constraint "agent_task_queue_chat_session_id_fkey"',
      );
    });
  });

  it('rejects a message for a missing session and a session for a missing agent, naming the FK', async () => {
    await withMigratedDatabase(async (client) => {
      const { user, agent } = await createWorld(client);
      const message = await failure(insert(client, 'chat_message', { chat_session_id: missing, role: 'user', content: 'x' }));
      expect(message).toMatchObject({ code: FK_VIOLATION, constraint: 'chat_message_chat_session_id_fkey' });
      const session = await failure(createSession(client, agent, user, { agent_id: missing }));
      expect(session).toMatchObject({ code: FK_VIOLATION, constraint: 'chat_session_agent_id_fkey' });
      const task = await failure(createTask(client, agent, { runtime_id: missing }));
      expect(task).toMatchObject({ code: FK_VIOLATION, constraint: 'agent_task_queue_runtime_id_fkey' });
    });
  });

  it('does not check chat_message.task_id (soft reference) nor the trigger_comment_id/autopilot_run_id columns', async () => {
    await withMigratedDatabase(async (client) => {
      const { user, agent } = await createWorld(client);
      const session = await createSession(client, agent, user);
      await createMessage(client, session, { role: 'assistant', task_id: missing });
      await createTask(client, agent, { trigger_comment_id: missing, autopilot_run_id: missing });
    });
  });
});

describe('ON DELETE consequences', () => {
  it('deleting a session deletes its messages and nulls chat_session_id on all its tasks, nothing else', async () => {
    await withMigratedDatabase(async (client) => {
      const { user, agent } = await createWorld(client);
      const session = await createSession(client, agent, user);
      const other = await createSession(client, agent, user);
      await createMessage(client, session);
      await createMessage(client, session, { role: 'assistant' });
      const keptMessage = await createMessage(client, other);
      const tasks: Row[] = [];
      for (const status of TASK_STATUSES) {
        tasks.push(
          await createTask(client, agent, {
            chat_session_id: session.id, status, priority: 2, session_id: `s-${status}`, work_dir: `/w/${status}`,
            error: status === 'failed' ? 'boom' : null, failure_reason: status === 'failed' ? 'timeout' : null,
            dispatched_at: status === 'queued' ? null : new Date('2026-01-01T00:00:00Z'),
            result: status === 'completed' ? { output: 'done' } : null,
          }),
        );
      }
      const keptTask = await createTask(client, agent, { chat_session_id: other.id });

      await client.query('DELETE FROM chat_session WHERE id = $1', [session.id]);

      expect(await rowById(client, 'chat_session', session.id)).toBeUndefined();
      expect(await idsWhere(client, 'chat_message', 'chat_session_id = $1', [session.id])).toEqual([]);
      for (const before of tasks) {
        expect(await rowById(client, 'agent_task_queue', before.id)).toEqual({ ...before, chat_session_id: null });
      }
      expect(await rowById(client, 'chat_message', keptMessage.id)).toEqual(keptMessage);
      expect(await rowById(client, 'agent_task_queue', keptTask.id)).toEqual(keptTask);
      expect(await rowById(client, 'chat_session', other.id)).toEqual(other);
    });
  });

  it('refuses to delete a runtime still used by an agent (RESTRICT, 23503)', async () => {
    await withMigratedDatabase(async (client) => {
      const { runtime } = await createWorld(client);
      const error = await failure(client.query('DELETE FROM agent_runtime WHERE id = $1', [runtime.id]));
      expect(error).toMatchObject({ code: FK_VIOLATION, constraint: 'agent_runtime_id_fkey', table: 'agent' });
      expect(await rowById(client, 'agent_runtime', runtime.id)).toEqual(runtime);
    });
  });

  it('deleting an unused runtime deletes its tasks and nulls chat_session.runtime_id', async () => {
    await withMigratedDatabase(async (client) => {
      const { workspace, user, runtime, agent } = await createWorld(client);
      const unused = await createRuntime(client, workspace);
      const session = await createSession(client, agent, user, { runtime_id: unused.id, session_id: 'sess', work_dir: '/w' });
      const kept = await createSession(client, agent, user);
      const stamped = [
        await createTask(client, agent, { runtime_id: unused.id, chat_session_id: session.id }),
        await createTask(client, agent, { runtime_id: unused.id, status: 'completed' }),
      ];
      const keptTask = await createTask(client, agent, { runtime_id: runtime.id, chat_session_id: session.id });

      await client.query('DELETE FROM agent_runtime WHERE id = $1', [unused.id]);

      for (const task of stamped) expect(await rowById(client, 'agent_task_queue', task.id)).toBeUndefined();
      expect(await rowById(client, 'agent_task_queue', keptTask.id)).toEqual(keptTask);
      expect(await rowById(client, 'chat_session', session.id)).toEqual({ ...session, runtime_id: null });
      expect(await rowById(client, 'chat_session', kept.id)).toEqual(kept);
    });
  });

  it('deleting an agent deletes its sessions, their messages and all its tasks', async () => {
    await withMigratedDatabase(async (client) => {
      const { workspace, user, runtime, agent } = await createWorld(client);
      const otherAgent = await createAgent(client, workspace, runtime);
      const session = await createSession(client, agent, user);
      const message = await createMessage(client, session);
      const ownTasks = [
        await createTask(client, agent, { chat_session_id: session.id, status: 'running' }),
        await createTask(client, agent, { status: 'completed' }),
        await createTask(client, agent, { issue_id: (await createIssue(client, workspace)).id }),
      ];
      const otherSession = await createSession(client, otherAgent, user);
      const otherMessage = await createMessage(client, otherSession);
      const otherTask = await createTask(client, otherAgent, { chat_session_id: otherSession.id });
      // A task of another agent pointing at this agent's session survives, detached by SET NULL.
      const crossTask = await createTask(client, otherAgent, { chat_session_id: session.id });

      await client.query('DELETE FROM agent WHERE id = $1', [agent.id]);

      expect(await rowById(client, 'chat_session', session.id)).toBeUndefined();
      expect(await rowById(client, 'chat_message', message.id)).toBeUndefined();
      for (const task of ownTasks) expect(await rowById(client, 'agent_task_queue', task.id)).toBeUndefined();
      expect(await rowById(client, 'chat_session', otherSession.id)).toEqual(otherSession);
      expect(await rowById(client, 'chat_message', otherMessage.id)).toEqual(otherMessage);
      expect(await rowById(client, 'agent_task_queue', otherTask.id)).toEqual(otherTask);
      expect(await rowById(client, 'agent_task_queue', crossTask.id)).toEqual({ ...crossTask, chat_session_id: null });
    });
  });

  it('deleting a user deletes the sessions they created (and their messages) and their memberships', async () => {
    await withMigratedDatabase(async (client) => {
      const { workspace, user, agent } = await createWorld(client);
      const otherUser = await createUser(client);
      await createMember(client, workspace, otherUser);
      const session = await createSession(client, agent, user);
      const message = await createMessage(client, session);
      const task = await createTask(client, agent, { chat_session_id: session.id, status: 'queued' });
      const otherSession = await createSession(client, agent, otherUser);

      await client.query('DELETE FROM "user" WHERE id = $1', [user.id]);

      expect(await rowById(client, 'chat_session', session.id)).toBeUndefined();
      expect(await rowById(client, 'chat_message', message.id)).toBeUndefined();
      expect(await idsWhere(client, 'member', 'user_id = $1', [user.id])).toEqual([]);
      expect(await rowById(client, 'agent_task_queue', task.id)).toEqual({ ...task, chat_session_id: null });
      expect(await rowById(client, 'chat_session', otherSession.id)).toEqual(otherSession);
      expect(await idsWhere(client, 'member', 'user_id = $1', [otherUser.id])).toHaveLength(1);
    });
  });

  it('deleting a workspace deletes everything under it and nothing of another workspace', async () => {
    await withMigratedDatabase(async (client) => {
      const populate = async () => {
        const world = await createWorld(client);
        const session = await createSession(client, world.agent, world.user);
        await createMessage(client, session);
        const issue = await createIssue(client, world.workspace);
        await createTask(client, world.agent, { chat_session_id: session.id, status: 'running' });
        await createTask(client, world.agent, { issue_id: issue.id });
        await createTask(client, world.agent, { status: 'failed' });
        return world;
      };
      const doomed = await populate();
      const kept = await populate();
      const snapshot = async (): Promise<Record<string, string[]>> => {
        const tables = ['workspace', 'user', 'member', 'agent_runtime', 'agent', 'issue', 'chat_session', 'chat_message', 'agent_task_queue'];
        const all: Record<string, string[]> = {};
        for (const table of tables) all[table] = sorted(await idsWhere(client, table, 'true', []));
        return all;
      };
      const before = await snapshot();
      const underKept = async (): Promise<Record<string, string[]>> => ({
        workspace: [String(kept.workspace.id)],
        member: sorted(await idsWhere(client, 'member', 'workspace_id = $1', [kept.workspace.id])),
        agent_runtime: sorted(await idsWhere(client, 'agent_runtime', 'workspace_id = $1', [kept.workspace.id])),
        agent: sorted(await idsWhere(client, 'agent', 'workspace_id = $1', [kept.workspace.id])),
        issue: sorted(await idsWhere(client, 'issue', 'workspace_id = $1', [kept.workspace.id])),
        chat_session: sorted(await idsWhere(client, 'chat_session', 'workspace_id = $1', [kept.workspace.id])),
        chat_message: sorted(
          await idsWhere(client, 'chat_message', 'chat_session_id IN (SELECT id FROM chat_session WHERE workspace_id = $1)', [kept.workspace.id]),
        ),
        agent_task_queue: sorted(
          await idsWhere(client, 'agent_task_queue', 'agent_id IN (SELECT id FROM agent WHERE workspace_id = $1)', [kept.workspace.id]),
        ),
      });
      const keptBefore = await underKept();

      await client.query('DELETE FROM workspace WHERE id = $1', [doomed.workspace.id]);

      const after = await snapshot();
      // Users are not under a workspace: both survive.
      expect(after.user).toEqual(before.user);
      expect(after.user).toContain(String(doomed.user.id));
      // Everything else left is exactly what belongs to the kept workspace.
      expect({ ...after, user: undefined }).toEqual({ ...keptBefore, user: undefined });
    });
  });
});

describe('idx_one_pending_task_per_issue_agent', () => {
  it('lets any number of queued/dispatched chat tasks (issue_id NULL) coexist per agent and session', async () => {
    await withMigratedDatabase(async (client) => {
      const { user, agent } = await createWorld(client);
      const session = await createSession(client, agent, user);
      for (let i = 0; i < 3; i++) await createTask(client, agent, { chat_session_id: session.id, status: 'queued', priority: 2 });
      for (let i = 0; i < 2; i++) await createTask(client, agent, { chat_session_id: session.id, status: 'dispatched', priority: 2 });
      for (let i = 0; i < 2; i++) await createTask(client, agent, { status: 'queued' });
      expect(await idsWhere(client, 'agent_task_queue', 'agent_id = $1', [agent.id])).toHaveLength(7);
    });
  });

  it('rejects a second queued/dispatched task for the same (issue, agent) with 23505', async () => {
    await withMigratedDatabase(async (client) => {
      const { workspace, runtime, agent } = await createWorld(client);
      const otherAgent = await createAgent(client, workspace, runtime);
      const issue = await createIssue(client, workspace);
      const first = await createTask(client, agent, { issue_id: issue.id, status: 'queued' });

      for (const status of ['queued', 'dispatched']) {
        const error = await failure(createTask(client, agent, { issue_id: issue.id, status }));
        expect(error, status).toMatchObject({ code: UNIQUE_VIOLATION, constraint: 'idx_one_pending_task_per_issue_agent' });
      }
      // Other agent, or a running/terminal task of the same pair: not constrained.
      await createTask(client, otherAgent, { issue_id: issue.id, status: 'queued' });
      for (const status of ['running', 'completed', 'failed', 'cancelled']) {
        await createTask(client, agent, { issue_id: issue.id, status });
      }
      // Moving the pending task out of queued/dispatched frees the slot.
      await client.query(`UPDATE agent_task_queue SET status = 'running' WHERE id = $1`, [first.id]);
      await createTask(client, agent, { issue_id: issue.id, status: 'queued' });
    });
  });
});
