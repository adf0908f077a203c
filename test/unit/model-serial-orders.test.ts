/**
 * serialOutcomes (model/serial-orders.ts): which orders it enumerates, what a unit is, and the
 * outcomes of send vs delete (send-vs-delete-race.md §5) and of the v1 delete (§3).
 */
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../model/errors.js';
import { brokenInvariants, raceInvariants } from '../../model/invariants.js';
import { ModelDatabase } from '../../model/model-database.js';
import { begin, commit, elapsedMs, one, type Outcome, type Program } from '../../model/program.js';
import { orderCount, serialOutcomes, type SerialOutcome } from '../../model/serial-orders.js';
import type { State } from '../../model/state.js';
import type { Value } from '../../model/values.js';
import { createWorld, type World } from '../../model/workflows/fixtures.js';
import { variantWorkflow, workflows, type Workflow } from '../../model/workflows/index.js';
import type { DeleteChatSessionInput } from '../../model/workflows/delete.js';
import { fields } from '../support/model.js';

const ok: Outcome = { status: 200, body: null };

/** A world with `sessions` active chat sessions of its user and no task. */
function world(sessions: number): { start: State; w: World; ids: Value[] } {
  const db = new ModelDatabase();
  const w = db.run(createWorld('w'));
  const ids: Value[] = [];
  for (let i = 0; i < sessions; i++) {
    const created = db.run(workflows.CreateChatSession({ workspace_id: w.workspace_id, user_id: w.user_id, agent_id: w.agent_id }));
    ids.push(fields(created).id ?? null);
  }
  return { start: db.state, w, ids };
}

/** A user message in `session`, by a bare autocommit query. */
const message = (session: Value, content: string) =>
  one('CreateChatMessage', { chat_session_id: session, role: 'user', content, task_id: null, failure_reason: null, elapsed_ms: null });

/** Session `tag`'s program: `units` autocommit messages `tag.0`, `tag.1`, … */
function* messages(session: Value, tag: number, units: number): Program<Outcome> {
  for (let k = 0; k < units; k++) yield* message(session, `${tag}.${k}`);
  return ok;
}

/** The contents of the messages in `state`, in insertion order. */
const contents = (outcome: SerialOutcome) => outcome.state.table('chat_message').rows().map((row) => row['content']);

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

