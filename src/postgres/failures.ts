import { SetupError } from '../errors.js';
import type { ServerTarget } from './target.js';

/**
 * Turns what node-postgres throws while connecting or creating databases into one line a person
 * can act on. Unknown errors pass through untouched: they are bugs, not setup problems.
 */
export function explainServerError(error: unknown, target: ServerTarget, phase: 'connect' | 'statement', timeoutMs?: number): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: string }).code;
  const where = `PostgreSQL at ${target.hostAndPort}`;
  // node-postgres says these in words, with no code: something accepted the connection, then
  // closed it, or never answered (its connectionTimeoutMillis destroys the socket).
  if (phase === 'connect' && code === undefined && /^Connection terminated unexpectedly$/.test(error.message)) {
    return new SetupError(
      `cannot connect to ${where}: the server closed the connection without answering`,
      'check that --database-url / DATABASE_URL names a PostgreSQL server (host and port) and that it accepts connections from here',
    );
  }
  if (phase === 'connect' && code === undefined && /^(timeout expired|Connection terminated due to connection timeout)$/.test(error.message)) {
    return new SetupError(
      `cannot connect to ${where}: no answer within ${timeoutMs === undefined ? 'the connect timeout' : `${timeoutMs / 1000} s`}`,
      'check that --database-url / DATABASE_URL names a PostgreSQL server (host and port) and that it is up and not overloaded',
    );
  }
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      if (phase !== 'connect') return error;
      return new SetupError(
        `cannot connect to ${where}: the server closed the connection without answering (${code})`,
        'check that --database-url / DATABASE_URL names a PostgreSQL server (host and port) and that it accepts connections from here',
      );
    case 'ECONNREFUSED':
      return new SetupError(
        `cannot connect to ${where}: connection refused`,
        'start the server, or pass a reachable server with --database-url / DATABASE_URL',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SetupError(
        `cannot connect to ${where}: unknown host`,
        'fix the host name in --database-url / DATABASE_URL',
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new SetupError(
        `cannot connect to ${where}: ${error.message}`,
        'check that the server is up and reachable from this machine',
      );
    case '28P01':
    case '28000':
      return new SetupError(
        `${where} rejected user "${target.user}": ${error.message}`,
        'fix the user name or password in --database-url / DATABASE_URL',
      );
    case '3D000':
      // While connecting it is the URL's database; later (e.g. a TEMPLATE gone missing) it is a bug.
      if (phase !== 'connect') return error;
      return new SetupError(
        `${where} has no database "${target.maintenanceDatabase}"`,
        'name an existing database in the URL (chatcheck only connects to it to create its own), e.g. /postgres',
      );
    case '42501':
      return new SetupError(
        `user "${target.user}" may not create databases on ${where}: ${error.message}`,
        `grant it with ALTER ROLE "${target.user}" CREATEDB, or use a role that has it`,
      );
    case '57P03':
      return new SetupError(`${where} is not accepting connections yet: ${error.message}`, 'wait for it to finish starting');
    default:
      return error;
  }
}
