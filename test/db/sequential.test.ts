import { describe, expect, it } from 'vitest';
import { runSequential } from '../../src/sequential/property.js';
import { StartingWorld } from '../../src/sequential/start.js';
import { DivergenceError } from '../../src/sequential/world.js';
import { openRealConnection } from '../../src/sequential/connection.js';
import { loadQuerySet, withMigratedDatabaseTarget, withTesterConnection } from '../support/database.js';
import { createSession, deleteSession, query, row } from '../support/scenario.js';
import { withEditedChatSql, withEditedQueries } from '../support/mutant.js';

describe('sequential property on the bundled queries', () => {
  it('finds no divergence in a CI-sized budget', async () => {
    await withTesterConnection(async (connection, queries) => {
      const report = await runSequential(connection, queries, { runs: 100, seed: 42, maxCommands: 50 });
      expect(report.finding?.summary).toBeUndefined();
      expect(report.commands).toBeGreaterThan(1000);
    });
  });
});

describe('comparing tables every n-th command (--state-every)', () => {
  // MarkChatSessionRead is :exec: a version that clears nothing answers like the real one, and
  // only the tables show the difference.
  const from = 'UPDATE chat_session SET unread_since = NULL\nWHERE id = $1;';
  const to = 'UPDATE chat_session SET unread_since = NULL\nWHERE id = $1 AND false;';
  const commands = [createSession(0), query('SetUnreadSinceIfNull', { id: row('chat_session', 0) }), query('MarkChatSessionRead', { id: row('chat_session', 0) }), query('TouchChatSession', { id: row('chat_session', 0) })];

  /** Runs the commands with tables compared every n-th; returns where the divergence showed. */
  async function divergenceEvery(stateEvery: number): Promise<{ command: string; where: string; after: number }> {
    let shown: { command: string; where: string; after: number } | undefined;
    await withEditedChatSql(from, to, async (connection, queries) => {
      const { world } = await StartingWorld.build({ connection, stateQueries: queries, stateEvery });
      const error = await (async () => {
        for (const spec of commands) await world.run(spec);
      })().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DivergenceError);
      const { command, where } = error as DivergenceError;
      shown = { command: command.replace(/\(.*/, ''), where, after: world.log.length };
    });
    return shown!;
  }

  it('every command: the difference shows right after the command that made it', async () => {
    expect(await divergenceEvery(1)).toEqual({ command: 'MarkChatSessionRead', where: 'state', after: 3 });
  });

  it('every 2nd command: it shows at the next comparison, after the 4th command', async () => {
    expect(await divergenceEvery(2)).toEqual({ command: 'TouchChatSession', where: 'state', after: 4 });
  });

  it('the property still finds and shrinks it when tables are compared only at the end of each run', async () => {
    await withEditedChatSql(from, to, async (connection, queries) => {
      const report = await runSequential(connection, queries, { runs: 200, seed: 7, maxCommands: 40, stateEvery: 1000 });
      expect(report.finding?.kind).toBe('divergence');
      expect(report.finding!.commands.length).toBeLessThanOrEqual(6);
    });
  });
});

describe('invariant findings', () => {
  it('a pin that also marks the task running, without started_at: PostgreSQL breaks "running tasks have started_at"', async () => {
    // UpdateAgentTaskSession is :exec, so its answer agrees with the model's; only the tables show
    // the damage, and the broken rule is named before the row difference it causes.
    const from = '    last_heartbeat_at = now()\nWHERE id = $1\n  AND status IN';
    const to = "    last_heartbeat_at = now(),\n    status = 'running'\nWHERE id = $1\n  AND status IN";
    await withEditedQueries('tasks', from, to, async (connection, queries) => {
      const report = await runSequential(connection, queries, { runs: 200, seed: 7, maxCommands: 40 });
      expect(report.finding?.kind).toBe('invariant');
      expect(report.finding!.invariant).toMatchObject({ name: 'running tasks have started_at', rows: [[expect.stringMatching(/^agent_task_queue:\d+$/)]] });
      expect(report.finding!.commands.at(-1)).toMatch(/^(PinTaskSession|UpdateAgentTaskSession)\(/);
      expect(report.finding!.commands.length).toBeLessThanOrEqual(6);
    });
  });
});

describe('a divergence inside a transaction', () => {
  it('leaves no transaction open: the next statement on the connection runs', async () => {
    // The delete's lock fails (division by zero), inside begin…commit: the tester stops the
    // workflow there, with PostgreSQL's transaction aborted. Left so, every later run would fail
    // on "current transaction is aborted", and shrinking would end on that instead.
    const from = 'SELECT id FROM chat_session\nWHERE id = $1\nFOR UPDATE;';
    const to = 'SELECT id FROM chat_session\nWHERE id = $1 AND 1 / 0 = 1\nFOR UPDATE;';
    await withEditedChatSql(from, to, async (connection, queries) => {
      const { world } = await StartingWorld.build({ connection, stateQueries: queries, stateEvery: 1 });
      await world.run(createSession(0));
      const error = await world.run(deleteSession(0)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DivergenceError);
      expect((error as DivergenceError).where).toBe('statement 3 (LockChatSessionForDelete)');
      const { rows } = await connection.client.query<{ sessions: number }>('SELECT count(*)::int AS sessions FROM chat_session');
      expect(rows).toEqual([{ sessions: 1 }]);
    });
  });
});

describe('what PostgreSQL wrote (takeWrote: whether the state must be fingerprinted again)', () => {
  it('a lone UPDATE that counted 0 rows wrote nothing; once the schema has a trigger of its own, every write counts', async () => {
    const queries = await loadQuerySet();
    await withMigratedDatabaseTarget(async (target) => {
      const touchNothing = (connection: Awaited<ReturnType<typeof openRealConnection>>) =>
        connection.database.perform({ op: 'query', name: 'TouchChatSession', args: { id: '00000000-0000-0000-0000-000000000000' } });
      const plain = await openRealConnection(target, queries);
      try {
        plain.database.takeWrote();
        await touchNothing(plain);
        expect(plain.database.takeWrote()).toBe(false);
        // A statement trigger runs even when no row matches, and writes a table the tester compares.
        await plain.client.query(`CREATE FUNCTION touch_workspaces() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE workspace SET name = name || '!'; RETURN NULL; END $$`);
        await plain.client.query('CREATE TRIGGER every_update AFTER UPDATE ON chat_session FOR EACH STATEMENT EXECUTE FUNCTION touch_workspaces()');
      } finally {
        await plain.client.end();
      }
      const triggered = await openRealConnection(target, queries);
      try {
        await touchNothing(triggered);
        expect(triggered.database.takeWrote()).toBe(true);
      } finally {
        await triggered.client.end();
      }
    });
  });
});
