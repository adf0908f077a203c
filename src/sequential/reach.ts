import type pg from 'pg';

/**
 * Which rows beyond chat's own chatcheck's fixtures (src/queries/fixture.sql) can write into the
 * schema under test. The bundled migrations take all of them; a real project's schema may not, and
 * a fixture row PostgreSQL refuses where the model takes it would be a finding about chatcheck, not
 * about the queries. The generators leave out what the schema does not take.
 */
export interface FixtureReach {
  /** FixtureCreateIssue inserts only workspace_id: the issue table must need no other column. */
  readonly issues: boolean;
  /** FixtureCreateAutopilotTask writes any UUID as autopilot_run_id: the column must reference no table. */
  readonly autopilotRuns: boolean;
}

/** The bundled schema's: every fixture row. */
export const fullReach: FixtureReach = { issues: true, autopilotRuns: true };

/**
 * Asks the schema: an issue table with a NOT NULL column that has no default (other than id and
 * workspace_id) takes no fixture issue — upstream's real issue table has title, creator_type and
 * creator_id so; an autopilot_run_id with a foreign key (upstream's, to autopilot_run) takes no
 * made-up run.
 */
export async function fixtureReach(client: pg.ClientBase): Promise<FixtureReach> {
  const { rows } = await client.query<{ issues: boolean; autopilot_runs: boolean }>(`
    SELECT to_regclass('issue') IS NOT NULL
           AND NOT EXISTS (SELECT FROM pg_attribute a
                            WHERE a.attrelid = to_regclass('issue') AND a.attnum > 0 AND NOT a.attisdropped
                              AND a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''
                              AND a.attname NOT IN ('id', 'workspace_id')) AS issues,
           NOT EXISTS (SELECT FROM pg_constraint c
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                        WHERE c.conrelid = to_regclass('agent_task_queue') AND c.contype = 'f'
                          AND a.attname = 'autopilot_run_id') AS autopilot_runs`);
  const row = rows[0]!;
  return { issues: row.issues, autopilotRuns: row.autopilot_runs };
}
