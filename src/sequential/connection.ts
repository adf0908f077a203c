import pg from 'pg';
import { catalogue } from '../../model/catalogue.js';
import { schema, tableNames } from '../../model/schema.js';
import type { HiddenColumns } from '../postgres/run-query.js';
import type { RequiredQuery } from '../queries/required.js';
import { requiredQueries } from '../queries/required.js';
import { PostgresDatabase } from '../sql/postgres-database.js';
import { RealValues } from '../sql/real-values.js';
import type { ServerTarget } from '../postgres/target.js';
import type { QuerySet } from '../sqlc/loader.js';

export interface RealConnection {
  readonly client: pg.Client;
  readonly values: RealValues;
  readonly database: PostgresDatabase;
}

/**
 * A connection for the tester: UUIDs and timestamps parsed into RealId/RealInstant, the session in
 * UTC with ISO dates so timestamps parse exactly, and the SQL under test bound by the contract of
 * required.ts (the fixture queries by their own parameter names). Connections that must see the same
 * rows as the same objects (the race explorer's sessions) share one `values`.
 */
export async function openRealConnection(target: ServerTarget, queries: QuerySet, values = new RealValues()): Promise<RealConnection> {
  const client = new pg.Client({ connectionString: target.connectionString, types: values.types, application_name: 'chatcheck' });
  client.on('error', () => {});
  await client.connect();
  // synchronous_commit off: a commit does not wait for its WAL flush. What other sessions see, and
  // when, is unchanged; only a server crash could lose the last commits — of a throw-away database.
  await client.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET synchronous_commit = off`);
  const contracts = new Map<string, RequiredQuery>(requiredQueries.map((contract) => [contract.name, contract]));
  for (const entry of catalogue.values()) {
    if (!contracts.has(entry.name)) contracts.set(entry.name, { name: entry.name, kind: entry.kind, params: entry.params });
  }
  return { client, values, database: new PostgresDatabase(client, queries, contracts, { hidden: await hiddenColumns(client), rowCountsTell: await rowCountsTell(client) }) };
}

/**
 * Whether PostgreSQL's row count of a lone INSERT, UPDATE or DELETE says all it wrote: so when the
 * database has no trigger of its own (the foreign keys' are internal) and no rule. A real project's
 * migrations may add either; then every write counts as one (PostgresDatabase.takeWrote).
 */
async function rowCountsTell(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ tell: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal)
        AND NOT EXISTS (SELECT 1 FROM pg_rules WHERE schemaname NOT IN ('pg_catalog', 'information_schema')) AS tell`,
  );
  return rows[0]?.tell === true;
}

/**
 * The columns of the nine modelled tables that the model does not know: a real project's schema
 * adds columns to them in later migrations. PostgreSQL's rows are compared with the model's without
 * them — query results here, whole tables by the state comparison — so they neither fail a run nor
 * hide a difference in the columns the model keeps.
 */
async function hiddenColumns(client: pg.Client): Promise<HiddenColumns> {
  const { rows } = await client.query<{ table: string; column: string; oid: string; attnum: string }>(
    `SELECT t.name AS table, a.attname AS column, a.attrelid::oid::text AS oid, a.attnum::text AS attnum
       FROM unnest($1::text[]) AS t(name)
       JOIN pg_attribute a ON a.attrelid = to_regclass(quote_ident(t.name))
      WHERE a.attnum > 0 AND NOT a.attisdropped`,
    [tableNames],
  );
  return new Set(rows.filter((row) => !schema[row.table as keyof typeof schema].columnIndex.has(row.column)).map((row) => `${row.oid}:${row.attnum}`));
}
