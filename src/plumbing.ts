import type pg from 'pg';
import { SetupError } from './errors.js';
import { bindArguments, runQuery, type QueryResult, type Row } from './postgres/run-query.js';
import { requiredQueries, type RequiredQuery } from './queries/required.js';
import type { NamedQuery, QuerySet } from './sqlc/loader.js';

/** One query run by the plumbing check, and what came back. */
export interface PlumbingStep {
  readonly query: string;
  readonly where: string;
  readonly rows: number;
}

export interface PlumbingReport {
  readonly steps: readonly PlumbingStep[];
  /** Loaded queries the plumbing has no call for (e.g. extra queries in a user's file). */
  readonly notRun: readonly string[];
}

/**
 * Proves the plumbing before any property runs: builds a small world (workspace, user, runtime,
 * agent) and runs every query the tool knows once, in an order that walks a chat through its
 * life — create, send, claim, start, pin, complete, fail and retry, cancel, sweep, delete — so each
 * statement meets rows it can act on. It checks that the server accepts each statement with the
 * arguments the tool will give it; whether the answers are right is the model's job, not this one's.
 */
export async function runPlumbing(client: pg.Client, queries: QuerySet, fixture: QuerySet): Promise<PlumbingReport> {
  const steps: PlumbingStep[] = [];
  const contracts = new Map<string, RequiredQuery>(requiredQueries.map((contract) => [contract.name, contract]));

  const run = async (set: QuerySet, name: string, args: Record<string, unknown>): Promise<QueryResult> => {
    const query = set.get(name);
    const contract = contracts.get(name) ?? { name, params: query.params.map((param) => param.name) };
    let result: QueryResult;
    try {
      result = await runQuery(client, query, bindArguments(contract, args));
    } catch (error) {
      throw serverRejected(query, error);
    }
    steps.push({ query: name, where: `${query.file}:${query.line}`, rows: countRows(result) });
    return result;
  };
  const call = (name: string, args: Record<string, unknown>) => run(queries, name, args);
  const create = async (set: QuerySet, name: string, args: Record<string, unknown>): Promise<Row> => {
    const result = await run(set, name, args);
    if (result.kind !== 'one' || result.row === null) {
      const query = set.get(name);
      throw new SetupError(
        `${query.file}:${query.line}: ${name} returned no row on the plumbing fixture, so the check cannot go on`,
        'make it insert and return the row as the bundled query does',
      );
    }
    return result.row;
  };

  const workspace = await create(fixture, 'FixtureCreateWorkspace', { name: 'plumbing', slug: 'plumbing' });
  const user = await create(fixture, 'FixtureCreateUser', { name: 'Ada', email: 'ada@example.com' });
  await create(fixture, 'FixtureCreateMember', { workspace_id: workspace.id, user_id: user.id });
  const runtime = await create(fixture, 'FixtureCreateRuntime', { workspace_id: workspace.id, name: 'laptop' });
  const agent = await create(fixture, 'FixtureCreateAgent', { workspace_id: workspace.id, name: 'coder', runtime_id: runtime.id });
  const ws = { workspace_id: workspace.id, creator_id: user.id };

  const session = await create(queries, 'CreateChatSession', { ...ws, agent_id: agent.id, title: 'plumbing' });
  const chat = { chat_session_id: session.id };
  await call('GetChatSession', { id: session.id });
  await call('GetChatSessionInWorkspace', { id: session.id, workspace_id: workspace.id });
  await call('ListChatSessionsByCreator', ws);
  await call('ListAllChatSessionsByCreator', ws);
  await call('UpdateChatSessionTitle', { id: session.id, title: 'renamed' });

  // Send: user message, agent lookup, task, touch.
  const message = await create(queries, 'CreateChatMessage', { ...chat, role: 'user', content: 'hello', task_id: null, failure_reason: null, elapsed_ms: null });
  await call('GetChatMessage', { id: message.id });
  await call('GetAgent', { id: agent.id });
  await call('GetAgentInWorkspace', { id: agent.id, workspace_id: workspace.id });
  const task = await create(queries, 'CreateChatTask', { agent_id: agent.id, runtime_id: runtime.id, priority: 2, ...chat });
  await call('TouchChatSession', { id: session.id });
  await call('GetPendingChatTask', chat);
  await call('ListPendingChatTasksByCreator', ws);

  // Claim, start, pin, complete: the resume pointer moves to the session.
  await call('ListQueuedClaimCandidatesByRuntime', { runtime_id: runtime.id });
  await call('CountRunningTasks', { agent_id: agent.id });
  await call('ClaimAgentTask', { agent_id: agent.id });
  await call('RefreshAgentStatusFromTasks', { id: agent.id });
  await call('StartAgentTask', { id: task.id });
  await call('UpdateAgentTaskSession', { id: task.id, session_id: 'agent-session-1', work_dir: '/tmp/work' });
  await call('GetAgentTask', { id: task.id });
  const result = { pr_url: '', output: 'done', session_id: 'agent-session-1', work_dir: '/tmp/work' };
  await call('CompleteAgentTask', { id: task.id, result, session_id: 'agent-session-1', work_dir: '/tmp/work' });
  await call('UpdateChatSessionSession', { session_id: 'agent-session-1', work_dir: '/tmp/work', runtime_id: runtime.id, id: session.id });
  await call('CreateChatMessage', { ...chat, role: 'assistant', content: 'done', task_id: task.id, failure_reason: null, elapsed_ms: 5 });
  await call('SetUnreadSinceIfNull', { id: session.id });
  await call('MarkChatSessionRead', { id: session.id });
  await call('ListChatMessages', chat);
  await call('GetLastChatTaskSession', chat);

  // A retryable failure gets a child; the child is cancelled by the user.
  const second = await create(queries, 'CreateChatTask', { agent_id: agent.id, runtime_id: runtime.id, priority: 2, ...chat });
  await call('ClaimAgentTask', { agent_id: agent.id });
  await call('FailAgentTask', { id: second.id, error: 'runtime went away', failure_reason: 'timeout', session_id: null, work_dir: null });
  const retry = await create(queries, 'CreateRetryTask', { id: second.id });
  await call('CancelAgentTask', { id: retry.id });

  // The sweepers, then the delete transaction of 60b: lock, cancel, delete.
  await call('RecoverOrphanedTasksForRuntime', { runtime_id: runtime.id });
  await call('FailStaleTasks', { dispatch_timeout_secs: 300, running_timeout_secs: 9000 });
  await call('FailTasksForOfflineRuntimes', {});
  await create(queries, 'CreateChatTask', { agent_id: agent.id, runtime_id: runtime.id, priority: 2, ...chat });
  await client.query('BEGIN');
  await call('LockChatSessionForDelete', { id: session.id });
  await call('CancelAgentTasksByChatSession', chat);
  await call('DeleteChatSession', { id: session.id });
  await client.query('COMMIT');

  const ran = new Set(steps.map((step) => step.query));
  return { steps, notRun: queries.all.map((query) => query.name).filter((name) => !ran.has(name)) };
}

function countRows(result: QueryResult): number {
  return result.kind === 'one' ? (result.row === null ? 0 : 1) : result.kind === 'many' ? result.rows.length : (result.affected ?? 0);
}

function serverRejected(query: NamedQuery, error: unknown): unknown {
  const failure = error as { code?: string; message?: string };
  if (typeof failure.code !== 'string' || !/^[0-9A-Z]{5}$/.test(failure.code)) return error;
  return new SetupError(
    `${query.file}:${query.line}: ${query.name} failed on the server: ${failure.message} (SQLSTATE ${failure.code})`,
    'fix the query, or check that --migrations builds the schema it expects',
  );
}
