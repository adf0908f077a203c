import type pg from 'pg';

/**
 * The explorer's window on the server: a connection of its own that asks which backends block
 * which (pg_blocking_pids, as PostgreSQL's isolation tester asks pg_isolation_test_session_is_blocked),
 * and cancels a statement when the explorer must break a wait (a deadlock, a hang). It takes no
 * lock of its own: its reads are of the lock manager, never of the tables under test.
 */
export class WaitObserver {
  constructor(readonly client: pg.ClientBase) {}

  /**
   * For each backend in `pids`, the backends it waits for (empty when it does not wait on a lock),
   * in one round trip: a prepared statement, sent back to back while a statement is in flight.
   */
  async blockers(pids: readonly number[]): Promise<Map<number, readonly number[]>> {
    const { rows } = await this.client.query<{ pid: number; blockers: number[] }>({
      name: 'chatcheck_race_blockers',
      text: 'SELECT pid, pg_blocking_pids(pid) AS blockers FROM unnest($1::int[]) AS pid',
      values: [pids],
    });
    return new Map(rows.map((row) => [row.pid, row.blockers]));
  }

  /** Asks the server to cancel the statement `pid` is running (it fails with 57014). */
  async cancel(pid: number): Promise<void> {
    await this.client.query('SELECT pg_cancel_backend($1)', [pid]);
  }
}
