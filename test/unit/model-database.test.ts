/**
 * The model's interpreter (ticks, transactions, errors thrown into programs, 25P02) and its
 * catalogue (the 49 queries as data, matching src/queries/required.ts for the 36 under test).
 */
import { describe, expect, it } from 'vitest';
import { catalogue, queries, queryOrderings } from '../../model/catalogue.js';
import { SqlError } from '../../model/errors.js';
import { ModelDatabase } from '../../model/model-database.js';
import { begin, commit, elapsedMs, exec, many, one, rollback, type Program } from '../../model/program.js';
import { State } from '../../model/state.js';
import { Elapsed, Instant, type Row } from '../../model/values.js';
import { requiredQueries } from '../../src/queries/required.js';
import { must, tick } from '../support/model.js';

const newWorkspace = (slug: string) => one('FixtureCreateWorkspace', { name: slug, slug });

/** Begins a transaction and creates workspace `slug` in it, leaving the transaction open. */
function* workspaceInOpenTransaction(slug: string): Program<Row | null> {
  yield* begin();
  return yield* newWorkspace(slug);
}

/** Creates workspace `slug` in a transaction that it then rolls back. */
function* workspaceRolledBack(slug: string): Program<void> {
  yield* workspaceInOpenTransaction(slug);
  yield* rollback();
}

describe('ticks', () => {
  it('each autocommit statement is a transaction with a new tick', () => {
    const db = new ModelDatabase();
    const a = must(db.run(newWorkspace('a')));
    const b = must(db.run(newWorkspace('b')));
    expect(tick(a['created_at'])).toBe(1);
    expect(tick(b['created_at'])).toBe(2);
    expect(db.state.lastTick).toBe(2);
  });

  it('begin..commit shares one tick across statements; the next transaction gets the next one', () => {
    const db = new ModelDatabase();
    const [a, b] = db.run(
      (function* () {
        yield* begin();
        const a = yield* newWorkspace('a');
        const b = yield* newWorkspace('b');
        yield* commit();
        return [a, b];
      })(),
    );
    expect(a?.['created_at']).toBe(b?.['created_at']);
    expect(tick(must(db.run(newWorkspace('c')))['created_at'])).toBe(tick(a?.['created_at']) + 1);
  });

  it('ticks are never reused, even after a rollback or an error; nor are ids', () => {
    const db = new ModelDatabase();
    db.run(workspaceRolledBack('a'));
    expect(() => db.run(newWorkspace(null as unknown as string))).toThrow(SqlError);
    const c = must(db.run(newWorkspace('c')));
    expect(tick(c['created_at'])).toBe(3);
    expect(c['id']).toBe('workspace:3');
    // A new ModelDatabase on this state continues both sequences.
    const again = new ModelDatabase(db.state);
    const d = must(again.run(newWorkspace('d')));
    expect(d['id']).toBe('workspace:4');
    expect(tick(d['created_at'])).toBe(4);
  });
});

