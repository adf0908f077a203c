/**
 * Workflow mutants: small wrong versions of the handlers, run on PostgreSQL's side in place of the
 * catalogue's workflow while the model keeps the spec (the sequential property compares the two
 * free-running, src/sequential/free-run.ts; the race explorer judges the mutant's interleavings by
 * the spec's serial outcomes). Four families, as issue 9 lists them: a step dropped, a transaction
 * split into autocommits, two adjacent steps swapped, a guard dropped. Ids are stable:
 * `workflow:<Workflow>:<change>`.
 */
import type { WorkflowName } from '../../model/workflows/index.js';
import type { WorkflowMutant } from './mutant.js';
import {
  cancelAnyCreator,
  claimVersion,
  completeVersion,
  createChatSessionArchivedAgentAllowed,
  deleteVersion,
  failVersion,
  markReadAnyCreator,
  pinWithNothing,
  sendVersion,
  startAnyWorkspace,
} from './workflow-handwritten.js';
import { catalogueWorkflow, dropQuery, dropTransactions, execDone, lockedRow, noRow, noRows, someRow, type AnyWorkflow } from './workflow-transformers.js';

function mutant(of: WorkflowName, change: string, description: string, program: AnyWorkflow): WorkflowMutant {
  return { id: `workflow:${of}:${change}`, family: 'workflow', of, description, program };
}

const spec = catalogueWorkflow;

/** The agent status refresh; every caller ignores its answer, so "no row" stands in for it. */
const dropRefresh = (of: WorkflowName, where: string): WorkflowMutant =>
  mutant(of, 'drop-refresh', `${of}: drop RefreshAgentStatusFromTasks ${where} (agent status and updated_at left stale)`, dropQuery(spec(of), 'RefreshAgentStatusFromTasks', noRow));

