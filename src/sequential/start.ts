import pg from 'pg';
import type { State } from '../../model/state.js';
import type { Correspondence } from '../compare/correspondence.js';
import { runQuery } from '../postgres/run-query.js';
import { bootstrap, type CommandSpec } from './generators.js';
import { STATE_QUERIES, World, type WorldSetting } from './world.js';

/**
 * The world every run starts from: an empty schema, then the bootstrap commands (generators.ts).
 *
 * The first run builds it the long way, each bootstrap command run and compared like any other.
 * What both sides hold then is saved: the model's state, what the tester learned of ids and times,
 * and PostgreSQL's rows as JSON. Every later run gets the same start back in one round trip —
 * ResetScans and ResetState, the saved rows re-inserted as they were (same UUIDs, same timestamps), and every
 * table read back and compared with the saved model state — instead of ten commands and a reset.
 * A run therefore starts from the same world whether it is the first or the thousandth, which is
 * what makes a finding replay alone.
 */
export class StartingWorld {
  private constructor(
    readonly state: State,
    readonly correspondence: Correspondence,
    /** ResetScans, ResetState, the inserts, the fingerprints and every table's read, as one simple query. */
    readonly restoreSql: string,
  ) {}

  /**
   * Builds the start on an empty schema with the bootstrap commands, then `more` (the race
   * explorer's scenarios: a session, a queued or running task), each run and compared in lockstep;
   * returns the world standing there.
   */
  static async build(setting: WorldSetting, more: readonly CommandSpec[] = []): Promise<{ world: World; start: StartingWorld }> {
    const { client } = setting.connection;
    await runQuery(client, setting.stateQueries.get('ResetScans'), []);
    await runQuery(client, setting.stateQueries.get('ResetState'), []);
    const world = new World(setting);
    for (const spec of [...bootstrap, ...more]) await world.run(spec, { compareState: false });
    await world.compareState('(bootstrap)');
    world.log.length = 0;
    const saved = await runQuery(client, setting.stateQueries.get('StateAsJson'), []);
    const json = (saved.kind === 'one' ? saved.row : null) ?? {};
    // Every stored column, named: a real project's schema may add generated columns (which take no
    // value) or identity columns (whose saved values are restored as they were) to these tables.
    const { rows: stored } = await client.query<{ table: string; columns: string[] }>(
      `SELECT t.name AS table, array_agg(quote_ident(a.attname) ORDER BY a.attnum) AS columns
         FROM unnest($1::text[]) AS t(name)
         JOIN pg_attribute a ON a.attrelid = to_regclass(quote_ident(t.name))
        WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        GROUP BY t.name`,
      [STATE_QUERIES.map(([table]) => table)],
    );
    const columnsOf = new Map(stored.map((row) => [row.table, row.columns.join(', ')]));
    const inserts = STATE_QUERIES.flatMap(([table]) => {
      const rows = json[table];
      if (typeof rows !== 'string') throw new Error(`StateAsJson gave no rows for ${table}`);
      if (rows === '[]') return [];
      const name = pg.escapeIdentifier(table);
      const columns = columnsOf.get(table);
      if (columns === undefined) throw new Error(`no columns found for table ${table}`);
      return [`INSERT INTO ${name} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM json_populate_recordset(NULL::${name}, ${pg.escapeLiteral(rows)})`];
    });
    const sql = [
      setting.stateQueries.get('ResetScans').sql,
      setting.stateQueries.get('ResetState').sql,
      ...inserts,
      setting.stateQueries.get('StateFingerprints').sql,
      ...STATE_QUERIES.map(([, name]) => setting.stateQueries.get(name).sql),
    ].join(';\n');
    return { world, start: new StartingWorld(world.model.state, world.correspondence.copy(), sql) };
  }

  /** Puts PostgreSQL back at the start and returns a world standing there, its tables compared. */
  async enter(setting: WorldSetting): Promise<World> {
    const world = new World(setting, this);
    const results = (await world.client.query(this.restoreSql)) as unknown as { rows: Record<string, unknown>[] }[];
    const reads = results.slice(-STATE_QUERIES.length);
    const fingerprints = results.at(-STATE_QUERIES.length - 1)?.rows[0] ?? {};
    // The restore wrote; its fingerprints are current, so the last run's writes no longer count.
    world.real.takeWrote();
    world.compareTables('(start of run)', fingerprints, new Map(STATE_QUERIES.map(([table], i) => [table, reads[i]!.rows])));
    return world;
  }
}
