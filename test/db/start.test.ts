import { describe, expect, it } from 'vitest';
import { runQuery } from '../../src/postgres/run-query.js';
import type { RealConnection } from '../../src/sequential/connection.js';
import { StartingWorld } from '../../src/sequential/start.js';
import { DivergenceError, type WorldSetting } from '../../src/sequential/world.js';
import type { QuerySet } from '../../src/sqlc/loader.js';
import { withTesterConnection } from '../support/database.js';
import { archiveAgent, createSession, deleteRuntime, query, row, send } from '../support/scenario.js';

function withSetting(fn: (setting: WorldSetting, connection: RealConnection, queries: QuerySet) => Promise<void>): Promise<void> {
  return withTesterConnection((connection, queries) => fn({ connection, stateQueries: queries, stateEvery: 1 }, connection, queries));
}

/** Every table as stored, ids and microseconds included. */
async function storedRows(connection: RealConnection, queries: QuerySet): Promise<unknown> {
  const result = await runQuery(connection.client, queries.get('StateAsJson'), []);
  return result.kind === 'one' ? result.row : undefined;
}

describe('the starting world of each run', () => {
  it('is restored exactly — the same UUIDs and timestamps — after a run changed and added rows', async () => {
    await withSetting(async (setting, connection, queries) => {
      const { world, start } = await StartingWorld.build(setting);
      const built = await storedRows(connection, queries);
      for (const spec of [createSession(0), send(0, 'hello'), archiveAgent(1), deleteRuntime(2), query('FixtureDeleteWorkspace', { id: row('workspace', 1) })]) {
        await world.run(spec);
      }
      expect(await storedRows(connection, queries)).not.toEqual(built);

      const again = await start.enter(setting);
      expect(await storedRows(connection, queries)).toEqual(built);
      // The restored run knows the bootstrap's ids and no later ones, and goes on in lockstep.
      expect(again.correspondence.knownIds('chat_session')).toEqual([]);
      expect(again.correspondence.knownIds('agent')).toEqual(['agent:1', 'agent:2', 'agent:3']);
      await again.run(createSession(0));
      expect(again.model.state.table('chat_session').size).toBe(1);
    });
  });

  it('is compared with the saved model state when restored: a restore that differs is a divergence', async () => {
    await withSetting(async (setting, connection) => {
      const { start } = await StartingWorld.build(setting);
      // A trigger that rewrites every agent inserted, so the restore no longer gives the saved rows.
      await connection.client.query(`
        CREATE FUNCTION describe_agent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.description := 'changed'; RETURN NEW; END $$;
        CREATE TRIGGER describe_agent BEFORE INSERT ON agent FOR EACH ROW EXECUTE FUNCTION describe_agent()`);
      const failure = await start.enter(setting).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DivergenceError);
      expect((failure as DivergenceError).where).toBe('state');
      expect((failure as DivergenceError).command).toBe('(start of run)');
    });
  });
});
