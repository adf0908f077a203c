import type { Value } from './values.js';

/**
 * The schema rules of migrations/*.up.sql, as data: what the generic write routines of
 * database.ts enforce for every query. Constraint names are the ones PostgreSQL gives the
 * migrations (checked with pg_constraint on PostgreSQL 15), because errors carry them.
 *
 * Every column of every modelled table is kept, in physical order, so `RETURNING *` / `SELECT *`
 * rows have exactly the real columns. The FKs of agent_task_queue.trigger_comment_id and
 * .autopilot_run_id are absent here as in the migrations (comment/autopilot_run are not modelled).
 *
 * Evaluation order, as PostgreSQL does it for one written row:
 *   1. NOT NULL, column by column in physical order (23502);
 *   2. CHECK constraints in order of their names (23514);
 *   3. UNIQUE constraints / unique indexes in creation order (23505);
 *   4. FOREIGN KEYs in creation order (23503) — the order of `foreignKeys` below.
 */

export const tableNames = [
  'workspace',
  'user',
  'member',
  'agent_runtime',
  'agent',
  'issue',
  'chat_session',
  'chat_message',
  'agent_task_queue',
] as const;

export type TableName = (typeof tableNames)[number];

/** A column default: a constant, `now()` (the transaction's Instant), or `gen_random_uuid()` (a new ModelId). */
export type Default = { readonly const: Value } | 'now' | 'newId';

export interface Column {
  readonly name: string;
  readonly notNull: boolean;
  /** Absent: the default is NULL. */
  readonly default?: Default;
}

/** A CHECK on one column. NULL passes a CHECK (the expression is NULL, not false). */
export type CheckRule = { readonly in: readonly Value[] } | { readonly maxLength: number };

export interface CheckConstraint {
  readonly name: string;
  readonly column: string;
  readonly rule: CheckRule;
}

export interface UniqueConstraint {
  readonly name: string;
  readonly columns: readonly string[];
  /** A partial unique index: only rows whose `column` is one of `in` take part. */
  readonly where?: { readonly column: string; readonly in: readonly Value[] };
}

export type OnDelete = 'cascade' | 'set null' | 'restrict' | 'no action';

export interface ForeignKey {
  readonly name: string;
  /** The referencing table and column. */
  readonly table: TableName;
  readonly column: string;
  /** The referenced table; the referenced column is always its `id`. */
  readonly references: TableName;
  readonly onDelete: OnDelete;
}

export interface TableSchema {
  readonly name: TableName;
  readonly columns: readonly Column[];
  /** Sorted by name: the order PostgreSQL evaluates them in. */
  readonly checks: readonly CheckConstraint[];
  readonly uniques: readonly UniqueConstraint[];
  /** This table's own FKs, in creation order. */
  readonly foreignKeys: readonly ForeignKey[];
  /** FKs of any table that reference this one, in creation order (for ON DELETE). */
  readonly referencedBy: readonly ForeignKey[];
  /** Column name → position, for membership tests. */
  readonly columnIndex: ReadonlyMap<string, number>;
}

const emptyObject: Value = Object.freeze({});
const emptyArray: Value = Object.freeze([]);

/** Column shorthands: `req` NOT NULL without default, `opt` nullable without default. */
const req = (name: string): Column => ({ name, notNull: true });
const opt = (name: string): Column => ({ name, notNull: false });
const def = (name: string, value: Default): Column => ({ name, notNull: true, default: value });
const id = def('id', 'newId');
const now = (name: string): Column => def(name, 'now');
const constant = (name: string, value: Value): Column => def(name, { const: value });

const isIn = (name: string, column: string, values: readonly Value[]): CheckConstraint => ({ name, column, rule: { in: values } });

interface TableDefinition {
  readonly columns: readonly Column[];
  readonly checks?: readonly CheckConstraint[];
  readonly uniques?: readonly UniqueConstraint[];
  readonly foreignKeys?: readonly Omit<ForeignKey, 'table'>[];
}

const fk = (name: string, column: string, references: TableName, onDelete: OnDelete): Omit<ForeignKey, 'table'> => ({
  name,
  column,
  references,
  onDelete,
});

export const taskStatuses = ['queued', 'dispatched', 'running', 'completed', 'failed', 'cancelled'] as const;

