/**
 * The race invariants (model/invariants.ts, raceInvariants): each fires on a state that breaks it and
 * not on one that keeps it, and no serial run of the workflows breaks any of them — while a bare
 * query can, which is why the sequential property does not check them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../model/errors.js';
import { allRaceInvariants, brokenInvariants, raceInvariants, type TableRow } from '../../model/invariants.js';
import { ModelDatabase } from '../../model/model-database.js';
import { exec, one, type Outcome, type Program, type StepResult } from '../../model/program.js';
import type { TableName } from '../../model/schema.js';
import { idOf, type State } from '../../model/state.js';
import type { Value } from '../../model/values.js';
import { createAgent, createWorld } from '../../model/workflows/fixtures.js';
import { variantWorkflow, workflows, type Workflow } from '../../model/workflows/index.js';
import type { DeleteChatSessionInput } from '../../model/workflows/delete.js';
import { QueryWorld } from '../support/model.js';

/** Each race invariant's offenders by name, as ids. */
function offenders(rows: Partial<Record<TableName, TableRow[]>>): Record<string, unknown> {
  const tables = (name: TableName) => rows[name] ?? [];
  return Object.fromEntries(
    raceInvariants.map((invariant) => [invariant.name, invariant.violations(tables(invariant.table), tables).map((group) => group.map((row) => row['id']))]),
  );
}

describe('race invariants on hand-built states', () => {
  const task = { agent_id: 'agent:1', chat_session_id: null, issue_id: null, autopilot_run_id: null };

  it('"no live chat task outlives its session": a queued, dispatched or running task with no link', () => {
    const agent_task_queue = [
      { ...task, id: 'agent_task_queue:1', status: 'queued' },
      { ...task, id: 'agent_task_queue:2', status: 'dispatched' },
      { ...task, id: 'agent_task_queue:3', status: 'running' },
      { ...task, id: 'agent_task_queue:4', status: 'cancelled' },
      { ...task, id: 'agent_task_queue:5', status: 'completed' },
      { ...task, id: 'agent_task_queue:6', status: 'queued', chat_session_id: 'chat_session:1' },
      { ...task, id: 'agent_task_queue:7', status: 'running', issue_id: 'issue:1' },
      { ...task, id: 'agent_task_queue:8', status: 'queued', autopilot_run_id: 'autopilot_run:1' },
    ];
    expect(offenders({ agent_task_queue })).toMatchObject({
      'no live chat task outlives its session': [['agent_task_queue:1'], ['agent_task_queue:2'], ['agent_task_queue:3']],
    });
    expect(offenders({ agent_task_queue: agent_task_queue.slice(3) })['no live chat task outlives its session']).toEqual([]);
  });

  it('"no message outlives its session": a message whose session is not a chat_session row', () => {
    // Ids as objects, as PostgreSQL's rows carry them: the rule must compare by identity only.
    const [s1, s2] = [{ uuid: 'a' }, { uuid: 'b' }];
    const chat_session = [{ id: s1 }];
    const chat_message = [
      { id: 'chat_message:1', chat_session_id: s1 },
      { id: 'chat_message:2', chat_session_id: s2 },
      { id: 'chat_message:3', chat_session_id: { uuid: 'a' } },
    ];
    expect(offenders({ chat_session, chat_message })['no message outlives its session']).toEqual([['chat_message:2'], ['chat_message:3']]);
    expect(offenders({ chat_session, chat_message: chat_message.slice(0, 1) })['no message outlives its session']).toEqual([]);
  });

  it('a rule that reads another table says so, and refuses to run without it', () => {
    const rule = raceInvariants.find((invariant) => invariant.name === 'no message outlives its session')!;
    expect(rule.reads).toEqual(['chat_session']);
    expect(() => rule.violations([])).toThrow(/reads chat_session/);
  });

  it('a bare DeleteChatSession query breaks one (so the sequential property, which runs bare queries, cannot check them)', () => {
    const world = new QueryWorld();
    const session = world.session();
    world.message(session);
    const task = world.task(session);
    expect(brokenInvariants(world.db.state, allRaceInvariants)).toEqual([]);
    world.exec('DeleteChatSession', { id: session });
    const broken = brokenInvariants(world.db.state, allRaceInvariants);
    expect(broken.map(({ invariant, offenders }) => [invariant.name, offenders.map((group) => group.map((row) => row['id']))])).toEqual([
      ['no live chat task outlives its session', [[task]]],
    ]);
  });
});

// Serial runs of workflows ------------------------------------------------------------------------

/** One workflow call; picks choose among the ids of rows created so far (deleted ones included). */
type Call =
  | { readonly kind: 'create'; readonly agent: number }
  | { readonly kind: 'send' | 'delete'; readonly session: number }
  | { readonly kind: 'claim' }
  | { readonly kind: 'start' | 'complete' | 'cancel'; readonly task: number }
  | { readonly kind: 'fail'; readonly task: number; readonly reason: string | undefined };

const pick = fc.nat({ max: 3 });
const call: fc.Arbitrary<Call> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), agent: fc.nat({ max: 1 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), session: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), session: pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('claim' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('start' as const, 'complete' as const, 'cancel' as const), task: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fail' as const), task: pick, reason: fc.constantFrom(undefined, 'timeout', 'runtime_offline') }) },
);