describe('serialOutcomes: the orders', () => {
  it('two sessions of a and b units: C(a+b, a) orders, each keeping both sessions in their own order', () => {
    const { start, ids } = world(1);
    const session = ids[0] ?? null;
    for (const [a, b] of [[1, 1], [2, 3], [4, 4]] as const) {
      const outcomes = serialOutcomes(start, [() => messages(session, 0, a), () => messages(session, 1, b)]);
      expect(orderCount(outcomes)).toBe(binomial(a + b, a));
      // Every order writes its messages in another order: every outcome is distinct.
      expect(outcomes).toHaveLength(binomial(a + b, a));
      for (const outcome of outcomes) {
        expect(outcome.orders).toEqual([outcome.order]);
        // The state shows the order: the i-th message is the i-th unit's, and each session's come in order.
        const next = [0, 0];
        expect(contents(outcome)).toEqual(outcome.order.map((s) => `${s}.${next[s]!++}`));
        expect(outcome.answers).toEqual([ok, ok]);
        expect(outcome.errors).toEqual([[], []]);
      }
    }
  });

  it('three sessions of two units: 6!/(2!·2!·2!) = 90 orders', () => {
    const { start, ids } = world(1);
    const session = ids[0] ?? null;
    const outcomes = serialOutcomes(start, [0, 1, 2].map((tag) => () => messages(session, tag, 2)));
    expect(orderCount(outcomes)).toBe(90);
    expect(new Set(outcomes.map((outcome) => outcome.order.join(''))).size).toBe(90);
  });

  it('a transaction is one unit; elapsedMs and a commit outside a transaction are none', () => {
    const { start, ids } = world(1);
    const session = ids[0] ?? null;
    function* transaction(): Program<Outcome> {
      yield* elapsedMs(null, null);
      yield* begin();
      yield* message(session, 'tx.a');
      yield* elapsedMs(null, null);
      yield* message(session, 'tx.b');
      yield* commit();
      yield* commit();
      yield* elapsedMs(null, null);
      return ok;
    }
    const outcomes = serialOutcomes(start, [transaction, () => messages(session, 1, 2)]);
    expect(outcomes.map((outcome) => outcome.order)).toEqual([
      [0, 1, 1],
      [1, 0, 1],
      [1, 1, 0],
    ]);
    expect(outcomes.map(contents)).toEqual([
      ['tx.a', 'tx.b', '1.0', '1.1'],
      ['1.0', 'tx.a', 'tx.b', '1.1'],
      ['1.0', '1.1', 'tx.a', 'tx.b'],
    ]);
  });

  it('a program that ends inside its transaction is rolled back, and that ends its unit', () => {
    const { start, ids } = world(1);
    const session = ids[0] ?? null;
    function* unfinished(): Program<Outcome> {
      yield* begin();
      yield* message(session, 'lost');
      return ok;
    }
    const outcomes = serialOutcomes(start, [unfinished, () => messages(session, 1, 1)]);
    expect(orderCount(outcomes)).toBe(2);
    for (const outcome of outcomes) expect(contents(outcome)).toEqual(['1.0']);
  });

  it('an error the program does not catch is its answer; every SQLSTATE raised is listed', () => {
    const { start, ids } = world(1);
    const session = ids[0] ?? null;
    function* careless(): Program<Outcome> {
      try {
        yield* message('chat_session:99', 'caught');
      } catch {
        // caught: the program goes on
      }
      yield* message('chat_session:98', 'uncaught');
      return ok;
    }
    const outcomes = serialOutcomes(start, [careless, () => messages(session, 1, 1)]);
    expect(orderCount(outcomes)).toBe(3);
    for (const outcome of outcomes) {
      expect(outcome.answers[0]).toBeInstanceOf(SqlError);
      expect((outcome.answers[0] as SqlError).code).toBe('23503');
      expect(outcome.answers[1]).toEqual(ok);
      expect(outcome.errors).toEqual([['23503', '23503'], []]);
    }
  });

  it('unit boundaries follow results: a workflow that ends early has fewer units in that order', () => {
    const { start, w, ids } = world(1);
    const caller = { workspace_id: w.workspace_id, user_id: w.user_id, session_id: ids[0] ?? null };
    const outcomes = serialOutcomes(start, [() => workflows.GetChatSession(caller), () => workflows.DeleteChatSession(caller)]);
    // get: 1 unit; delete: loader, transaction (no task, no refresh). A read before or after the
    // delete's loader changes nothing: those two orders give one outcome.
    expect(outcomes.map((outcome) => [outcome.orders, outcome.answers.map((answer) => (answer as Outcome).status)])).toEqual([
      [[[0, 1, 1], [1, 0, 1]], [200, 204]],
      [[[1, 1, 0]], [404, 204]],
    ]);
  });

  it('refuses to enumerate more than maxOrders', () => {
    const { start, ids } = world(1);
    const session = ids[0] ?? null;
    expect(() => serialOutcomes(start, [() => messages(session, 0, 3), () => messages(session, 1, 3)], { maxOrders: 19 })).toThrow(/more than 19/);
  });
});