const definitions: Readonly<Record<TableName, TableDefinition>> = {
  workspace: {
    columns: [
      id,
      req('name'),
      req('slug'),
      opt('description'),
      constant('settings', emptyObject),
      now('created_at'),
      now('updated_at'),
      opt('context'),
      constant('repos', emptyArray),
      constant('issue_prefix', ''),
      constant('issue_counter', 0),
    ],
    uniques: [{ name: 'workspace_slug_key', columns: ['slug'] }],
  },
  user: {
    columns: [
      id,
      req('name'),
      req('email'),
      opt('avatar_url'),
      now('created_at'),
      now('updated_at'),
      opt('onboarded_at'),
      constant('onboarding_questionnaire', emptyObject),
      opt('cloud_waitlist_email'),
      opt('cloud_waitlist_reason'),
      opt('starter_content_state'),
    ],
    uniques: [{ name: 'user_email_key', columns: ['email'] }],
  },
  member: {
    columns: [id, req('workspace_id'), req('user_id'), req('role'), now('created_at')],
    checks: [isIn('member_role_check', 'role', ['owner', 'admin', 'member'])],
    uniques: [{ name: 'member_workspace_id_user_id_key', columns: ['workspace_id', 'user_id'] }],
    foreignKeys: [
      fk('member_workspace_id_fkey', 'workspace_id', 'workspace', 'cascade'),
      fk('member_user_id_fkey', 'user_id', 'user', 'cascade'),
    ],
  },
  agent_runtime: {
    columns: [
      id,
      req('workspace_id'),
      opt('daemon_id'),
      req('name'),
      req('runtime_mode'),
      req('provider'),
      constant('status', 'offline'),
      constant('device_info', ''),
      constant('metadata', emptyObject),
      opt('last_seen_at'),
      now('created_at'),
      now('updated_at'),
      opt('owner_id'),
      opt('legacy_daemon_id'),
    ],
    checks: [
      isIn('agent_runtime_runtime_mode_check', 'runtime_mode', ['local', 'cloud']),
      isIn('agent_runtime_status_check', 'status', ['online', 'offline']),
    ],
    uniques: [
      { name: 'agent_runtime_workspace_id_daemon_id_provider_key', columns: ['workspace_id', 'daemon_id', 'provider'] },
    ],
    foreignKeys: [
      fk('agent_runtime_workspace_id_fkey', 'workspace_id', 'workspace', 'cascade'),
      fk('agent_runtime_owner_id_fkey', 'owner_id', 'user', 'no action'),
    ],
  },
  agent: {
    columns: [
      id,
      req('workspace_id'),
      req('name'),
      opt('avatar_url'),
      req('runtime_mode'),
      constant('runtime_config', emptyObject),
      constant('visibility', 'private'),
      constant('status', 'offline'),
      constant('max_concurrent_tasks', 6),
      opt('owner_id'),
      now('created_at'),
      now('updated_at'),
      constant('description', ''),
      req('runtime_id'),
      constant('instructions', ''),
      opt('archived_at'),
      opt('archived_by'),
      constant('custom_env', emptyObject),
      constant('custom_args', emptyArray),
      opt('mcp_config'),
      opt('model'),
    ],
    checks: [
      { name: 'agent_description_check', column: 'description', rule: { maxLength: 255 } },
      isIn('agent_runtime_mode_check', 'runtime_mode', ['local', 'cloud']),
      isIn('agent_status_check', 'status', ['idle', 'working', 'blocked', 'error', 'offline']),
      isIn('agent_visibility_check', 'visibility', ['workspace', 'private']),
    ],
    uniques: [{ name: 'agent_workspace_name_unique', columns: ['workspace_id', 'name'] }],
    foreignKeys: [
      fk('agent_workspace_id_fkey', 'workspace_id', 'workspace', 'cascade'),
      fk('agent_owner_id_fkey', 'owner_id', 'user', 'no action'),
      fk('agent_runtime_id_fkey', 'runtime_id', 'agent_runtime', 'restrict'),
      fk('agent_archived_by_fkey', 'archived_by', 'user', 'no action'),
    ],
  },
  issue: {
    columns: [id, req('workspace_id')],
    foreignKeys: [fk('issue_workspace_id_fkey', 'workspace_id', 'workspace', 'cascade')],
  },
  chat_session: {
    columns: [
      id,
      req('workspace_id'),
      req('agent_id'),
      req('creator_id'),
      constant('title', ''),
      opt('session_id'),
      opt('work_dir'),
      constant('status', 'active'),
      now('created_at'),
      now('updated_at'),
      opt('unread_since'),
      opt('runtime_id'),
    ],
    checks: [isIn('chat_session_status_check', 'status', ['active', 'archived'])],
    foreignKeys: [
      fk('chat_session_workspace_id_fkey', 'workspace_id', 'workspace', 'cascade'),
      fk('chat_session_agent_id_fkey', 'agent_id', 'agent', 'cascade'),
      fk('chat_session_creator_id_fkey', 'creator_id', 'user', 'cascade'),
      fk('chat_session_runtime_id_fkey', 'runtime_id', 'agent_runtime', 'set null'),
    ],
  },
  chat_message: {
    columns: [
      id,
      req('chat_session_id'),
      req('role'),
      req('content'),
      opt('task_id'), // soft reference: no FK
      now('created_at'),
      opt('failure_reason'),
      opt('elapsed_ms'),
    ],
    checks: [isIn('chat_message_role_check', 'role', ['user', 'assistant'])],
    foreignKeys: [fk('chat_message_chat_session_id_fkey', 'chat_session_id', 'chat_session', 'cascade')],
  },
  agent_task_queue: {
    columns: [
      id,
      req('agent_id'),
      opt('issue_id'),
      constant('status', 'queued'),
      constant('priority', 0),
      opt('dispatched_at'),
      opt('started_at'),
      opt('completed_at'),
      opt('result'),
      opt('error'),
      now('created_at'),
      opt('context'),
      req('runtime_id'),
      opt('session_id'),
      opt('work_dir'),
      opt('trigger_comment_id'), // FK to comment omitted (not modelled), as in the migrations
      opt('chat_session_id'),
      opt('autopilot_run_id'), // FK to autopilot_run omitted (not modelled), as in the migrations
      constant('attempt', 1),
      constant('max_attempts', 2),
      opt('parent_task_id'),
      opt('failure_reason'),
      opt('last_heartbeat_at'),
      opt('trigger_summary'),
      constant('force_fresh_session', false),
    ],
    checks: [isIn('agent_task_queue_status_check', 'status', taskStatuses)],
    uniques: [
      {
        name: 'idx_one_pending_task_per_issue_agent',
        columns: ['issue_id', 'agent_id'],
        where: { column: 'status', in: ['queued', 'dispatched'] },
      },
    ],
    foreignKeys: [
      fk('agent_task_queue_agent_id_fkey', 'agent_id', 'agent', 'cascade'),
      fk('agent_task_queue_issue_id_fkey', 'issue_id', 'issue', 'cascade'),
      fk('agent_task_queue_runtime_id_fkey', 'runtime_id', 'agent_runtime', 'cascade'),
      fk('agent_task_queue_chat_session_id_fkey', 'chat_session_id', 'chat_session', 'set null'),
      fk('agent_task_queue_parent_task_id_fkey', 'parent_task_id', 'agent_task_queue', 'set null'),
    ],
  },
};