/** A workspace with a member, one runtime and two agents on it. */
function fixtureWorld() {
  const db = new ModelDatabase();
  const w = db.run(createWorld('w'));
  const second = db.run(createAgent(w.workspace_id, 'w-agent-2', w.runtime_id));
  return { start: db.state, w, agents: [w.agent_id, second['id'] ?? null] };
}

/** The id of an existing (or deleted) row of `table`, chosen by `n`; a never-used id when there is none. */
function chosen(state: State, table: TableName, n: number): Value {
  const last = state.lastIds[table];
  return idOf(table, last === 0 ? 1 : 1 + (n % last));
}

/**
 * Runs a program a step at a time, as ModelDatabase.run does, calling `check` on the committed state
 * after every step: the states a concurrent observer could see between this workflow's statements.
 */
function runChecked(db: ModelDatabase, program: Program<Outcome>, check: (state: State) => void): void {
  let next = program.next();
  while (next.done !== true) {
    let result: StepResult;
    try {
      result = db.perform(next.value);
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      check(db.state);
      next = program.throw(error);
      continue;
    }
    check(db.state);
    next = program.next(result);
  }
  if (db.inTransaction) db.perform({ op: 'rollback' });
}

describe('race invariants under serial runs of workflows', () => {
  const { start, w, agents } = fixtureWorld();
  const caller = { workspace_id: w.workspace_id, user_id: w.user_id };

  function program(state: State, c: Call, deleteSession: Workflow<DeleteChatSessionInput>): Program<Outcome> {
    switch (c.kind) {
      case 'create':
        return workflows.CreateChatSession({ ...caller, agent_id: agents[c.agent] ?? null });
      case 'send':
        return workflows.SendChatMessage({ ...caller, session_id: chosen(state, 'chat_session', c.session), content: 'hi' });
      case 'delete':
        return deleteSession({ ...caller, session_id: chosen(state, 'chat_session', c.session) });
      case 'claim':
        return workflows.ClaimTask({ workspace_id: w.workspace_id, runtime_id: w.runtime_id, runtime_workspace_id: w.workspace_id });
      case 'start':
        return workflows.StartTask({ workspace_id: w.workspace_id, task_id: chosen(state, 'agent_task_queue', c.task) });
      case 'complete':
        return workflows.CompleteTask({ workspace_id: w.workspace_id, task_id: chosen(state, 'agent_task_queue', c.task), output: 'ok' });
      case 'cancel':
        return workflows.CancelTaskByUser({ ...caller, task_id: chosen(state, 'agent_task_queue', c.task) });
      case 'fail':
        return workflows.FailTask({ workspace_id: w.workspace_id, task_id: chosen(state, 'agent_task_queue', c.task), failure_reason: c.reason });
    }
  }

  /** The property: no committed state between any two statements of serial workflow runs breaks a rule. */
  function serialRunsKeep(deleteSession: Workflow<DeleteChatSessionInput>, seen: { unlinked: number; retries: number }) {
    return fc.property(fc.array(call, { minLength: 1, maxLength: 30, size: 'max' }), (calls) => {
      const db = new ModelDatabase(start);
      for (const c of calls) {
        runChecked(db, program(db.state, c, deleteSession), (state) => {
          const broken = brokenInvariants(state, allRaceInvariants).map((b) => b.invariant.name);
          if (broken.length > 0) throw new Error(`after ${c.kind}: broke ${broken.join(', ')}`);
        });
      }
      const tasks = db.state.table('agent_task_queue').rows();
      if (tasks.some((t) => t['status'] === 'cancelled' && t['chat_session_id'] === null)) seen.unlinked++;
      if (tasks.some((t) => t['parent_task_id'] !== null)) seen.retries++;
    });
  }

  const deletes: [string, Workflow<DeleteChatSessionInput>][] = [
    ['the 60b delete', workflows.DeleteChatSession],
    // v1 orphans a task only when a send runs between its statements: never in a serial run.
    ['delete:v1', variantWorkflow('delete:v1', 'DeleteChatSession')],
  ];

  for (const [label, deleteSession] of deletes) {
    it(`no state between any two statements breaks them (${label})`, () => {
      // Runs ending with a task a delete cut from its session, and with a retry: where the rules have teeth.
      const seen = { unlinked: 0, retries: 0 };
      fc.assert(serialRunsKeep(deleteSession, seen), { numRuns: 200, seed: 2115 });
      expect(seen.unlinked).toBeGreaterThan(30);
      expect(seen.retries).toBeGreaterThan(5);
    });
  }

  it('the property is not vacuous: a delete that skips the cancel breaks it', () => {
    function* deleteWithoutCancel(input: DeleteChatSessionInput): Program<Outcome> {
      const found = yield* one('GetChatSessionInWorkspace', { id: input.session_id, workspace_id: input.workspace_id });
      if (found === null) return { status: 404, body: null };
      yield* exec('DeleteChatSession', { id: input.session_id });
      return { status: 204, body: null };
    }
    const result = fc.check(serialRunsKeep(deleteWithoutCancel, { unlinked: 0, retries: 0 }), { numRuns: 200, seed: 2115 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toContain('after delete: broke no live chat task outlives its session');
  });
});
