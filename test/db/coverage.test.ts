import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { WorkflowName } from '../../model/workflows/index.js';
import { DEFAULT_MAX_COMMANDS, DEFAULT_RUNS } from '../../src/commands/sequential.js';
import { requiredQueries } from '../../src/queries/required.js';
import { failGuards, unreached, workflowLabel } from '../../src/sequential/coverage.js';
import { runSequential } from '../../src/sequential/property.js';
import { withTesterConnection } from '../support/database.js';

/** The guards several routes share: the session loader, the daemon's task and runtime access rules. */
const sessionLoader = ['400 invalid chat session id', '404 chat session not found', '403 not your chat session'];
const daemonTask = ['400 invalid task_id', '404 task not found', '404 not found'];
const daemonRuntime = ['400 invalid runtime_id', '404 runtime not found', '404 not found'];

/**
 * Per workflow, the outcomes the default budget must reach (model/workflows/*.ts): its success and
 * each 4xx guard. A label names an outcome, not a path: '404 task not found' is reached by any of
 * its three causes, '200' of CompleteTask by a finish or by the idempotent answer for a task
 * already finished.
 */
const reachable: Readonly<Record<WorkflowName, readonly string[]>> = {
  CreateChatSession: [
    '201',
    '400 invalid request body',
    '400 agent_id is required',
    '400 invalid agent_id',
    '404 agent not found',
    '400 agent is archived',
  ],
  ListChatSessions: ['200'],
  GetChatSession: ['200', ...sessionLoader],
  ListChatMessages: ['200', ...sessionLoader],
  MarkChatSessionRead: ['204', ...sessionLoader],
  GetPendingChatTask: ['200', ...sessionLoader],
  ListPendingChatTasks: ['200'],
  SendChatMessage: [
    '201',
    '400 invalid request body',
    '400 content is required',
    ...sessionLoader,
    '400 chat session is archived',
  ],
  DeleteChatSession: ['204', ...sessionLoader],
  CancelTaskByUser: ['200', '400 invalid task id', '404 task not found', '403 not your task'],
  StartTask: ['200', ...daemonTask, '400 start task: no rows in result set'],
  PinTaskSession: ['204', ...daemonTask, '400 session_id or work_dir required'],
  GetTaskStatus: ['200', ...daemonTask],
  CompleteTask: ['200', ...daemonTask, '400 invalid request body'],
  FailTask: ['200', ...daemonTask, '400 invalid request body'],
  RecoverOrphans: ['200', ...daemonRuntime],
  ClaimTask: ['200', ...daemonRuntime],
  SweepStaleTasks: ['200'],
  SweepOfflineRuntimes: ['200'],
};

/**
 * 500s that data alone causes: sequential commands reach them, the budget usually does, but they are
 * not pinned here (this test holds successes and 4xx guards; the rarest of these shows once or not
 * at all in a budget). Listed so that the source check below accounts for them.
 */
const reachableByData: Readonly<Partial<Record<WorkflowName, readonly string[]>>> = {
  // A creator that is not (any more) a user: the INSERT's foreign key fails.
  CreateChatSession: ['500 failed to create chat session'],
  // The session's agent was archived after the session was created.
  SendChatMessage: ['500 failed to enqueue chat task: agent is archived'],
  // A task whose session is gone, or whose session is in another workspace than the runtime.
  ClaimTask: ['500 task workspace isolation check failed'],
};

/**
 * Left out on purpose: the outcomes sequential commands cannot reach. Each needs a statement to
 * fail in a way the data cannot cause (a lost connection, a failed BEGIN or COMMIT, …) or another
 * request to change a row between two statements of one workflow (e.g. DeleteChatSession's lock
 * finding no row answers 204 like its success; CancelTaskByUser's cancel failing after the task was
 * read). One command at a time on a healthy server has neither; fault injection and concurrency
 * are other tests' business. Listed so that the source check below accounts for every guard.
 */
