import { describe, expect, it } from 'vitest';
import type { Arg } from '../../src/sequential/arguments.js';
import { fixtureReach, fullReach } from '../../src/sequential/reach.js';
import { withMigratedDatabase } from '../support/database.js';
import { claim, createSession, lit, query, row, send, start, withScenario, workflow } from '../support/scenario.js';

/**
 * The fixture queries that carry the sequential property past chat's own rows (issues, issue and
 * autopilot tasks, an agent's capacity) and the inputs it now generates (elapsed sweep timeouts,
 * NULLs and duplicates in direct query calls), each on the model and on PostgreSQL in lockstep:
 * every statement, answer and table must agree, or the command throws.
 *
 * Bootstrap world (test/support/scenario.ts): workspace 0 (acme) with runtimes 0 and 1, agents 0
 * (on runtime 0) and 1; workspace 1 (globex) with runtime 2 and agent 2; users 0 (ada) and 1.
 */

const agent = (pick: number): Arg => row('agent', pick);
const task = (pick: number): Arg => row('agent_task_queue', pick);
const issue = (pick: number): Arg => row('issue', pick);
const createIssue = (workspace = 0) => query('FixtureCreateIssue', { workspace_id: row('workspace', workspace) });
const issueTask = (forAgent: number, ofIssue: number, priority = 2) => query('FixtureCreateIssueTask', { agent_id: agent(forAgent), issue_id: issue(ofIssue), priority: lit(priority) });
const autopilotTask = (forAgent: number, priority = 2) => query('FixtureCreateAutopilotTask', { agent_id: agent(forAgent), autopilot_run_id: { unknown: 100 }, priority: lit(priority) });
const claimFor = (forAgent: number) => query('ClaimAgentTask', { agent_id: agent(forAgent) });
const startTask = (pick: number) => query('StartAgentTask', { id: task(pick) });
const capacity = (forAgent: number, max: number | null) => query('FixtureSetAgentMaxConcurrentTasks', { max_concurrent_tasks: lit(max), id: agent(forAgent) });
const failStale = (dispatch: number, running: number) => query('FailStaleTasks', { dispatch_timeout_secs: lit(dispatch), running_timeout_secs: lit(running) });

