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
  'role:drop-not-null',
  'role:drop-check',
  'created_at:drop-not-null',
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
  ['schema:workspace.created_at:drop-not-null', ALWAYS_FILLED('workspace.created_at', 'no INSERT names it (its DEFAULT now() fills it) and no UPDATE sets it')],
  ['schema:workspace.issue_prefix:drop-not-null', ALWAYS_FILLED('workspace.issue_prefix', 'no INSERT names it (its DEFAULT fills it) and no UPDATE sets it')],
  ['schema:user.onboarding_questionnaire:drop-not-null', ALWAYS_FILLED('user.onboarding_questionnaire', 'no INSERT names it (its DEFAULT fills it) and no UPDATE sets it')],
  ['schema:agent_runtime.created_at:drop-not-null', ALWAYS_FILLED('agent_runtime.created_at', 'no INSERT names it (its DEFAULT now() fills it) and no UPDATE sets it')],
  ['schema:agent_runtime.status:drop-default', "the only INSERT into agent_runtime (FixtureCreateRuntime) names status ('online'): the DEFAULT is never used"],
  ['schema:agent.status:drop-check', "agent.status is written only by RefreshAgentStatusFromTasks, with 'working' or 'idle', and filled by its DEFAULT: the CHECK can never fail"],
  ['schema:chat_session.status:drop-not-null', ALWAYS_FILLED('chat_session.status', "INSERTs leave it to its DEFAULT and the one UPDATE writes 'archived'")],
  ['schema:agent_task_queue.status:drop-not-null', ALWAYS_FILLED('agent_task_queue.status', 'every INSERT and UPDATE writes a string constant (or leaves the DEFAULT)')],
  ['schema:agent_task_queue.attempt:drop-not-null', ALWAYS_FILLED('agent_task_queue.attempt', 'INSERTs leave it to its DEFAULT 1, and CreateRetryTask writes the parent\'s attempt + 1')],
  [
    'sql:ClaimAgentTask:lock-strength:1',
    'FOR UPDATE and FOR NO KEY UPDATE differ only against KEY SHARE: both conflict with another claim\'s lock; the one statement that takes KEY SHARE on a task is an insert naming it as parent_task_id (CreateRetryTask), and a retry\'s parent is failed, never a queued candidate',
  ],
  ...memberMutants.map((change): [string, string] => [`schema:member.${change}`, NO_MEMBERS]),
]);
