import type { Finding, RaceFindingKind } from './oracle.js';
import type { RacingWorkflow } from './race-workflows.js';

/**
 * Defects of the bundled 60b queries and workflows themselves that the explorer found. The model
 * and the oracle stay as they are (the model is the spec); each defect is recorded as a case that
 * replays it, and `chatcheck check` lists a finding that matches exactly one of these under
 * knownFindings instead of failing — the same race (workflows and variants), the same kind, the
 * same anomaly (the statements of the wait-for cycle, or the rule broken). Anything else, in the
 * same race or not, is still a finding.
 */
export interface KnownFinding {
  /** A short stable name. */
  readonly id: string;
  /** The race, by the catalogue's names, and the schedule that shows the defect. */
  readonly race: readonly string[];
  readonly variants: readonly string[];
  readonly schedule: string;
  readonly kind: RaceFindingKind;
  /**
   * For a deadlock: each member of the cycle, as workflow and the statement it waits in. For an
   * invariant: the rule. For an unexpected error: the workflow that got it, and the SQLSTATE.
   */
  readonly anomaly:
    | { readonly deadlock: readonly { readonly workflow: string; readonly waitsIn: string }[] }
    | { readonly invariant: string }
    | { readonly unexpected: { readonly workflow: string; readonly sqlstate: string } };
  /** What goes wrong, and why. */
  readonly what: string;
  /** The change we would propose upstream. */
  readonly fix: string;
}

const lockOrderWhat = (finish: string) =>
  `DeleteChatSession locks the session (LockChatSessionForDelete, FOR UPDATE) and then the session's tasks (CancelAgentTasksByChatSession); ${finish} locks its task first (its UPDATE of agent_task_queue) and then the session (UpdateChatSessionSession, FOR NO KEY UPDATE) in the same transaction. Interleaved, each waits for the other: PostgreSQL aborts one of them after deadlock_timeout, so either the delete answers 500 "failed to cancel chat session tasks" or the daemon's call answers 400 and the daemon's report of the finished task is lost.`;

const lockOrderFix = (finish: string) =>
  `Take the two rows in one order everywhere: in ${finish}, lock the task's chat session before updating the task (e.g. a "SELECT id FROM chat_session WHERE id = (SELECT chat_session_id FROM agent_task_queue WHERE id = $1) FOR NO KEY UPDATE" as the transaction's first statement), so both transactions lock session, then task.`;

export const knownFindings: readonly KnownFinding[] = [
  ...(
    [
      ['complete', 'CompleteTask', 'CompleteAgentTask'],
      ['fail', 'FailTask', 'FailAgentTask'],
      ['fail-retry', 'FailTask', 'FailAgentTask'],
    ] as const
  ).map(
    ([name, workflow, update]): KnownFinding => ({
      id: `delete-${name}-lock-order`,
      race: ['delete', name],
      variants: [],
      schedule: 'AABBB',
      kind: 'deadlock',
      anomaly: {
        deadlock: [
          { workflow: 'delete', waitsIn: 'CancelAgentTasksByChatSession' },
          { workflow: name, waitsIn: 'UpdateChatSessionSession' },
        ],
      },
      what: lockOrderWhat(`${workflow} (${update}, then UpdateChatSessionSession)`),
      fix: lockOrderFix(workflow),
    }),
  ),
  {
    id: 'delete-fail-retry-orphan',
    race: ['delete', 'fail-retry'],
    variants: [],
    schedule: 'ABBBB',
    kind: 'invariant',
    anomaly: { invariant: 'no live chat task outlives its session' },
    what:
      'FailTask creates the retry (MaybeRetryFailedTask → CreateRetryTask) in an autocommit after its transaction. When the session is deleted in between — the delete cancels only live tasks, so it skips the failed parent and its ON DELETE SET NULL clears the parent\'s chat_session_id — CreateRetryTask copies the parent as it now is: a queued task with chat_session_id, issue_id and autopilot_run_id all NULL, which nothing delivers (send-vs-delete-race.md §6: a claim dispatches it and cancels it with 500 "task workspace isolation check failed"). No overlap is needed: the delete may run wholly between the two requests\' statements. The sweepers and recover-orphans retry through the same HandleFailedTasks path.',
    fix: 'Never create a retry whose parent has lost its owner: in CreateRetryTask, select the parent only while it still has one ("… WHERE id = $1 AND (chat_session_id IS NOT NULL OR issue_id IS NOT NULL OR autopilot_run_id IS NOT NULL)"), or create the retry inside the failing transaction, whose UpdateChatSessionSession lock makes the delete wait and then cancel the child.',
  },
  {
    id: 'delete-fail-retry-stale-parent',
    race: ['delete', 'fail-retry'],
    variants: [],
    schedule: 'ABBBBAAAB',
    kind: 'unexpected-error',
    anomaly: { unexpected: { workflow: 'fail-retry', sqlstate: '23503' } },
    what:
      'CreateRetryTask (INSERT … SELECT from the parent) reads the parent with a snapshot taken before a concurrent delete commits, so it still sees the parent\'s chat_session_id; its foreign-key check then waits for the delete\'s lock on the session and finds the session gone: 23503, which no serial order gives (run before the delete it succeeds, after it the parent\'s link is already NULL). FailTask counts the error as "no retry", its assistant message fails the same way, and it answers 200; the state ends as if the retry had never been tried.',
    fix: 'The same change as delete-fail-retry-orphan: create the retry inside the failing transaction (the session lock orders it before the delete, whose cancel then sees the child), or treat 23503 from CreateRetryTask as the expected "owner gone" answer and say so in the code.',
  },
];

/** The known finding this finding of this race is, if any. */
export function knownFindingOf(workflows: readonly RacingWorkflow[], finding: Finding): KnownFinding | undefined {
  const race = workflows.map((workflow) => workflow.name).sort();
  const variants = workflows.flatMap((workflow) => (workflow.variant === undefined ? [] : [workflow.variant])).sort();
  return knownFindings.find((known) => {
    if (known.kind !== finding.kind) return false;
    if (!sameList([...known.race].sort(), race) || !sameList([...known.variants].sort(), variants)) return false;
    if ('invariant' in known.anomaly) return finding.kind === 'invariant' && finding.invariant.name === known.anomaly.invariant;
    if ('unexpected' in known.anomaly) {
      const { workflow, sqlstate } = known.anomaly.unexpected;
      return finding.kind === 'unexpected-error' && finding.sqlstate === sqlstate && workflows[finding.session]!.name === workflow;
    }
    if (finding.kind !== 'deadlock') return false;
    const seen = finding.cycle.map((session, i) => `${workflows[session]!.name} ${finding.steps[i]!}`).sort();
    return sameList(known.anomaly.deadlock.map((member) => `${member.workflow} ${member.waitsIn}`).sort(), seen);
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