describe('transactions', () => {
  it('writes are visible to later statements of the same transaction and to nobody else until commit', () => {
    const db = new ModelDatabase();
    const committedBefore = db.state;
    const seen = db.run(
      (function* () {
        yield* begin();
        const w = must(yield* newWorkspace('a'));
        const u = must(yield* one('FixtureCreateUser', { name: 'u', email: 'u' }));
        const member = yield* one('FixtureCreateMember', { workspace_id: w['id']!, user_id: u['id']! });
        yield* commit();
        return member;
      })(),
    );
    expect(seen).not.toBeNull();
    expect(committedBefore.table('workspace').size).toBe(0);
    expect(db.state.table('member').size).toBe(1);
  });

  it('rollback discards the transaction', () => {
    const db = new ModelDatabase();
    db.run(workspaceRolledBack('a'));
    expect(db.state.table('workspace').size).toBe(0);
  });

  it('an autocommit statement that fails changes nothing, and the error is thrown into the program', () => {
    const db = new ModelDatabase();
    must(db.run(newWorkspace('a')));
    const before = db.state.tables;
    const caught = db.run(
      (function* () {
        try {
          yield* newWorkspace('a');
          return null;
        } catch (error) {
          return error;
        }
      })(),
    );
    expect(caught).toBeInstanceOf(SqlError);
    expect(caught).toMatchObject({ code: '23505', constraint: 'workspace_slug_key' });
    expect(db.state.tables).toEqual(before);
  });

  it('after an error inside a transaction: the failed statement changed nothing, later statements fail 25P02, commit rolls back', () => {
    const db = new ModelDatabase();
    const log: string[] = [];
    db.run(
      (function* () {
        yield* begin();
        yield* newWorkspace('a');
        try {
          yield* newWorkspace('a');
        } catch (error) {
          log.push((error as SqlError).code);
        }
        try {
          yield* newWorkspace('b');
        } catch (error) {
          log.push((error as SqlError).code);
          log.push((error as SqlError).message);
        }
        try {
          yield* begin();
        } catch (error) {
          log.push((error as SqlError).code);
        }
        // E(t) is the handler's arithmetic, not a statement: it still works.
        log.push(String(yield* elapsedMs(null, Instant.at(1))));
        yield* commit();
      })(),
    );
    expect(log).toEqual([
      '23505',
      '25P02',
      'current transaction is aborted, commands ignored until end of transaction block',
      '25P02',
      'null',
    ]);
    expect(db.state.table('workspace').size).toBe(0);
    // The aborted transaction is over: the next statement autocommits.
    expect(db.run(newWorkspace('a'))).not.toBeNull();
  });

  it('a failed statement inside a transaction keeps the earlier statements until a rollback', () => {
    const db = new ModelDatabase();
    const w = must(db.run(newWorkspace('w')));
    const u = must(db.run(one('FixtureCreateUser', { name: 'u', email: 'u' })));
    const r = must(db.run(one('FixtureCreateRuntime', { workspace_id: w['id']!, name: 'r' })));
    const a = must(db.run(one('FixtureCreateAgent', { workspace_id: w['id']!, name: 'a', runtime_id: r['id']! })));
    db.run(
      (function* () {
        yield* begin();
        yield* one('CreateChatSession', { workspace_id: w['id']!, agent_id: a['id']!, creator_id: u['id']!, title: '' });
        try {
          yield* exec('FixtureDeleteRuntime', { id: r['id']! });
        } catch {
          // RESTRICT
        }
        yield* rollback();
      })(),
    );
    expect(db.state.table('chat_session').size).toBe(0);
    expect(db.state.table('agent_runtime').size).toBe(1);
  });

  it('a program that ends with its transaction open leaves nothing committed; an uncaught SqlError propagates', () => {
    const db = new ModelDatabase();
    db.run(workspaceInOpenTransaction('a'));
    expect(db.state.table('workspace').size).toBe(0);
    must(db.run(newWorkspace('a')));
    expect(() => db.run(newWorkspace('a'))).toThrow('duplicate key value violates unique constraint "workspace_slug_key"');
  });

  it('commit and rollback outside a transaction, begin inside one, are no-ops', () => {
    const db = new ModelDatabase();
    db.run(
      (function* () {
        yield* commit();
        yield* rollback();
        yield* begin();
        yield* newWorkspace('a');
        yield* begin();
        yield* newWorkspace('b');
        yield* commit();
      })(),
    );
    expect(db.state.table('workspace').size).toBe(2);
  });
});

describe('elapsedMs', () => {
  it('is an Elapsed of its two Instants, or NULL when either is NULL', () => {
    const db = new ModelDatabase();
    const value = db.run(elapsedMs(Instant.at(2), Instant.at(5)));
    expect(value).toBeInstanceOf(Elapsed);
    expect(value).toMatchObject({ from: Instant.at(2), to: Instant.at(5) });
    expect(db.run(elapsedMs(Instant.at(2), null))).toBeNull();
  });
});

describe('bugs are not database errors', () => {
  it('an unknown query, a missing or an unknown argument throw out of run, not into the program', () => {
    const db = new ModelDatabase();
    const caught: unknown[] = [];
    const attempt = (program: Program<unknown>) => {
      expect(() => db.run(program)).toThrow(Error);
    };
    attempt(
      (function* () {
        try {
          yield* one('NoSuchQuery', {});
        } catch (error) {
          caught.push(error);
        }
      })(),
    );
    attempt(one('GetChatSession', {}));
    attempt(one('GetChatSession', { id: 'chat_session:1', extra: 1 }));
    expect(caught).toEqual([]);
  });
});

