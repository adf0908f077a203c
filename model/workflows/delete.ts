/**
 * DeleteChatSession, final 60b version (workflows.md §5; send-vs-delete-race.md §1 D1–D6): the loader
 * outside the transaction, then lock, cancel, delete in one transaction, then an agent status
 * refresh per cancelled task after the commit.
 */
import { begin, commit, type Outcome, type Program } from '../program.js';
import { attempt, col, fail, goExec, goMany, goOne, noContent, refreshAgentStatus, rollbackQuietly } from './common.js';
import { loadSession, type SessionRouteInput } from './sessions.js';

export type DeleteChatSessionInput = SessionRouteInput;

export function deleteChatSession(input: DeleteChatSessionInput): Program<Outcome> {
  return deleteInTransaction(input, { lock: true });
}

/**
 * The final delete, with or without its first statement, the row lock (without it: the variant
 * delete:tx-no-lock, delete-variants.ts).
 */
export function* deleteInTransaction(input: DeleteChatSessionInput, { lock }: { readonly lock: boolean }): Program<Outcome> {
  const session = yield* loadSession(input);
  if (!session.ok) return session.outcome;
  const id = col(session.value, 'id');

  const started = yield* attempt(begin());
  if (!started.ok) return fail(500, 'failed to start transaction');

  if (lock) {
    const locked = yield* goOne('LockChatSessionForDelete', { id });
    if (!locked.ok) {
      yield* rollbackQuietly();
      // The row vanished since the loader (e.g. a concurrent delete): nothing left to do.
      if (locked.error.noRows) return noContent;
      return fail(500, 'failed to lock chat session');
    }
  }

  const cancelled = yield* goMany('CancelAgentTasksByChatSession', { chat_session_id: id });
  if (!cancelled.ok) {
    yield* rollbackQuietly();
    return fail(500, 'failed to cancel chat session tasks');
  }

  const deleted = yield* goExec('DeleteChatSession', { id });
  if (!deleted.ok) {
    yield* rollbackQuietly();
    return fail(500, 'failed to delete chat session');
  }

  const committed = yield* attempt(commit());
  if (!committed.ok) return fail(500, 'failed to commit chat session delete');

  for (const task of cancelled.value) yield* refreshAgentStatus(col(task, 'agent_id'));
  return noContent;
}
