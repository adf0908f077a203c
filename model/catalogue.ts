import type { Transaction } from './database.js';
import type { QueryResult } from './program.js';
import * as chat from './queries/chat.js';
import * as fixture from './queries/fixture.js';
import * as tasks from './queries/tasks.js';
import type { Args, Ordering } from './sql.js';
import type { Row, Value } from './values.js';

/**
 * The model's queries as data: name → kind, parameter names in position order, and how to run it,
 * so an interpreter can call any of them by name with arguments by name. Order and parameter names
 * follow src/queries/required.ts (chat.sql, then tasks.sql), then src/queries/fixture.sql.
 */

/** sqlc's result kinds (as in src/queries/required.ts, which the model may not import). */
export type QueryKind = 'one' | 'many' | 'exec';

export type QueryFile = 'chat.sql' | 'tasks.sql' | 'fixture.sql';

export interface CatalogueEntry {
  readonly name: string;
  readonly kind: QueryKind;
  readonly params: readonly string[];
  readonly file: QueryFile;
  /**
   * The query's ORDER BY as data, when it has one (for a `:one`, an ORDER BY … LIMIT 1: with tied
   * keys PostgreSQL may return any of the tied rows). `[]` for a `:many` without ORDER BY.
   */
  readonly ordering?: Ordering;
  /**
   * The query skips the rows other transactions hold locked (FOR UPDATE SKIP LOCKED) and locks
   * nothing else another could hold: under any interleaving it never waits for a lock.
   */
  readonly skipsLocked?: true;
  /**
   * Runs the query as one statement of `tx`: all its writes or, when it throws (a SqlError), none.
   * `args` must hold exactly the parameters, by name. Throws a plain Error for a missing or unknown
   * argument (a bug in the caller, not a database error).
   */
  readonly run: (tx: Transaction, args: Readonly<Record<string, Value>>) => QueryResult;
}

type QueryFunction<K extends string, R> = (tx: Transaction, args: Args<K>) => R;

const orderings: Readonly<Record<string, Ordering>> = { ...chat.chatOrderings, ...tasks.taskOrderings };

/** ClaimAgentTask takes its candidate `FOR UPDATE SKIP LOCKED` (spec: queries.md): two daemons never queue behind each other. */
const skipsLocked: ReadonlySet<string> = new Set(['ClaimAgentTask']);

function entry<K extends string>(
  file: QueryFile,
  name: string,
  kind: QueryKind,
  params: readonly K[],
  call: (tx: Transaction, args: Args<K>) => QueryResult,
): CatalogueEntry {
  const ordering = orderings[name];
  return {
    name,
    kind,
    params,
    file,
    ...(ordering === undefined ? {} : { ordering }),
    ...(skipsLocked.has(name) ? { skipsLocked: true as const } : {}),
    run(tx, args) {
      for (const param of params) {
        if (args[param] === undefined) throw new Error(`${name}: missing argument ${param}`);
      }
      for (const key of Object.keys(args)) {
        if (!(params as readonly string[]).includes(key)) throw new Error(`${name}: unknown argument ${key} (parameters: ${params.join(', ')})`);
      }
      return tx.statement(() => call(tx, args as Args<K>));
    },
  };
}

function builders(file: QueryFile) {
  return {
    one: <K extends string>(name: string, params: readonly K[], fn: QueryFunction<NoInfer<K>, Row | null>): CatalogueEntry =>
      entry(file, name, 'one', params, (tx, args) => ({ kind: 'one', row: fn(tx, args) })),
    many: <K extends string>(name: string, params: readonly K[], fn: QueryFunction<NoInfer<K>, readonly Row[]>): CatalogueEntry =>
      entry(file, name, 'many', params, (tx, args) => ({ kind: 'many', rows: fn(tx, args) })),
    /** An :exec query function returns how many rows it affected (PostgreSQL's row count for :execrows). */
    exec: <K extends string>(name: string, params: readonly K[], fn: QueryFunction<NoInfer<K>, number>): CatalogueEntry =>
      entry(file, name, 'exec', params, (tx, args) => ({ kind: 'exec', affected: fn(tx, args) })),
  };
}

