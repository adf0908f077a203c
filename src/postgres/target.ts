import { SetupError } from '../errors.js';

/**
 * Where a PostgreSQL server is, as a postgres:// URL, with helpers to address one database on it.
 * Passwords never leave this module in printed form: `display` masks them.
 */
export class ServerTarget {
  readonly #url: URL;

  private constructor(url: URL) {
    this.#url = url;
  }

  /** Parses a user-supplied URL; anything but postgres:// or postgresql:// is a usage error. */
  static parse(text: string, origin: string): ServerTarget {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new SetupError(
        `${origin} is not a URL: "${mask(text)}"`,
        'give a URL like postgres://user:password@host:5432/postgres',
      );
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new SetupError(
        `${origin} must start with postgres:// or postgresql://, got "${url.protocol}//"`,
        'give a URL like postgres://user:password@host:5432/postgres',
      );
    }
    return new ServerTarget(url);
  }

  static of(parts: { host: string; port: number; user: string; password?: string; database: string }): ServerTarget {
    const url = new URL('postgres://localhost');
    url.hostname = parts.host;
    url.port = String(parts.port);
    url.username = encodeURIComponent(parts.user);
    if (parts.password !== undefined) url.password = encodeURIComponent(parts.password);
    url.pathname = `/${encodeURIComponent(parts.database)}`;
    return new ServerTarget(url);
  }

  /** The database named in the URL: where chatcheck connects to create and drop its own. */
  get maintenanceDatabase(): string {
    return decodeURIComponent(this.#url.pathname.slice(1)) || this.user;
  }

  get user(): string {
    return decodeURIComponent(this.#url.username) || process.env.PGUSER || 'postgres';
  }

  get hostAndPort(): string {
    return `${this.#url.hostname || 'localhost'}:${this.#url.port || '5432'}`;
  }

  /** The same server and credentials, addressing another database. */
  database(name: string): ServerTarget {
    const url = new URL(this.#url.href);
    url.pathname = `/${encodeURIComponent(name)}`;
    return new ServerTarget(url);
  }

  /** A connection string for node-postgres. */
  get connectionString(): string {
    return this.#url.href;
  }

  /** The URL with any password replaced by ***, for messages. */
  get display(): string {
    return mask(this.#url.href);
  }
}

function mask(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