function build(): Readonly<Record<TableName, TableSchema>> {
  const allForeignKeys: ForeignKey[] = tableNames.flatMap((table) =>
    (definitions[table].foreignKeys ?? []).map((key) => ({ ...key, table })),
  );
  const result = {} as Record<TableName, TableSchema>;
  for (const name of tableNames) {
    const definition = definitions[name];
    result[name] = {
      name,
      columns: definition.columns,
      checks: [...(definition.checks ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      uniques: definition.uniques ?? [],
      foreignKeys: allForeignKeys.filter((key) => key.table === name),
      referencedBy: allForeignKeys.filter((key) => key.references === name),
      columnIndex: new Map(definition.columns.map((column, index) => [column.name, index])),
    };
  }
  return result;
}

/** The schema of every modelled table, by name. */
export const schema: Readonly<Record<TableName, TableSchema>> = build();

/** Every FK of the schema, in creation order. */
export const foreignKeys: readonly ForeignKey[] = tableNames.flatMap((table) => schema[table].foreignKeys);

/** Whether a value satisfies a CHECK rule (NULL always does). */
export function satisfies(rule: CheckRule, value: Value): boolean {
  if (value === null) return true;
  if ('in' in rule) return rule.in.includes(value);
  return typeof value !== 'string' || [...value].length <= rule.maxLength;
}