const c = builders('chat.sql');
const t = builders('tasks.sql');
const f = builders('fixture.sql');

/** Every query of the model, in file order: chat.sql (19), tasks.sql (17), fixture.sql (22). */
export const queries: readonly CatalogueEntry[] = [
  c.one('CreateChatSession', ['workspace_id', 'agent_id', 'creator_id', 'title'], chat.CreateChatSession),
  c.one('GetChatSession', ['id'], chat.GetChatSession),
  c.one('GetChatSessionInWorkspace', ['id', 'workspace_id'], chat.GetChatSessionInWorkspace),
  c.many('ListChatSessionsByCreator', ['workspace_id', 'creator_id'], chat.ListChatSessionsByCreator),
  c.many('ListAllChatSessionsByCreator', ['workspace_id', 'creator_id'], chat.ListAllChatSessionsByCreator),
  c.one('UpdateChatSessionTitle', ['id', 'title'], chat.UpdateChatSessionTitle),
  c.exec('UpdateChatSessionSession', ['session_id', 'work_dir', 'runtime_id', 'id'], chat.UpdateChatSessionSession),
  c.one('LockChatSessionForDelete', ['id'], chat.LockChatSessionForDelete),
  c.exec('DeleteChatSession', ['id'], chat.DeleteChatSession),
  c.exec('TouchChatSession', ['id'], chat.TouchChatSession),
  c.one(
    'CreateChatMessage',
    ['chat_session_id', 'role', 'content', 'task_id', 'failure_reason', 'elapsed_ms'],
    chat.CreateChatMessage,
  ),
  c.many('ListChatMessages', ['chat_session_id'], chat.ListChatMessages),
  c.one('GetChatMessage', ['id'], chat.GetChatMessage),
  c.one('CreateChatTask', ['agent_id', 'runtime_id', 'priority', 'chat_session_id'], chat.CreateChatTask),
  c.one('GetLastChatTaskSession', ['chat_session_id'], chat.GetLastChatTaskSession),
  c.one('GetPendingChatTask', ['chat_session_id'], chat.GetPendingChatTask),
  c.many('ListPendingChatTasksByCreator', ['workspace_id', 'creator_id'], chat.ListPendingChatTasksByCreator),
  c.exec('MarkChatSessionRead', ['id'], chat.MarkChatSessionRead),
  c.exec('SetUnreadSinceIfNull', ['id'], chat.SetUnreadSinceIfNull),

  t.many('CancelAgentTasksByChatSession', ['chat_session_id'], tasks.CancelAgentTasksByChatSession),
  t.one('CreateRetryTask', ['id'], tasks.CreateRetryTask),
  t.one('ClaimAgentTask', ['agent_id'], tasks.ClaimAgentTask),
  t.one('StartAgentTask', ['id'], tasks.StartAgentTask),
  t.one('CompleteAgentTask', ['id', 'result', 'session_id', 'work_dir'], tasks.CompleteAgentTask),
  t.one('FailAgentTask', ['id', 'error', 'failure_reason', 'session_id', 'work_dir'], tasks.FailAgentTask),
  t.exec('UpdateAgentTaskSession', ['id', 'session_id', 'work_dir'], tasks.UpdateAgentTaskSession),
  t.one('CancelAgentTask', ['id'], tasks.CancelAgentTask),
  t.one('GetAgentTask', ['id'], tasks.GetAgentTask),
  t.one('GetAgent', ['id'], tasks.GetAgent),
  t.one('GetAgentInWorkspace', ['id', 'workspace_id'], tasks.GetAgentInWorkspace),
  t.one('RefreshAgentStatusFromTasks', ['id'], tasks.RefreshAgentStatusFromTasks),
  t.one('CountRunningTasks', ['agent_id'], tasks.CountRunningTasks),
  t.many('ListQueuedClaimCandidatesByRuntime', ['runtime_id'], tasks.ListQueuedClaimCandidatesByRuntime),
  t.many('RecoverOrphanedTasksForRuntime', ['runtime_id'], tasks.RecoverOrphanedTasksForRuntime),
  t.many('FailStaleTasks', ['dispatch_timeout_secs', 'running_timeout_secs'], tasks.FailStaleTasks),
  t.many('FailTasksForOfflineRuntimes', [], tasks.FailTasksForOfflineRuntimes),

  f.one('FixtureCreateWorkspace', ['name', 'slug'], fixture.FixtureCreateWorkspace),
  f.one('FixtureCreateUser', ['name', 'email'], fixture.FixtureCreateUser),
  f.one('FixtureCreateMember', ['workspace_id', 'user_id'], fixture.FixtureCreateMember),
  f.one('FixtureCreateRuntime', ['workspace_id', 'name'], fixture.FixtureCreateRuntime),
  f.one('FixtureCreateAgent', ['workspace_id', 'name', 'runtime_id'], fixture.FixtureCreateAgent),
  f.one('FixtureCreateIssue', ['workspace_id'], fixture.FixtureCreateIssue),
  f.one('FixtureCreateIssueTask', ['agent_id', 'issue_id', 'priority'], fixture.FixtureCreateIssueTask),
  f.one('FixtureCreateAutopilotTask', ['agent_id', 'autopilot_run_id', 'priority'], fixture.FixtureCreateAutopilotTask),
  f.exec('FixtureArchiveAgent', ['id'], fixture.FixtureArchiveAgent),
  f.exec('FixtureArchiveChatSession', ['id'], fixture.FixtureArchiveChatSession),
  f.exec('FixtureMoveAgent', ['runtime_id', 'id'], fixture.FixtureMoveAgent),
  f.exec('FixtureSetAgentMaxConcurrentTasks', ['max_concurrent_tasks', 'id'], fixture.FixtureSetAgentMaxConcurrentTasks),
  f.exec('FixtureRewriteTask', ['id'], fixture.FixtureRewriteTask),
  f.exec('FixtureRewriteFirstQueuedTask', ['agent_id'], fixture.FixtureRewriteFirstQueuedTask),
  f.exec('FixtureRewriteMessage', ['id'], fixture.FixtureRewriteMessage),
  f.exec('FixtureScanWithoutIndexes', [], fixture.FixtureScanWithoutIndexes),
  f.exec('FixtureSetRuntimeStatus', ['status', 'id'], fixture.FixtureSetRuntimeStatus),
  f.exec('FixtureDeleteAgent', ['id'], fixture.FixtureDeleteAgent),
  f.exec('FixtureDeleteUser', ['id'], fixture.FixtureDeleteUser),
  f.exec('FixtureDeleteWorkspace', ['id'], fixture.FixtureDeleteWorkspace),
  f.exec('FixtureDeleteRuntime', ['id'], fixture.FixtureDeleteRuntime),
  f.exec('FixtureDeleteIssue', ['id'], fixture.FixtureDeleteIssue),
];

/** The queries by name. */
export const catalogue: ReadonlyMap<string, CatalogueEntry> = new Map(queries.map((query) => [query.name, query]));

/**
 * The ORDER BY of every query that has one, by name (`[]`: a `:many` with no defined order). Rows
 * with equal keys may come back from PostgreSQL in any order; the model returns insertion order.
 */
export const queryOrderings: Readonly<Record<string, Ordering>> = orderings;

/** Runs query `name` in `tx` (one statement). Throws a plain Error for an unknown name. */
export function runQuery(tx: Transaction, name: string, args: Readonly<Record<string, Value>>): QueryResult {
  const query = catalogue.get(name);
  if (query === undefined) throw new Error(`the model has no query named ${name}`);
  return query.run(tx, args);
}
