import type pg from 'pg';

/**
 * The lock a waiting statement waits on, as pg_locks names it, without anything that changes from
 * run to run (no pid, no xid, no OID), so a replayed schedule records the same lock.
 */
export interface WaitLock {
  /** pg_locks.locktype of the lock not granted: `transactionid` (a row another transaction changed), `tuple`, `relation`, … */
  readonly locktype: string;
  /** pg_locks.mode: `ShareLock`, `RowExclusiveLock`, … */
  readonly mode: string;
  /**
   * The table: the lock's own relation, or — for a wait on a transaction, which names none — the
   * table of the row the waiter holds its tuple lock on while it waits (PostgreSQL takes one before
   * it waits for a row's locker), when it holds one.
   */
  readonly relation?: string;
}

/** What one backend waits for: the backends holding the lock, and the lock (when the poll saw it). */
export interface Wait {
  readonly blockers: readonly number[];
  readonly lock?: WaitLock;
}

/**
 * The lock each waiting pid waits on (the one pg_locks shows not granted), with its table: asked only
 * when a poll saw a backend wait, so polling stays one cheap statement.
 */
const WAIT_LOCKS = `
SELECT wanted.pid, wanted.locktype, wanted.mode,
  coalesce(
    (SELECT relname FROM pg_class WHERE oid = wanted.relation),
    (SELECT min(relname) FROM pg_locks AS held JOIN pg_class ON pg_class.oid = held.relation
      WHERE held.pid = wanted.pid AND held.granted AND held.locktype = 'tuple')
  ) AS relation
FROM pg_locks AS wanted
WHERE wanted.pid = ANY($1::int[]) AND NOT wanted.granted`;

/**
 * The explorer's window on the server: a connection of its own that asks which backends block
 * which (pg_blocking_pids, as PostgreSQL's isolation tester asks pg_isolation_test_session_is_blocked),
 * and on which lock (pg_locks), and cancels a statement when the explorer must break a wait (a
 * deadlock, a hang). It takes no lock of its own: its reads are of the lock manager and the
 * catalog, never of the tables under test.
 */
export class WaitObserver {
  constructor(readonly client: pg.ClientBase) {}

  /** For each backend in `pids`, the backends it waits for (empty when it does not wait on a lock). */
  async blockers(pids: readonly number[]): Promise<Map<number, readonly number[]>> {
    return new Map([...(await this.waits(pids))].map(([pid, wait]) => [pid, wait.blockers]));
  }

  /**
   * For each backend in `pids`, the backends it waits for (none when it does not wait on a lock) and
   * the lock: one round trip of a prepared statement, sent back to back while a statement is in
   * flight, and a second one only when some backend waits. A backend seen waiting stays waiting
   * until the session it waits for ends its transaction, a step the explorer takes after the poll,
   * so both answers describe the same wait (a lock granted in between is left out).
   */
  async waits(pids: readonly number[]): Promise<Map<number, Wait>> {
    const { rows } = await this.client.query<{ pid: number; blockers: number[] }>({
      name: 'chatcheck_race_blockers',
      text: 'SELECT pid, pg_blocking_pids(pid) AS blockers FROM unnest($1::int[]) AS pid',
      values: [pids],
    });
    const waiting = rows.filter((row) => row.blockers.length > 0).map((row) => row.pid);
    const locks = new Map<number, WaitLock>();
    if (waiting.length > 0) {
      const found = await this.client.query<{ pid: number; locktype: string; mode: string; relation: string | null }>({ name: 'chatcheck_race_wait_locks', text: WAIT_LOCKS, values: [waiting] });
      for (const lock of found.rows) locks.set(lock.pid, { locktype: lock.locktype, mode: lock.mode, ...(lock.relation === null ? {} : { relation: lock.relation }) });
    }
    return new Map(
      rows.map((row) => {
        const lock = row.blockers.length > 0 ? locks.get(row.pid) : undefined;
        return [row.pid, { blockers: row.blockers, ...(lock === undefined ? {} : { lock }) }];
      }),
    );
  }

  /** Asks the server to cancel the statement `pid` is running (it fails with 57014). */
  async cancel(pid: number): Promise<void> {
    await this.client.query('SELECT pg_cancel_backend($1)', [pid]);
  }
}
