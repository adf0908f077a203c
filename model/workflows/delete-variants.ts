/**
 * Earlier versions of DeleteChatSession, kept so the race explorer can show what the final one
 * (delete.ts) fixed (send-vs-delete-race.md §1 table, §3). Neither is 60b behaviour: they exist to be
 * run against the SQL under test and seen to orphan a task when a send races them.
 */
import type { Outcome, Program } from '../program.js';
import { col, fail, goExec, goMany, noContent, refreshAgentStatus } from './common.js';
import { deleteInTransaction, type DeleteChatSessionInput } from './delete.js';
import { loadSession } from './sessions.js';

/**
 * PR #2115's first commit (ce6039dd5d): the loader, then the cancel and the delete as separate
 * autocommits, with the agent status refresh in between. A cancel error is only logged. A task
 * committed after the cancel and before the delete is left live with every link NULL (§3).
 */
export function* deleteChatSessionV1(input: DeleteChatSessionInput): Program<Outcome> {
  const session = yield* loadSession(input);
  if (!session.ok) return session.outcome;
  const id = col(session.value, 'id');

  const cancelled = yield* goMany('CancelAgentTasksByChatSession', { chat_session_id: id });
  // On error v1 logs and goes on: the delete runs, and live tasks lose their session.
  if (cancelled.ok) for (const task of cancelled.value) yield* refreshAgentStatus(col(task, 'agent_id'));

  const deleted = yield* goExec('DeleteChatSession', { id });
  if (!deleted.ok) return fail(500, 'failed to delete chat session');
  return noContent;
}

/**
 * The final version without LockChatSessionForDelete: cancel and delete in one transaction, refresh
 * after the commit. Shows that the transaction alone does not close the race (§3, "One transaction
 * without the lock fails the same way"): nothing stops a send's insert between the cancel and the delete.
 */
export function deleteChatSessionTxNoLock(input: DeleteChatSessionInput): Program<Outcome> {
  return deleteInTransaction(input, { lock: false });
}
