import type { CaseExpectation } from './case-file.js';

const LIVE = `status IN ('queued', 'dispatched', 'running')`;
const IN_FLIGHT = `status IN ('dispatched', 'running')`;

/**
 * Each rule of model/invariants.ts as a query for the rows that break it: the bad state of a race
 * that broke the rule, as a race export shows it (no row: the rule holds).
 */
const INVARIANT_QUERIES: Readonly<Record<string, string>> = {
  'no live chat task outlives its session': `SELECT id, status, chat_session_id, issue_id, autopilot_run_id FROM agent_task_queue WHERE ${LIVE} AND chat_session_id IS NULL AND issue_id IS NULL AND autopilot_run_id IS NULL ORDER BY created_at`,
  'no message outlives its session': `SELECT m.id, m.chat_session_id, m.role, m.content FROM chat_message m WHERE NOT EXISTS (SELECT 1 FROM chat_session s WHERE s.id = m.chat_session_id) ORDER BY m.created_at`,
  'one in-flight task per agent and chat session': `SELECT agent_id, chat_session_id, count(*) AS in_flight, string_agg(id::text || ' ' || status, ', ' ORDER BY id) AS tasks FROM agent_task_queue WHERE ${IN_FLIGHT} AND chat_session_id IS NOT NULL GROUP BY agent_id, chat_session_id HAVING count(*) > 1`,
  'one in-flight task per agent and issue': `SELECT agent_id, issue_id, count(*) AS in_flight, string_agg(id::text || ' ' || status, ', ' ORDER BY id) AS tasks FROM agent_task_queue WHERE ${IN_FLIGHT} AND issue_id IS NOT NULL GROUP BY agent_id, issue_id HAVING count(*) > 1`,
  'dispatched tasks have dispatched_at': `SELECT id, status, dispatched_at FROM agent_task_queue WHERE ${IN_FLIGHT} AND dispatched_at IS NULL ORDER BY created_at`,
  'running tasks have started_at': `SELECT id, status, started_at FROM agent_task_queue WHERE status = 'running' AND started_at IS NULL ORDER BY created_at`,
  'finished tasks have completed_at': `SELECT id, status, completed_at FROM agent_task_queue WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at IS NULL ORDER BY created_at`,
};

/** The chat rows a race acts on, for a finding that is not a broken rule: what the tables ended as. */
const CHAT_ROWS = [
  `SELECT 'chat_session' AS "table", id, status::text AS status, NULL::text AS detail FROM chat_session`,
  `SELECT 'chat_message', id, role::text, content::text FROM chat_message`,
  `SELECT 'agent_task_queue', id, status::text, coalesce('chat_session_id ' || chat_session_id::text, 'chat_session_id NULL') FROM agent_task_queue`,
].join('\nUNION ALL\n');

/** The query whose output shows a race case's bad state, and what to read in it; none when a step's own output shows it. */
export interface BadStateQuery {
  readonly sql: string;
  /** Comment lines: what the output shows. */
  readonly explain: readonly string[];
}

/**
 * What shows the case's bad state once the schedule has run. A broken rule: the rows that break it,
 * each with the rule's name beside it (the rule holds when no row comes back). A deadlock, an
 * unexpected error, a wait or a hang shows in the steps' own output (ERROR: deadlock detected, the
 * step that waits): no query. Another outcome than every serial order's: the chat rows as they
 * ended, to set beside what the case says the model expected.
 */
export function badStateQuery(expected: CaseExpectation): BadStateQuery | undefined {
  if (expected.kind === 'invariant') {
    const rule = expected.invariant ?? '';
    const query = INVARIANT_QUERIES[rule];
    if (query !== undefined) {
      return {
        sql: query.replace(/^SELECT /, `SELECT '${rule.replace(/'/g, "''")}' AS broken_rule, `),
        explain: [`The rows that break "${rule}" (none when the rule holds).`],
      };
    }
    return { sql: `${CHAT_ROWS}\nORDER BY 1, 2`, explain: [`The chat rows as the schedule left them: "${rule}" is broken among them.`] };
  }
  if (expected.kind === 'divergence') {
    return { sql: `${CHAT_ROWS}\nORDER BY 1, 2`, explain: ['The chat rows as the schedule left them, an outcome no serial order of the two calls has:', expected.summary] };
  }
  return undefined;
}
