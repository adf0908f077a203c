/**
 * Task failures (workflows.md §9): the daemon's FailTask, the retry rule MaybeRetryFailedTask, and
 * HandleFailedTasks behind recover-orphans and the two sweepers.
 */
import type { Outcome, Program } from '../program.js';
import type { Row, Value } from '../values.js';
import {
  col,
  distinct,
  fail,
  goMany,
  goOne,
  integer,
  nullIfEmpty,
  refreshAgentStatus,
  respond,
  text,
  type Go,
} from './common.js';
import { finishTask, writeAssistantMessage } from './complete.js';
import { daemonTaskAccess, type DaemonTaskInput } from './daemon.js';
import { runtimeAccess, type DaemonRuntimeInput } from './runtime.js';
import { redact } from './text.js';

export const RETRYABLE_FAILURE_REASONS: readonly string[] = ['runtime_offline', 'runtime_recovery', 'timeout'];

/** The sweeper's timeouts in seconds: dispatched for 5 minutes, running for 2.5 hours. */
export const DISPATCH_TIMEOUT_SECS = 300;
export const RUNNING_TIMEOUT_SECS = 9000;

/**
 * A retry child iff the failed row `p` is 'failed' with a retryable reason, has attempts left, is no
 * autopilot run and is linked to an issue or a chat session. CreateRetryTask is an autocommit; its
 * error (or no row) counts as "no child".
 */
export function* maybeRetryFailedTask(p: Row): Program<Row | null> {
  if (col(p, 'status') !== 'failed') return null;
  const reason = text(p, 'failure_reason');
  if (reason === null || !RETRYABLE_FAILURE_REASONS.includes(reason)) return null;
  if (integer(p, 'attempt') >= integer(p, 'max_attempts')) return null;
  if (col(p, 'autopilot_run_id') !== null) return null;
  if (col(p, 'issue_id') === null && col(p, 'chat_session_id') === null) return null;
  const child = yield* goOne('CreateRetryTask', { id: col(p, 'id') });
  return child.ok ? child.value : null;
}

/**
 * For each failed row MaybeRetryFailedTask, then RefreshAgentStatusFromTasks once per distinct agent
 * (first-appearance order). No chat message, no unread stamp, no resume-pointer update. Returns the
 * number of children created.
 */
export function* handleFailedTasks(rows: readonly Row[]): Program<number> {
  let retried = 0;
  for (const row of rows) if ((yield* maybeRetryFailedTask(row)) !== null) retried += 1;
  for (const agentId of distinct(rows.map((row) => col(row, 'agent_id')))) yield* refreshAgentStatus(agentId);
  return retried;
}

// FailTask ---------------------------------------------------------------------------------------

export interface FailTaskInput extends DaemonTaskInput {
  /** Body `error`; absent = ''. Written (redacted) even when empty. */
  readonly error?: string;
  /** Body `failure_reason`; absent or '' → NULL (the task row then says 'agent_error'). */
  readonly failure_reason?: string;
  readonly session_id?: string;
  readonly work_dir?: string;
  /** The body is not JSON (checked after the access rule). */
  readonly invalid_body?: boolean;
}

export function* failTask(input: FailTaskInput): Program<Outcome> {
  const access = yield* daemonTaskAccess(input);
  if (!access.ok) return access.outcome;
  if (input.invalid_body === true) return fail(400, 'invalid request body');
  const taskId = col(access.value, 'id');

  const errorText = input.error ?? '';
  const failureReason = nullIfEmpty(input.failure_reason);
  const sessionId = nullIfEmpty(input.session_id);
  const workDir = nullIfEmpty(input.work_dir);

  const args = { id: taskId, error: errorText, failure_reason: failureReason, session_id: sessionId, work_dir: workDir };
  const failed = yield* finishTask('fail', 'FailAgentTask', args, sessionId, workDir);
  if (!failed.ok) return failed.outcome;
  const t = failed.value;
  const child = yield* maybeRetryFailedTask(t);
  if (col(t, 'chat_session_id') !== null && child === null) {
    // failure_reason is what the daemon sent (NULL when none), not the row's 'agent_error'.
    yield* writeAssistantMessage(t, redact(errorText), failureReason);
  }
  yield* refreshAgentStatus(col(t, 'agent_id'));
  return respond(200, t);
}

// Recover-orphans and sweepers -----------------------------------------------------------------

export type RecoverOrphansInput = DaemonRuntimeInput;

/** `POST /api/daemon/runtimes/{runtimeId}/recover-orphans` → 200 `{orphaned, retried}`. */
export function* recoverOrphans(input: RecoverOrphansInput): Program<Outcome> {
  const access = runtimeAccess(input);
  if (!access.ok) return access.outcome;
  const rows = yield* goMany('RecoverOrphanedTasksForRuntime', { runtime_id: input.runtime_id });
  if (!rows.ok) return fail(500, 'failed to recover orphaned tasks');
  const retried = yield* handleFailedTasks(rows.value);
  return respond(200, { orphaned: rows.value.length, retried });
}

/** The sweepers take no input; the runtime-offline marking is a fixture (FixtureSetRuntimeStatus). */
export type SweepInput = Readonly<Record<string, never>>;

/**
 * The stale sweeper's timeouts are the server's configuration, 300 s and 9000 s at 60b (the
 * defaults). A test sets others — negative ones, which have elapsed for every task — so that a run
 * lasting seconds meets a stale task and the sweeper's retry and refresh are compared.
 */
export interface StaleSweepInput {
  readonly dispatch_timeout_secs?: number;
  readonly running_timeout_secs?: number;
}

function* sweep(name: string, args: Readonly<Record<string, Value>>): Program<Outcome> {
  const rows: Go<readonly Row[]> = yield* goMany(name, args);
  if (!rows.ok) return fail(500, rows.error.message);
  const retried = yield* handleFailedTasks(rows.value);
  return respond(200, { failed: rows.value.length, retried });
}

/**
 * Not an HTTP route: the 30 s sweeper's FailStaleTasks(300, 9000) and HandleFailedTasks. Answers
 * 200 `{failed, retried}`, or 500 with the query error (the server only logs it).
 */
export function* sweepStaleTasks(input: StaleSweepInput = {}): Program<Outcome> {
  return yield* sweep('FailStaleTasks', {
    dispatch_timeout_secs: input.dispatch_timeout_secs ?? DISPATCH_TIMEOUT_SECS,
    running_timeout_secs: input.running_timeout_secs ?? RUNNING_TIMEOUT_SECS,
  });
}

/**
 * Not an HTTP route: the sweeper's FailTasksForOfflineRuntimes (run when it marked a runtime offline)
 * and HandleFailedTasks. Same answer shape as sweepStaleTasks.
 */
export function* sweepOfflineRuntimes(_input: SweepInput = {}): Program<Outcome> {
  return yield* sweep('FailTasksForOfflineRuntimes', {});
}