const unreachable: Readonly<Partial<Record<WorkflowName, readonly string[]>>> = {
  ListChatSessions: ['500 failed to list chat sessions'],
  ListChatMessages: ['500 failed to list chat messages'],
  MarkChatSessionRead: ['500 failed to mark session read'],
  ListPendingChatTasks: ['500 failed to list pending chat tasks'],
  SendChatMessage: ['500 failed to create chat message', '500 failed to enqueue chat task: load agent: …', '500 failed to enqueue chat task: create chat task: …'],
  DeleteChatSession: [
    '500 failed to start transaction',
    '500 failed to lock chat session',
    '500 failed to cancel chat session tasks',
    '500 failed to delete chat session',
    '500 failed to commit chat session delete',
  ],
  CancelTaskByUser: ['400 cancel task: …'],
  PinTaskSession: ['500 pin session failed'],
  // A task in no state the query accepts is the idempotent 200; only a failing statement is a 400.
  CompleteTask: ['400 complete task: …'],
  FailTask: ['400 fail task: …'],
  RecoverOrphans: ['500 failed to recover orphaned tasks'],
  ClaimTask: ['500 failed to claim task: …'],
  SweepStaleTasks: ['500 ERROR: … (SQLSTATE …)'],
  SweepOfflineRuntimes: ['500 ERROR: … (SQLSTATE …)'],
};

const workflowsDir = new URL('../../model/workflows/', import.meta.url);

/**
 * A fixed seed, so the run is the same on every server. The rarest outcomes above (an invalid body
 * past the task access rule, a stranger on a pending-task route) come up only a few times in a
 * budget: with the generators of issue 9, seeds 1 to 12 reached every query and every outcome at
 * 11 of 12 (seed 9 missed FailTask's 400 invalid request body); the rarest queries, counted as
 * reached only when they returned or changed something, came 3 to 19 times per budget
 * (ListPendingChatTasksByCreator, GetChatMessage, CancelAgentTasksByChatSession). Before, seed 12
 * missed GetPendingChatTask's 403, and FailStaleTasks never returned a row. A change to the
 * generators that makes one vanish here should be checked over a few seeds before the seed is
 * blamed.
 */
const SEED = 6;

describe('coverage of the default sequential budget', () => {
  it(`reaches every query under test (each returns or changes something at least once) and every success and 4xx guard of the workflows (seed ${SEED}, ${DEFAULT_RUNS} runs of ≤ ${DEFAULT_MAX_COMMANDS} commands)`, async () => {
    await withTesterConnection(async (connection, queries) => {
      const report = await runSequential(connection, queries, {
        runs: DEFAULT_RUNS,
        seed: SEED,
        maxCommands: DEFAULT_MAX_COMMANDS,
      });
      expect(report.finding?.summary).toBeUndefined();
      expect(unreached(report.coverage, requiredQueries.map(({ name }) => `query ${name}`))).toEqual([]);
      const expected = Object.entries(reachable).flatMap(([name, outcomes]) => outcomes.map((outcome) => workflowLabel(name, outcome)));
      expect(unreached(report.coverage, expected)).toEqual([]);
    });
  }, 120_000);

  it('accounts for every guard of the workflow sources, and lists none they lack', async () => {
    const files = (await readdir(workflowsDir)).filter((file) => file.endsWith('.ts'));
    const guards = (await Promise.all(files.map(async (file) => failGuards(await readFile(new URL(file, workflowsDir), 'utf8'))))).flat();
    expect(guards.length).toBeGreaterThan(30);
    const listed = [reachable, reachableByData, unreachable].flatMap((table) => Object.values(table).flat()).filter((outcome) => /^[45]/.test(outcome));
    // Every guard can end in some listed outcome: a new guard fails here until it is listed.
    expect(guards.filter((guard) => !listed.some((outcome) => guard.pattern.test(outcome))).map((guard) => guard.source)).toEqual([]);
    // Every listed outcome is some guard's: a guard removed or reworded fails here. A guard whose
    // message is an expression (an error's text) matches any message, so it only vouches for the
    // outcomes written with a placeholder (…).
    const vouches = (outcome: string) => guards.some((guard) => guard.pattern.test(outcome) && (guard.message !== 'expression' || outcome.includes('…')));
    expect(listed.filter((outcome) => !vouches(outcome))).toEqual([]);
  });
});