describe('catalogue', () => {
  it('has the 36 queries of src/queries/required.ts with the same kinds and parameters, in order', () => {
    const underTest = queries.filter((query) => query.file !== 'fixture.sql');
    expect(underTest.map(({ name, kind, params }) => ({ name, kind, params }))).toEqual(
      requiredQueries.map(({ name, kind, params }) => ({ name, kind, params })),
    );
  });

  it('has the 22 fixture queries with their parameters', () => {
    const fixtures = queries.filter((query) => query.file === 'fixture.sql');
    expect(Object.fromEntries(fixtures.map((query) => [query.name, `${query.kind} ${query.params.join(',')}`]))).toEqual({
      FixtureCreateWorkspace: 'one name,slug',
      FixtureCreateUser: 'one name,email',
      FixtureCreateMember: 'one workspace_id,user_id',
      FixtureCreateRuntime: 'one workspace_id,name',
      FixtureCreateAgent: 'one workspace_id,name,runtime_id',
      FixtureCreateIssue: 'one workspace_id',
      FixtureCreateIssueTask: 'one agent_id,issue_id,priority',
      FixtureCreateAutopilotTask: 'one agent_id,autopilot_run_id,priority',
      FixtureArchiveAgent: 'exec id',
      FixtureArchiveChatSession: 'exec id',
      FixtureMoveAgent: 'exec runtime_id,id',
      FixtureSetAgentMaxConcurrentTasks: 'exec max_concurrent_tasks,id',
      FixtureRewriteTask: 'exec id',
      FixtureRewriteFirstQueuedTask: 'exec agent_id',
      FixtureRewriteMessage: 'exec id',
      FixtureScanWithoutIndexes: 'exec ',
      FixtureSetRuntimeStatus: 'exec status,id',
      FixtureDeleteAgent: 'exec id',
      FixtureDeleteUser: 'exec id',
      FixtureDeleteWorkspace: 'exec id',
      FixtureDeleteRuntime: 'exec id',
      FixtureDeleteIssue: 'exec id',
    });
    expect(catalogue.size).toBe(58);
  });

  it('gives every :many an ordering (possibly []), and the ORDER BY … LIMIT 1 queries theirs', () => {
    for (const query of queries.filter((q) => q.kind === 'many')) expect(query.ordering, query.name).toBeDefined();
    expect(queryOrderings['ListChatMessages']).toEqual([['created_at', 'asc']]);
    expect(catalogue.get('ClaimAgentTask')?.ordering).toEqual([
      ['priority', 'desc'],
      ['created_at', 'asc'],
    ]);
    expect(catalogue.get('GetChatSession')?.ordering).toBeUndefined();
  });

  it('a query runs as one statement: a failing one leaves the transaction as it was', () => {
    const db = new ModelDatabase(State.empty());
    db.transaction((tx) => {
      const w = catalogue.get('FixtureCreateWorkspace')!.run(tx, { name: 'w', slug: 'w' });
      expect(w.kind).toBe('one');
      const before = tx.state;
      expect(() => catalogue.get('FixtureCreateWorkspace')!.run(tx, { name: 'x', slug: 'w' })).toThrow(SqlError);
      expect(tx.state).toBe(before);
    });
    expect(db.run(many('ListChatMessages', { chat_session_id: null }))).toEqual([]);
  });
});

describe('perform', () => {
  it('steps one statement at a time; a transaction stays open between calls; errors are thrown', () => {
    const db = new ModelDatabase();
    db.perform({ op: 'begin' });
    const w = db.perform({ op: 'query', name: 'FixtureCreateWorkspace', args: { name: 'a', slug: 'a' } });
    expect(w.kind).toBe('one');
    expect(db.inTransaction).toBe(true);
    expect(db.state.table('workspace').size).toBe(0);
    expect(() => db.perform({ op: 'query', name: 'FixtureCreateWorkspace', args: { name: 'a', slug: 'a' } })).toThrow(SqlError);
    expect(() => db.perform({ op: 'query', name: 'GetChatSession', args: { id: null } })).toThrow(
      'current transaction is aborted, commands ignored until end of transaction block',
    );
    expect(db.perform({ op: 'commit' })).toEqual({ kind: 'done' });
    expect(db.inTransaction).toBe(false);
    expect(db.state.table('workspace').size).toBe(0);
    db.perform({ op: 'query', name: 'FixtureCreateWorkspace', args: { name: 'a', slug: 'a' } });
    expect(db.state.table('workspace').size).toBe(1);
  });
});
