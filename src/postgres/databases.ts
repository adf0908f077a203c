import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Lifecycle } from '../lifecycle.js';
import { explainServerError } from './failures.js';
import type { ServerTarget } from './target.js';

/** Every database chatcheck creates is named `chatcheck_<run>_<role>`; it never touches any other. */
export const DATABASE_PREFIX = 'chatcheck_';

/** How long a server may take to answer a new connection before chatcheck gives up on it. */
export const CONNECT_TIMEOUT_MS = 5_000;

export function connect(target: ServerTarget): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: target.connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'chatcheck',
  });
  // A server that goes away (e.g. dropped with FORCE on Ctrl-C) emits 'error' on idle clients;
  // the next query reports it, so an unhandled event must not crash the process first.
  client.on('error', () => {});
  return client.connect().then(
    () => client,
    (error: unknown) => {
      throw explainServerError(error, target, 'connect', CONNECT_TIMEOUT_MS);
    },
  );
}

/**
 * The databases of one run on one server. Creation registers the drop with the lifecycle before
 * anything else can fail, so a database exists only while something will drop it.
 */
export class OwnedDatabases {
  readonly #names = new Set<string>();
  readonly #admin: pg.Client;

  private constructor(
    readonly server: ServerTarget,
    admin: pg.Client,
    /** The random part of every name this run creates. */
    readonly run: string,
  ) {
    this.#admin = admin;
  }

  /**
   * Connects to the server's maintenance database; the connection closes with the lifecycle.
   * `run` lets several processes of one run (e.g. test workers) share the name space.
   */
  static async open(server: ServerTarget, lifecycle: Lifecycle, run = newRunId()): Promise<OwnedDatabases> {
    const admin = await connect(server);
    const owned = new OwnedDatabases(server, admin, run);
    lifecycle.hold(`connection to ${server.display}`, () => admin.end());
    lifecycle.hold(`databases of run ${owned.run}`, () => owned.dropAll());
    return owned;
  }

  /** The server's version as it reports it (SHOW server_version), e.g. "17.10". */
  async serverVersion(): Promise<string> {
    const { rows } = await this.#admin.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  }

  /** Names this run has created and not yet dropped. */
  get names(): readonly string[] {
    return [...this.#names];
  }

  /** Creates an empty database, or a copy of `template` (copying reads the template, never writes it). */
  async create(role: string, template?: string): Promise<ServerTarget> {
    const name = `${DATABASE_PREFIX}${this.run}_${role}`;
    const from = template === undefined ? '' : ` TEMPLATE ${pg.escapeIdentifier(template)}`;
    try {
      // Registered first: if the statement fails the name is simply not there to drop.
      this.#names.add(name);
      await this.#admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${from}`);
    } catch (error) {
      this.#names.delete(name);
      throw explainServerError(error, this.server, 'statement');
    }
    return this.server.database(name);
  }

  /** Drops one of this run's databases, closing any connection still open on it. */
  async drop(name: string): Promise<void> {
    if (!this.#names.has(name)) throw new Error(`refusing to drop ${name}: chatcheck did not create it`);
    await this.#admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    this.#names.delete(name);
  }

  /** Drops the databases this object created, newest first. */
  async dropAll(): Promise<void> {
    for (const name of [...this.#names].reverse()) await this.drop(name);
  }

  /**
   * Takes over the databases that other processes or threads of the same run (test workers share a
   * run id; worker threads are terminated on Ctrl-C) created and did not get to drop, so that
   * dropAll drops them too. A CREATE DATABASE a terminated thread had sent still runs to its end on
   * the server: it is waited for (up to ADOPT_WAIT_MS), or its database would appear after the look.
   */
  async adoptRunRemnants(): Promise<void> {
    const prefix = `${DATABASE_PREFIX}${this.run}_`;
    const deadline = Date.now() + ADOPT_WAIT_MS;
    for (;;) {
      const { rows: creating } = await this.#admin.query(
        `SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND starts_with(query, $1)`,
        [`CREATE DATABASE "${prefix}`],
      );
      if (creating.length === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { rows } = await this.#admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [prefix]);
    for (const { datname } of rows) this.#names.add(datname);
  }
}

/** The longest adoptRunRemnants waits for a CREATE DATABASE of the run still running. */
const ADOPT_WAIT_MS = 30_000;

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}