describe('serialOutcomes: send vs delete', () => {
  const { start, w, ids } = world(1);
  const input = { workspace_id: w.workspace_id, user_id: w.user_id, session_id: ids[0] ?? null };
  const send = () => workflows.SendChatMessage({ ...input, content: 'x' });
  const race = (deleteSession: Workflow<DeleteChatSessionInput>) => serialOutcomes(start, [send, () => deleteSession(input)]);

  /** The send's answer class (send-vs-delete-race.md §5), from its status and error text. */
  function sendClass(answer: Outcome | SqlError): string {
    if (answer instanceof SqlError) return `uncaught ${answer.code}`;
    const error = (answer.body as { error?: string } | null)?.error;
    if (error?.startsWith('failed to enqueue chat task: create chat task: ')) return '500 failed to enqueue chat task: create chat task: …';
    return error === undefined ? String(answer.status) : `${answer.status} ${error}`;
  }

  const orphans = (outcome: SerialOutcome) => brokenInvariants(outcome.state, raceInvariants).map((broken) => broken.invariant.name);

  it('60b: the send answers 404, 500 (message), 500 (task, naming the FK) or 201; the delete always 204; nothing orphaned', () => {
    const outcomes = race(workflows.DeleteChatSession);
    expect(orderCount(outcomes)).toBe(26);
    expect(new Set(outcomes.map((outcome) => sendClass(outcome.answers[0]!)))).toEqual(
      new Set(['404 chat session not found', '500 failed to create chat message', '500 failed to enqueue chat task: create chat task: …', '201']),
    );
    const enqueue = outcomes.map((o) => (o.answers[0] as Outcome).body as { error?: string }).find((body) => body?.error?.includes('enqueue'));
    expect(enqueue?.error).toMatch(/agent_task_queue_chat_session_id_fkey.*\(SQLSTATE 23503\)$/);
    for (const outcome of outcomes) {
      expect(outcome.answers[1]).toEqual({ status: 204, body: null });
      expect(orphans(outcome)).toEqual([]);
      // Whatever the send got, the session and its messages are gone.
      expect(outcome.state.table('chat_session').size).toBe(0);
      expect(outcome.state.table('chat_message').size).toBe(0);
    }
  });

  it('delete:v1: only the orders with the task insert between the cancel and the delete orphan it (O6)', () => {
    const outcomes = race(variantWorkflow('delete:v1', 'DeleteChatSession'));
    expect(orderCount(outcomes)).toBe(61);
    const orphaned = outcomes.filter((outcome) => orphans(outcome).length > 0);
    expect(orphaned.length).toBeGreaterThan(0);
    for (const outcome of orphaned) {
      expect(orphans(outcome)).toEqual(['no live chat task outlives its session']);
      expect(sendClass(outcome.answers[0]!)).toBe('201');
      expect(outcome.state.table('agent_task_queue').rows()).toMatchObject([{ status: 'queued', chat_session_id: null, issue_id: null, context: null }]);
      for (const order of outcome.orders) {
        // Units: send S1..S5 (session 0); delete loader, cancel, delete (session 1; no task to refresh).
        // The send's 4th unit (CreateChatTask) falls between the delete's 2nd (cancel) and 3rd (delete).
        const at = (session: number, k: number) => order.map((s, i) => [s, i] as const).filter(([s]) => s === session)[k]![1];
        expect(at(1, 1)).toBeLessThan(at(0, 3));
        expect(at(0, 3)).toBeLessThan(at(1, 2));
      }
    }
    // Every other order ends as one of 60b's outcomes.
    const final = race(workflows.DeleteChatSession).map((outcome) => sendClass(outcome.answers[0]!));
    for (const outcome of outcomes.filter((o) => orphans(o).length === 0)) expect(final).toContain(sendClass(outcome.answers[0]!));
  });

  it('delete:tx-no-lock has 60b\'s serial outcomes: its orphan needs a send inside its transaction, which no serial order has', () => {
    const outcomes = race(variantWorkflow('delete:tx-no-lock', 'DeleteChatSession'));
    expect(orderCount(outcomes)).toBe(26);
    for (const outcome of outcomes) expect(orphans(outcome)).toEqual([]);
  });
});

describe('serialOutcomes: a retry racing a delete (60b)', () => {
  it('FailTask with a retryable reason vs DeleteChatSession: a retry created after the delete has no link', () => {
    const db = new ModelDatabase();
    const w = db.run(createWorld('w'));
    const caller = { workspace_id: w.workspace_id, user_id: w.user_id };
    const session = fields(db.run(workflows.CreateChatSession({ ...caller, agent_id: w.agent_id }))).id ?? null;
    const task = fields(db.run(workflows.SendChatMessage({ ...caller, session_id: session, content: 'x' }))).task_id ?? null;
    expect(db.run(workflows.ClaimTask({ workspace_id: w.workspace_id, runtime_id: w.runtime_id, runtime_workspace_id: w.workspace_id })).status).toBe(200);
    expect(db.run(workflows.StartTask({ workspace_id: w.workspace_id, task_id: task })).status).toBe(200);

    const outcomes = serialOutcomes(db.state, [
      () => workflows.FailTask({ workspace_id: w.workspace_id, task_id: task, failure_reason: 'timeout' }),
      () => workflows.DeleteChatSession({ ...caller, session_id: session }),
    ]);
    // FailAgentTask commits, the delete's transaction misses the failed parent (not live) and nulls
    // its link, then CreateRetryTask copies the parent as it is now: a queued child with no link.
    const orphaned = outcomes.filter((outcome) => brokenInvariants(outcome.state, raceInvariants).length > 0);
    expect(orphaned.length).toBeGreaterThan(0);
    for (const outcome of orphaned) {
      expect(outcome.answers.map((answer) => (answer as Outcome).status)).toEqual([200, 204]);
      expect(outcome.state.table('agent_task_queue').rows()).toMatchObject([
        { status: 'failed', chat_session_id: null },
        { status: 'queued', chat_session_id: null, parent_task_id: task },
      ]);
    }
  });
});