describe('fixtures and inputs beyond chat, model and PostgreSQL in lockstep', () => {
  it('issue tasks: queued on the agent\'s runtime, one pending per issue and agent (23505), claim rule 1, the issue cascade', async () => {
    await withScenario(async (s) => {
      await s.runAll(createIssue(), issueTask(0, 0));
      expect(s.get('agent_task_queue', 0)).toMatchObject({ status: 'queued', issue_id: s.id('issue', 0), chat_session_id: null, autopilot_run_id: null, runtime_id: s.id('agent_runtime', 0), priority: 2 });
      expect(await s.run(issueTask(0, 0))).toMatchObject({ code: '23505', constraint: 'idx_one_pending_task_per_issue_agent' });
      expect(await s.run(issueTask(1, 0))).toMatchObject({ kind: 'one' }); // another agent: another key

      await s.runAll(claimFor(0), startTask(0));
      expect(s.get('agent_task_queue', 0)!.status).toBe('running'); // running leaves the partial index
      await s.run(issueTask(0, 0));
      expect(s.get('agent_task_queue', 2)).toMatchObject({ status: 'queued', issue_id: s.id('issue', 0) });
      // Rule 1: the queued task of the same issue waits while the first one runs; an autopilot task does not.
      expect(await s.run(claimFor(0))).toEqual({ kind: 'one', row: null });
      await s.run(autopilotTask(0, 0));
      expect(await s.run(claimFor(0))).toMatchObject({ kind: 'one', row: { id: s.id('agent_task_queue', 3), autopilot_run_id: 'unknown:100', status: 'dispatched' } });
      // A retry of the running task would be a second pending task of the issue.
      expect(await s.run(query('CreateRetryTask', { id: task(0) }))).toMatchObject({ code: '23505', constraint: 'idx_one_pending_task_per_issue_agent' });

      // The user cancel route has no issue link to follow (issues are not modelled): 404, nothing cancelled.
      const cancel = workflow('CancelTaskByUser', { task_id: task(2), workspace_id: row('workspace', 0), user_id: row('user', 0) });
      expect(await s.run(cancel)).toEqual({ status: 404, body: { error: 'task not found' } });

      expect(await s.run(query('FixtureDeleteIssue', { id: issue(0) }))).toEqual({ kind: 'exec', affected: 1 });
      expect(s.rows('agent_task_queue').map((t) => t['id'])).toEqual([s.id('agent_task_queue', 3)]); // the issue's tasks went with it
      expect(await s.real(`SELECT count(*)::int AS n FROM agent_task_queue WHERE issue_id IS NOT NULL`)).toEqual([{ n: 0 }]);
    });
  });

  it('an issue task without such an agent: runtime_id is NULL, 23502 before any foreign key', async () => {
    await withScenario(async (s) => {
      await s.run(createIssue());
      expect(await s.run(query('FixtureCreateIssueTask', { agent_id: { unknown: 1 }, issue_id: issue(0), priority: lit(0) }))).toMatchObject({ code: '23502' });
      expect(s.rows('agent_task_queue')).toEqual([]);
    });
  });

  it('capacity: the claim stops at max_concurrent_tasks, counting the agent\'s issue task in flight; NULL is 23502', async () => {
    await withScenario(async (s) => {
      await s.runAll(createIssue(), issueTask(0, 0), claimFor(0), capacity(0, 1));
      expect(s.get('agent', 0)!.max_concurrent_tasks).toBe(1);
      await s.runAll(createSession(0), send(0, 'hello'));
      expect(await s.run(claim(0))).toEqual({ status: 200, body: { task: null } });
      expect(s.get('agent_task_queue', 1)!.status).toBe('queued');

      await s.run(capacity(0, 2));
      expect(await s.run(claim(0))).toMatchObject({ status: 200, body: { task: { id: s.id('agent_task_queue', 1), status: 'dispatched' } } });
      expect(await s.run(capacity(0, null))).toMatchObject({ code: '23502' });
      expect(s.get('agent', 0)!.max_concurrent_tasks).toBe(2);
    });
  });

  it('FailStaleTasks: negative timeouts have elapsed for every task in flight, the real ones for none', async () => {
    await withScenario(async (s) => {
      await s.runAll(createSession(0), send(0, 'a'), claim(0), start(0), createSession(1), send(1, 'b'), claim(1));
      expect(s.rows('agent_task_queue').map((t) => t['status'])).toEqual(['running', 'dispatched']);

      expect(await s.run(failStale(300, 9000))).toEqual({ kind: 'many', rows: [] });
      expect(await s.run(failStale(-1, 9000))).toMatchObject({ kind: 'many', rows: [{ id: s.id('agent_task_queue', 1), status: 'failed', failure_reason: 'timeout' }] });
      expect(await s.run(failStale(300, -0.5))).toMatchObject({ kind: 'many', rows: [{ id: s.id('agent_task_queue', 0), error: 'task timed out' }] });
    });
  });

  it('a NULL in a NOT NULL column and a duplicate UNIQUE value, written by direct query calls', async () => {
    await withScenario(async (s) => {
      const title = (value: string | null) => query('CreateChatSession', { workspace_id: row('workspace', 0), agent_id: agent(0), creator_id: row('user', 0), title: lit(value) });
      expect(await s.run(title(null))).toMatchObject({ code: '23502' });
      expect(await s.run(query('CreateChatTask', { agent_id: agent(0), runtime_id: row('agent_runtime', 0), priority: lit(null), chat_session_id: row('chat_session', 0) }))).toMatchObject({ code: '23502' });

      const slug: Arg = { columnOf: row('workspace', 0), table: 'workspace', column: 'slug', otherwise: lit('ws-1') };
      expect(await s.run(query('FixtureCreateWorkspace', { name: lit('copy'), slug }))).toMatchObject({ code: '23505', constraint: 'workspace_slug_key' });
      const email: Arg = { columnOf: row('user', 1), table: 'user', column: 'email', otherwise: lit('user-1') };
      expect(await s.run(query('FixtureCreateUser', { name: lit('copy'), email }))).toMatchObject({ code: '23505', constraint: 'user_email_key' });
      const name: Arg = { columnOf: agent(2), table: 'agent', column: 'name', otherwise: lit('agent-1') };
      const sameWorkspace: Arg = { columnOf: agent(2), table: 'agent', column: 'workspace_id', otherwise: row('workspace', 0) };
      expect(await s.run(query('FixtureCreateAgent', { workspace_id: sameWorkspace, name, runtime_id: row('agent_runtime', 2) }))).toMatchObject({ code: '23505', constraint: 'agent_workspace_name_unique' });
      // The same name in the other workspace is another key.
      expect(await s.run(query('FixtureCreateAgent', { workspace_id: row('workspace', 0), name, runtime_id: row('agent_runtime', 0) }))).toMatchObject({ kind: 'one' });
    });
  });
});

describe('which fixture rows the schema under test takes', () => {
  it('the bundled schema: issues and autopilot runs; upstream\'s issue columns and autopilot_run foreign key: neither', async () => {
    await withMigratedDatabase(async (client) => {
      expect(await fixtureReach(client)).toEqual(fullReach);
      // A column with a default, or a nullable one, still lets FixtureCreateIssue insert.
      await client.query(`ALTER TABLE issue ADD COLUMN number integer NOT NULL DEFAULT 0, ADD COLUMN description text`);
      expect(await fixtureReach(client)).toEqual(fullReach);
      // As upstream's issue table has them: NOT NULL, no default.
      await client.query(`ALTER TABLE issue ADD COLUMN title text NOT NULL`);
      expect(await fixtureReach(client)).toEqual({ issues: false, autopilotRuns: true });
      await client.query(`CREATE TABLE autopilot_run (id uuid PRIMARY KEY)`);
      await client.query(`ALTER TABLE agent_task_queue ADD FOREIGN KEY (autopilot_run_id) REFERENCES autopilot_run (id) ON DELETE SET NULL`);
      expect(await fixtureReach(client)).toEqual({ issues: false, autopilotRuns: false });
    });
  });
});
