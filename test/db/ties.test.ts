import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../model/program.js';
import { claim, createSession, lit, pin, query, row, send, start, withScenario } from '../support/scenario.js';

/**
 * A `:one` query with ORDER BY … LIMIT 1 whose sort keys tie may return any of the tied rows. The
 * tester accepts any of them and lets the model go on with the one PostgreSQL chose, as it does
 * for the rows of a `:many` list whose keys tie.
 *
 * Bootstrap world (see scenario.ts): agent 0 on runtime 0 (laptop), agent 1 on runtime 1 (cloud),
 * both in workspace 0 (acme), which ada calls.
 */
describe('ties in ORDER BY … LIMIT 1', () => {
  it('GetLastChatTaskSession after one RecoverOrphanedTasksForRuntime failed two pinned tasks of a session: PostgreSQL picks a tied row, the claim goes on with it', async () => {
    await withScenario(async (s) => {
      // Two running tasks of one chat session on runtime 0: the session's own (agent 0), and one of
      // agent 1 queued on runtime 0 by a direct CreateChatTask. One at a time per agent and session.
      await s.runAll(createSession(0), send(0, 'hello'));
      await s.run(query('CreateChatTask', { agent_id: row('agent', 1), runtime_id: row('agent_runtime', 0), priority: lit(0), chat_session_id: row('chat_session', 0) }));
      await s.runAll(claim(0), claim(0), start(0), start(1));
      // Pinned in the opposite order of creation: PostgreSQL's newest row versions are then the
      // second task's first, and the recovery below rewrites them in that order.
      await s.runAll(pin(1, { session_id: 'session-of-task-1' }), pin(0, { session_id: 'session-of-task-0' }));
      // One statement fails both: one now(), the same completed_at.
      await s.run(query('RecoverOrphanedTasksForRuntime', { runtime_id: row('agent_runtime', 0) }));
      const [first, second] = [s.get('agent_task_queue', 0)!, s.get('agent_task_queue', 1)!];
      expect([first.status, second.status]).toEqual(['failed', 'failed']);
      expect(first.completed_at).toBe(second.completed_at);

      // The next claim resumes from GetLastChatTaskSession: either pinned session is a right answer.
      await s.run(send(0, 'again'));
      const claimed = (await s.run(claim(0))) as Outcome;
      expect(claimed.status).toBe(200);
      expect(s.world.log.at(-1)).toMatch(/^ClaimTask\(/);
      const chosen = await s.real(
        `SELECT session_id FROM agent_task_queue WHERE chat_session_id = $1 AND status IN ('completed', 'failed') AND session_id IS NOT NULL ORDER BY completed_at DESC LIMIT 1`,
        s.id('chat_session', 0),
      );
      // PostgreSQL 15 and 17 both return the second task's here, where the model's first choice is
      // the first inserted: before ties were understood, this claim diverged at GetLastChatTaskSession.
      expect(chosen[0]!.session_id).toBe('session-of-task-1');
    });
  });
});