export const workflowMutants: readonly WorkflowMutant[] = [
  // DeleteChatSession (§5) ----------------------------------------------------------------------
  mutant('DeleteChatSession', 'drop-lock', 'DeleteChatSession: drop LockChatSessionForDelete (cancel and delete still in one transaction; = variant delete:tx-no-lock)', dropQuery(spec('DeleteChatSession'), 'LockChatSessionForDelete', lockedRow)),
  mutant('DeleteChatSession', 'drop-cancel', 'DeleteChatSession: drop CancelAgentTasksByChatSession (live tasks outlive the session, unlinked)', dropQuery(spec('DeleteChatSession'), 'CancelAgentTasksByChatSession', noRows)),
  mutant('DeleteChatSession', 'split-transaction', 'DeleteChatSession: no BEGIN/COMMIT: lock, cancel and delete each autocommit (the lock then holds nothing)', dropTransactions(spec('DeleteChatSession'))),
  mutant('DeleteChatSession', 'swap-cancel-delete', 'DeleteChatSession: DeleteChatSession before CancelAgentTasksByChatSession (the cancel then finds the tasks already unlinked)', deleteVersion({ order: 'lock-delete-cancel' })),
  mutant('DeleteChatSession', 'drop-owner-check', 'DeleteChatSession: the loader lets a non-creator through (no 403 "not your chat session")', deleteVersion({ ownerCheck: false })),
  dropRefresh('DeleteChatSession', 'after the commit, for each cancelled task'),

  // SendChatMessage (§4) ------------------------------------------------------------------------
  mutant('SendChatMessage', 'drop-touch', 'SendChatMessage: drop TouchChatSession (updated_at not bumped)', dropQuery(spec('SendChatMessage'), 'TouchChatSession', execDone)),
  mutant('SendChatMessage', 'drop-content-check', 'SendChatMessage: no 400 "content is required": an empty or absent content is stored as \'\'', sendVersion({ contentCheck: false })),
  mutant('SendChatMessage', 'drop-owner-check', 'SendChatMessage: the loader lets a non-creator through (no 403 "not your chat session")', sendVersion({ ownerCheck: false })),
  mutant('SendChatMessage', 'drop-archived-session-check', 'SendChatMessage: no 400 "chat session is archived": a send to an archived session goes through', sendVersion({ archivedSessionCheck: false })),
  mutant('SendChatMessage', 'drop-archived-agent-check', 'SendChatMessage: EnqueueChatTask queues a task for an archived agent (no "agent is archived")', sendVersion({ archivedAgentCheck: false })),
  mutant('SendChatMessage', 'swap-message-task', 'SendChatMessage: EnqueueChatTask (GetAgent, CreateChatTask) before CreateChatMessage', sendVersion({ order: 'task-message-touch' })),
  mutant('SendChatMessage', 'swap-task-touch', 'SendChatMessage: TouchChatSession before EnqueueChatTask (touched even when the enqueue fails)', sendVersion({ order: 'message-touch-task' })),

  // CompleteTask (§8) ---------------------------------------------------------------------------
  mutant('CompleteTask', 'drop-resume-pointer', 'CompleteTask: drop UpdateChatSessionSession (resume pointer and updated_at not moved)', dropQuery(spec('CompleteTask'), 'UpdateChatSessionSession', execDone)),
  mutant('CompleteTask', 'drop-assistant-message', 'CompleteTask: drop CreateChatMessage of the assistant reply (the unread stamp still set)', dropQuery(spec('CompleteTask'), 'CreateChatMessage', someRow)),
  mutant('CompleteTask', 'drop-set-unread', 'CompleteTask: drop SetUnreadSinceIfNull (the reply never shows as unread)', dropQuery(spec('CompleteTask'), 'SetUnreadSinceIfNull', execDone)),
  dropRefresh('CompleteTask', 'after the chat branch'),
  mutant('CompleteTask', 'split-transaction', 'CompleteTask: no BEGIN/COMMIT: CompleteAgentTask and UpdateChatSessionSession autocommit separately', dropTransactions(spec('CompleteTask'))),
  mutant('CompleteTask', 'swap-message-unread', 'CompleteTask: SetUnreadSinceIfNull before CreateChatMessage (stamped whether or not the insert succeeds)', completeVersion({ unreadFirst: true })),
  mutant('CompleteTask', 'message-before-pointer', 'CompleteTask: the resume pointer moved out of the transaction, after the assistant message', completeVersion({ pointerInTransaction: false })),
  mutant('CompleteTask', 'drop-idempotent-check', 'CompleteTask: a task that is not running is not left alone: message, unread stamp and refresh run on its row as it is', completeVersion({ idempotentCheck: false })),
  mutant('CompleteTask', 'drop-empty-output-check', 'CompleteTask: an empty output still writes an assistant message (\'\') and the unread stamp', completeVersion({ emptyOutputCheck: false })),
  mutant('CompleteTask', 'drop-invalid-body-check', 'CompleteTask: no 400 "invalid request body": a body that is not JSON completes the task with empty fields', completeVersion({ invalidBodyCheck: false })),
  mutant('CompleteTask', 'drop-workspace-check', 'CompleteTask: the access rule serves a daemon of another workspace (no 404 "not found")', completeVersion({ workspaceCheck: false })),

  // FailTask (§9) -------------------------------------------------------------------------------
  mutant('FailTask', 'drop-resume-pointer', 'FailTask: drop UpdateChatSessionSession (resume pointer and updated_at not moved)', dropQuery(spec('FailTask'), 'UpdateChatSessionSession', execDone)),
  mutant('FailTask', 'drop-set-unread', 'FailTask: drop SetUnreadSinceIfNull (the failure message never shows as unread)', dropQuery(spec('FailTask'), 'SetUnreadSinceIfNull', execDone)),
  mutant('FailTask', 'drop-retry', 'FailTask: drop CreateRetryTask (MaybeRetryFailedTask never creates a child; the failure message is written instead)', dropQuery(spec('FailTask'), 'CreateRetryTask', noRow)),
  dropRefresh('FailTask', 'after the chat branch'),
  mutant('FailTask', 'split-transaction', 'FailTask: no BEGIN/COMMIT: FailAgentTask and UpdateChatSessionSession autocommit separately', dropTransactions(spec('FailTask'))),
  mutant('FailTask', 'drop-retry-check', 'FailTask: the failure message and unread stamp are written even when a retry child was created', failVersion({ retryCheck: false })),
  mutant('FailTask', 'drop-idempotent-check', 'FailTask: a task that is not dispatched/running is not left alone: retry, message and refresh run on its row as it is', failVersion({ idempotentCheck: false })),

  // ClaimTask (§10) -----------------------------------------------------------------------------
  mutant('ClaimTask', 'drop-capacity-check', 'ClaimTask: no CountRunningTasks: an agent at max_concurrent_tasks is still given a task', claimVersion({ capacityCheck: false })),
  mutant('ClaimTask', 'drop-runtime-check', 'ClaimTask: a task ClaimTask dispatched for another runtime (its agent moved) is handed to this one', claimVersion({ runtimeCheck: false })),
  mutant('ClaimTask', 'drop-isolation-check', 'ClaimTask: no workspace isolation check: a task whose session is gone or foreign is handed out, not cancelled with 500', claimVersion({ isolationCheck: false })),
  dropRefresh('ClaimTask', 'after ClaimAgentTask and after an isolation cancel'),

  // The other user routes ------------------------------------------------------------------------
  mutant('CreateChatSession', 'drop-archived-agent-check', 'CreateChatSession: no 400 "agent is archived": a session is created for an archived agent', createChatSessionArchivedAgentAllowed),
  mutant('MarkChatSessionRead', 'drop-mark', 'MarkChatSessionRead: drop MarkChatSessionRead (204, unread_since left set)', dropQuery(spec('MarkChatSessionRead'), 'MarkChatSessionRead', execDone)),
  mutant('MarkChatSessionRead', 'drop-owner-check', 'MarkChatSessionRead: the loader lets a non-creator through (no 403 "not your chat session")', markReadAnyCreator),
  mutant('CancelTaskByUser', 'drop-owner-check', 'CancelTaskByUser: no 403 "not your task": anyone in the session\'s workspace cancels', cancelAnyCreator),
  dropRefresh('CancelTaskByUser', 'after a cancel that changed the task'),

  // The other daemon routes ----------------------------------------------------------------------
  mutant('StartTask', 'drop-workspace-check', 'StartTask: the access rule serves a daemon of another workspace (no 404 "not found")', startAnyWorkspace),
  mutant('PinTaskSession', 'drop-empty-check', 'PinTaskSession: no 400 "session_id or work_dir required": an empty pin runs UpdateAgentTaskSession (heartbeat bumped)', pinWithNothing),
  mutant('RecoverOrphans', 'drop-retry', 'RecoverOrphans: drop CreateRetryTask (orphans failed with a retryable reason are never retried)', dropQuery(spec('RecoverOrphans'), 'CreateRetryTask', noRow)),
  mutant('SweepStaleTasks', 'drop-retry', 'SweepStaleTasks: drop CreateRetryTask (timed-out tasks are never retried)', dropQuery(spec('SweepStaleTasks'), 'CreateRetryTask', noRow)),
  dropRefresh('SweepOfflineRuntimes', 'after failing the offline runtimes\' tasks'),
];
