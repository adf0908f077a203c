import { checkNeverFails, defaultUnused, neverNull, type ColumnRules, type ColumnWrite } from './column-writes.js';

/**
 * Mutants no test can observe, each reviewed by hand, with the reason. They are listed in every
 * report as `equivalent` and left out of the score's denominator — openly, never silently. A new
 * entry needs the argument why no sequence of commands and no interleaving could tell the mutant
 * from the original; "the suite does not catch it" is a survivor, not an equivalent.
 */
const ONE_ROW =
  'a :one query hands its caller the first row (sqlc QueryRow; run-query.ts the same); without LIMIT 1 the first row of the same ORDER BY is the same row';
const NEVER_SET = (column: string) => `no query (under test or fixture) ever writes ${column}: it is NULL in every row, so its ON DELETE action never fires`;
const SAME_CASCADE =
  'a retry copies its parent\'s agent_id, runtime_id and issue_id and no query changes them later; no query deletes a task but through those cascades, so a parent always goes in the same statement as its children';
const NO_MEMBERS =
  'no query under test reads or writes member and the generators make no member rows (the model takes "user_id is a member of workspace_id" as given): nothing about the table can show';

/** FOR UPDATE in the claim weakened to FOR NO KEY UPDATE or FOR SHARE. */
const CLAIM_LOCK =
  'FOR UPDATE, FOR NO KEY UPDATE and FOR SHARE differ only against a KEY SHARE or SHARE lock: all three conflict with the NO KEY UPDATE lock of another claim, cancel or delete, which then skips the row alike. No statement takes SHARE on a task, and KEY SHARE only an insert that names a task as parent_task_id (CreateRetryTask: its parent is failed) or as a message\'s task_id (CompleteTask, FailTask: a running task), never a queued candidate';

/** A NOT NULL or DEFAULT dropped from a column that only its default, or a non-NULL constant, ever fills. */
const ALWAYS_FILLED = (column: string, how: string) => `${column} is never NULL without the constraint either: ${how}`;

const memberMutants = [
  'id:drop-default',
  'workspace_id:drop-not-null',
  'workspace_id:on-delete-set-null',
  'workspace_id:on-delete-no-action',
  'user_id:drop-not-null',
  'user_id:on-delete-set-null',
  'user_id:on-delete-no-action',
  'created_at:drop-default',
  'member_workspace_id_user_id_key:drop-unique',
];

export const equivalentMutants: ReadonlyMap<string, string> = new Map<string, string>([
  ['sql:ListPendingChatTasksByCreator:join-type:1', 'the WHERE tests cs.workspace_id = $1 and cs.creator_id = $2, which reject every row LEFT JOIN adds with cs NULL'],
  ['sql:GetLastChatTaskSession:drop-limit:1', ONE_ROW],
  ['sql:GetPendingChatTask:drop-limit:1', ONE_ROW],
  ['schema:agent_runtime.owner_id:on-delete-cascade', NEVER_SET('agent_runtime.owner_id')],
  ['schema:agent_runtime.owner_id:on-delete-set-null', NEVER_SET('agent_runtime.owner_id')],
  ['schema:agent.owner_id:on-delete-cascade', NEVER_SET('agent.owner_id')],
  ['schema:agent.owner_id:on-delete-set-null', NEVER_SET('agent.owner_id')],
  ['schema:agent.archived_by:on-delete-cascade', NEVER_SET('agent.archived_by')],
  ['schema:agent.archived_by:on-delete-set-null', NEVER_SET('agent.archived_by')],
  ['schema:agent_runtime.agent_runtime_workspace_id_daemon_id_provider_key:drop-unique', 'no query writes daemon_id: it is NULL in every row, and NULLs never clash in a UNIQUE constraint'],
  ['schema:agent_task_queue.parent_task_id:on-delete-cascade', SAME_CASCADE],
  ['schema:agent_task_queue.parent_task_id:on-delete-no-action', SAME_CASCADE],
  ['schema:agent.status:drop-check', "agent.status is written only by RefreshAgentStatusFromTasks, with 'working' or 'idle', and filled by its DEFAULT: the CHECK can never fail"],
  ['schema:agent.status:drop-not-null', ALWAYS_FILLED('agent.status', "INSERTs leave it to its DEFAULT 'offline', and RefreshAgentStatusFromTasks writes a CASE whose every branch is a constant ('working' or 'idle')")],
  ['schema:agent_task_queue.attempt:drop-not-null', ALWAYS_FILLED('agent_task_queue.attempt', 'INSERTs leave it to its DEFAULT 1, and CreateRetryTask writes the parent\'s attempt + 1')],
  ['sql:ClaimAgentTask:lock-strength:1', CLAIM_LOCK],
  ['sql:ClaimAgentTask:lock-strength:2', CLAIM_LOCK],
  ...memberMutants.map((change): [string, string] => [`schema:member.${change}`, NO_MEMBERS]),
]);

/**
 * The three rules reviewed once by hand and applied to every file set, with the evidence read off
 * the parse trees of the queries (under test and chatcheck's fixtures): a NOT NULL dropped from a
 * column that every write fills with a non-NULL constant, function, copy of itself or DEFAULT; a
 * DEFAULT dropped from a column that every INSERT names; a CHECK dropped from a column that every
 * write fills with a constant (or DEFAULT) it allows, or a copy. No statement can then write the
 * NULL, need the DEFAULT or break the CHECK the mutant changes. Other query files get other answers.
 */
export function provenEquivalent(id: string, writes: ReadonlyMap<string, readonly ColumnWrite[]>, rules: ReadonlyMap<string, ColumnRules>): string | undefined {
  const match = /^schema:([^.:]+)\.([^.:]+):(drop-not-null|drop-default|drop-check)(?::(\d+))?$/.exec(id);
  if (match === null) return undefined;
  const column = `${match[1]}.${match[2]}`;
  const written = writes.get(column) ?? [];
  const columnRules = rules.get(column);
  switch (match[3]) {
    case 'drop-not-null': {
      const evidence = neverNull(written, columnRules?.default?.source);
      return evidence && `${column} is never NULL without the constraint either: every write fills it (${evidence})`;
    }
    case 'drop-default': {
      const evidence = defaultUnused(written);
      return evidence && `every INSERT into ${match[1]} names ${match[2]} and no UPDATE sets it to DEFAULT, so the DEFAULT is never used (${evidence})`;
    }
    default: {
      const evidence = checkNeverFails(written, columnRules, columnRules?.checks[Number(match[4] ?? 1) - 1]);
      return evidence && `every write of ${column} is a value its CHECK allows, so the CHECK never fails (${evidence})`;
    }
  }
}
