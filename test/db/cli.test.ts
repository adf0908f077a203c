import { spawn } from 'node:child_process';
import { chmod, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/postgres/databases.js';
import { bundledMigrationsDir, packageRoot } from '../../src/paths.js';
import { runCli, waitFor, type CliResult, expectSetupError } from '../support/cli.js';
import { projectServer } from '../support/database.js';

const server = projectServer();
const url = server.target.connectionString;
let admin: pg.Client;
let scratch: string;

beforeAll(async () => {
  admin = await connect(server.target);
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-cli-test-'));
  // Enterable by anyone (not readable), so a TMPDIR under here can be one the "postgres" user may enter.
  await chmod(scratch, 0o711);
});
afterAll(async () => {
  await admin.end();
  await rm(scratch, { recursive: true, force: true });
});

/** The databases a run created, from the run id it printed with its template's name. */
async function databasesOfRun(result: CliResult): Promise<string[]> {
  const run = /chatcheck_([0-9a-f]{8})_template/.exec(result.stdout)?.[1];
  expect(run, `no template line in:\n${result.stdout}`).toBeDefined();
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [`chatcheck_${run}_`]);
  return rows.map((row) => row.datname);
}

describe('chatcheck check against the project server', () => {
  it('conforms, reports what it did, writes the JSON report and drops every database it created', async () => {
    const json = path.join(scratch, 'report.json');
    const result = await runCli(['check', '--runs', '3', '--budget', '2', '--seed', '1', '--json', json], { databaseUrl: url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^postgres: using .* \(from DATABASE_URL\)$/m);
    expect(result.stdout).toMatch(/^plumbing: ran 36 queries/m);
    expect(await databasesOfRun(result)).toEqual([]);
    const report = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
    expect(report).toMatchObject({ version: 2, ok: true, findings: [], stats: { command: 'check', queries: 36, sequential: { runs: 3 }, race: { races: expect.any(Array) } } });
    expect(result.stdout).toMatch(/^race: 67 races, \d+ schedules \(\d+\/s\), seed 1: no finding$/m);
  });

  it('sequential: a planted bug in a --queries file is a finding (exit 1); its printed replay line reproduces it', async () => {
    const mutant = path.join(scratch, 'chat-coalesce.sql');
    const chat = await readFile(path.join(packageRoot, 'src', 'queries', 'chat.sql'), 'utf8');
    await writeFile(mutant, chat.replace("SET session_id = COALESCE(sqlc.narg('session_id'), session_id),", "SET session_id = sqlc.narg('session_id'),"));
    const queries = ['--queries', mutant, '--queries', path.join(packageRoot, 'src', 'queries', 'tasks.sql')];
    const json = path.join(scratch, 'finding.json');
    const found = await runCli(['sequential', ...queries, '--seed', '3', '--runs', '200', '--max-commands', '40', '--json', json], { databaseUrl: url });
    expect(found.code, found.stderr).toBe(1);
    type Finding = { kind: string; mode: string; commands: string[]; seed: number; path: string; replayPath: string; caseHash: string; maxCommands: number; turns: boolean; replay: string };
    const report = JSON.parse(await readFile(json, 'utf8')) as { ok: boolean; findings: Finding[] };
    expect(report.ok).toBe(false);
    const [finding] = report.findings;
    expect(finding).toMatchObject({ kind: 'divergence', mode: 'sequential', maxCommands: 40 });
    expect(finding!.commands.length).toBeLessThanOrEqual(6);

    // The printed line and the JSON agree, and carry every value the run depended on.
    const line = /^replay: (.*)$/m.exec(found.stdout)?.[1];
    expect(line).toBe(finding!.replay);
    expect(line).toContain(`--seed ${finding!.seed} --path ${finding!.path}@${finding!.replayPath}.${finding!.caseHash} --max-commands 40`);
    expect(line!.includes(' --no-turns')).toBe(!finding!.turns);
    const replayed = await runCli(line!.replace(/^npx chatcheck /, '').split(' '), { databaseUrl: url });
    expect(replayed.code, replayed.stderr).toBe(1);
    const shown = (stdout: string) => stdout.split('\n').filter((text) => /^ +\d+\. /.test(text));
    expect(shown(replayed.stdout)).toEqual(shown(found.stdout));
  });

  it('race: the first version of the delete is a finding (exit 1) with its timeline; the printed replay line reproduces it', async () => {
    const json = path.join(scratch, 'race.json');
    const found = await runCli(['race', '--pair', 'send,delete', '--variant', 'delete:v1', '--seed', '3', '--json', json], { databaseUrl: url });
    expect(found.code, found.stderr).toBe(1);
    expect(found.stdout).toMatch(/^race send,delete \(delete:v1\): .*: invariant in schedule [AB]+:$/m);
    expect(found.stdout).toMatch(/^ {2}A +\| B$/m);
    expect(found.stdout).toContain('PostgreSQL broke "no live chat task outlives its session"');
    type Finding = { mode: string; kind: string; pair: string[]; variants: string[]; schedule: string; timeline: unknown[]; replay: string };
    const report = JSON.parse(await readFile(json, 'utf8')) as { ok: boolean; findings: Finding[]; stats: { races: { pair: string; interleavings: number }[] } };
    expect(report.ok).toBe(false);
    const [finding] = report.findings;
    expect(finding).toMatchObject({ mode: 'race', kind: 'invariant', pair: ['send', 'delete'], variants: ['delete:v1'] });
    expect(finding!.timeline.length).toBeGreaterThan(5);
    const line = /^replay: (.*)$/m.exec(found.stdout)?.[1];
    expect(line).toBe(finding!.replay);
    expect(line).toBe(`npx chatcheck race --pair send,delete --variant delete:v1 --schedule ${finding!.schedule}`);
    const replayed = await runCli(line!.replace(/^npx chatcheck /, '').split(' '), { databaseUrl: url });
    expect(replayed.code, replayed.stderr).toBe(1);
    const timeline = (stdout: string) => stdout.split('\n').filter((text) => text.includes(' | ') || text.startsWith('  A '));
    expect(timeline(replayed.stdout)).toEqual(timeline(found.stdout));
  });

  it('race: the bundled queries conform on send vs delete (exit 0); a known finding replays and is listed, not failed on', async () => {
    const clean = await runCli(['race', '--pair', 'send,delete', '--budget', '20', '--seed', '1'], { databaseUrl: url });
    expect(clean.code, clean.stderr + clean.stdout).toBe(0);
    expect(clean.stdout).toMatch(/^race send,delete: 10 interleavings, then 10 sampled schedules, 3 of 4 serial outcomes reached: no finding$/m);
    const known = await runCli(['race', '--pair', 'delete,complete', '--schedule', 'AABBB'], { databaseUrl: url });
    expect(known.code, known.stderr + known.stdout).toBe(0);
    expect(known.stdout).toMatch(/^known finding delete-complete-lock-order: deadlock in race delete,complete, reproduced/m);
  });

  it('race: LockChatSessionForDelete with FOR SHARE in a --queries copy of chat.sql is a finding (exit 1)', async () => {
    const weaker = path.join(scratch, 'chat-for-share.sql');
    const chat = await readFile(path.join(packageRoot, 'src', 'queries', 'chat.sql'), 'utf8');
    expect(chat).toContain('WHERE id = $1\nFOR UPDATE;');
    await writeFile(weaker, chat.replace('WHERE id = $1\nFOR UPDATE;', 'WHERE id = $1\nFOR SHARE;'));
    const tasks = path.join(packageRoot, 'src', 'queries', 'tasks.sql');
    const found = await runCli(['race', '--pair', 'send,delete', '--exhaustive', '--queries', weaker, '--queries', tasks], { databaseUrl: url });
    expect(found.code, found.stderr + found.stdout).toBe(1);
    expect(found.stdout).toContain('PostgreSQL broke "no live chat task outlives its session"');
    // Paths below the working directory (here the checkout) relative to it, others absolute.
    expect(found.stdout).toMatch(new RegExp(`^replay: npx chatcheck race --pair send,delete --schedule [AB]+ --queries ${weaker} --queries src/queries/tasks\\.sql$`, 'm'));
  });

  it('race: bad race options are one line and exit 2', async () => {
    expectSetupError(await runCli(['race', '--pair', 'send,bogus'], { databaseUrl: url }), /unknown workflow "bogus" in "send,bogus" \(race workflows: send, delete/);
    expectSetupError(await runCli(['race', '--pair', 'send'], { databaseUrl: url }), /a race is two or three workflows/);
    expectSetupError(await runCli(['race', '--variant', 'delete:v9'], { databaseUrl: url }), /unknown variant "delete:v9" \(variants: delete:v1, delete:tx-no-lock\)/);
    expectSetupError(await runCli(['race', '--schedule', 'AB'], { databaseUrl: url }), /--schedule replays one race — give exactly one --pair/);
    expectSetupError(await runCli(['race', '--pair', 'send,delete', '--schedule', 'ABC'], { databaseUrl: url }), /--schedule: a schedule is a string of the session letters AB, got "ABC"/);
  });

  it('leaves a database it did not create untouched', async () => {
    const canary = `canary_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${canary}`);
    try {
      const target = server.target.database(canary);
      const before = await connect(target);
      await before.query(`CREATE TABLE bird (name text); INSERT INTO bird VALUES ('tweety')`);
      await before.end();

      const result = await runCli(['--runs', '3', '--budget', '2', '--seed', '1', '--database-url', target.connectionString], {});
      expect(result.code, result.stderr).toBe(0);

      const after = await connect(target);
      const { rows } = await after.query(`SELECT name FROM bird`);
      const { rows: tables } = await after.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
      await after.end();
      expect(rows).toEqual([{ name: 'tweety' }]);
      expect(tables).toEqual([{ tablename: 'bird' }]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${canary} WITH (FORCE)`);
    }
  });

  it('drops what it created when interrupted with SIGINT (npx chatcheck, Ctrl-C to its process group)', async () => {
    // A migration that sleeps keeps the run busy while it owns a database, so the signal lands mid-run.
    const migrations = path.join(scratch, 'slow-migrations');
    await cp(bundledMigrationsDir, migrations, { recursive: true });
    await writeFile(path.join(migrations, '999_slow.up.sql'), 'SELECT pg_sleep(60);\n');
    let database: string | undefined;
    const result = await runCli(['--migrations', migrations], {
      databaseUrl: url,
      viaNpx: true,
      onSpawn: (child) => {
        void waitFor(async () => {
          const { rows } = await admin.query<{ datname: string }>(
            `SELECT datname FROM pg_stat_activity WHERE application_name = 'chatcheck' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()`,
          );
          database = rows[0]?.datname;
          return database !== undefined;
        }, 60_000, 'the slow migration to start').then(() => process.kill(-child.pid!, 'SIGINT'));
      },
    });
    expect(database).toMatch(/^chatcheck_[0-9a-f]{8}_template$/);
    // npx re-raises the signal its child died of; 'close' fired only once chatcheck itself exited
    // (it shares the pipes), so its cleanup has finished by now.
    expect(result.signal).toBe('SIGINT');
    expect(result.stderr).toContain('SIGINT: dropping what this run created');
    const { rows } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [database]);
    expect(rows).toEqual([]);
  });
});

describe('a reader that stops early', () => {
  it('closing the pipe (chatcheck --help | head -1) is no crash: exit 0 and nothing on stderr', async () => {
    const child = spawn(process.execPath, [path.join(packageRoot, 'bin', 'chatcheck.js'), '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the child has started: every write it makes meets a closed pipe (EPIPE).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('setup errors: exit 2, one line with the cause and the fix', () => {
  it('unreachable server', async () => {
    expectSetupError(await runCli(['--database-url', 'postgres://postgres@127.0.0.1:1/postgres']), /cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/);
  });

  it('wrong credentials', async () => {
    const wrong = new URL(url);
    wrong.username = 'no_such_role';
    wrong.password = 'wrong';
    expectSetupError(await runCli(['--database-url', wrong.href]), /rejected user "no_such_role"/);
  });

  it('no right to CREATE DATABASE', async () => {
    const role = `chatcheck_test_role_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD 'pw'`);
    try {
      const limited = new URL(url);
      limited.username = role;
      limited.password = 'pw';
      expectSetupError(await runCli(['--database-url', limited.href]), new RegExp(`user "${role}" may not create databases.*CREATEDB`));
    } finally {
      await admin.query(`DROP ROLE ${role}`);
    }
  });

  it('a --migrations directory that does not exist', async () => {
    expectSetupError(await runCli(['--migrations', path.join(scratch, 'nowhere')], { databaseUrl: url }), /migrations directory .*nowhere does not exist/);
  });

  it('a migration with an SQL error names the file, the line and the server message, and drops the template', async () => {
    const migrations = path.join(scratch, 'broken-migrations');
    await cp(bundledMigrationsDir, migrations, { recursive: true });
    await writeFile(path.join(migrations, '999_broken.up.sql'), '-- a typo\nCREATE TABLE oops (id int,);\n');
    const result = await runCli(['--migrations', migrations], { databaseUrl: url });
    expectSetupError(result, /migration .*999_broken\.up\.sql:2 failed: syntax error at or near "\)" \(SQLSTATE 42601\)/);
    expect(await databasesOfRun(result)).toEqual([]);
  });

  it('an unknown option', async () => {
    expectSetupError(await runCli(['--frobnicate'], { databaseUrl: url }), /unknown option '--frobnicate'/);
  });

  it('an unknown option close to a known one: the hint stays on the one line', async () => {
    expectSetupError(await runCli(['sequential', '--turns'], { databaseUrl: url }), /unknown option '--turns' \(Did you mean --runs\?\) — see chatcheck --help$/);
  });

  it('--state-every 0', async () => {
    expectSetupError(await runCli(['sequential', '--state-every', '0'], { databaseUrl: url }), /--state-every <n>.*expected a positive integer, got "0"/);
  });

  it('a malformed --queries file, before any server is touched', async () => {
    const file = path.join(scratch, 'bad.sql');
    await writeFile(file, '-- name: Broken :one\nSELEC 1;\n');
    expectSetupError(await runCli(['--queries', file], { databaseUrl: 'postgres://postgres@127.0.0.1:1/postgres' }), /bad\.sql:2: /);
  });
});

describe.runIf(server.kind === 'embedded')('with no DATABASE_URL and no Docker', () => {
  const noDocker = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

  it('prints the fallback line, uses an embedded PostgreSQL 17 and leaves no server or directory behind, with a private TMPDIR', async () => {
    // Run as root the server runs as "postgres", who cannot enter this TMPDIR: chatcheck uses /tmp instead.
    const tmp = await mkdtemp(path.join(scratch, 'private-tmp-'));
    let pid = 0;
    const result = await runCli(['--runs', '3', '--budget', '2', '--seed', '1'], {
      env: { ...noDocker, TMPDIR: tmp },
      onSpawn: (child) => (pid = child.pid!),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^postgres: no DATABASE_URL and no Docker runtime \(.+\); started embedded PostgreSQL 17 at 127\.0\.0\.1:\d+$/m);
    expect(result.stdout).toMatch(/on PostgreSQL 17\./);
    await expectNothingLeftBy(pid, tmp);
  });

  it('stops the embedded server and removes its directory on SIGINT', async () => {
    const tmp = await mkdtemp(path.join(scratch, 'tmp-'));
    await chmod(tmp, 0o711); // one the "postgres" user may enter: the server's directory goes here
    const migrations = path.join(scratch, 'slow-migrations-embedded');
    await cp(bundledMigrationsDir, migrations, { recursive: true });
    await writeFile(path.join(migrations, '999_slow.up.sql'), 'SELECT pg_sleep(60);\n');
    let pid = 0;
    let during: string[] = [];
    const result = await runCli(['--migrations', migrations], {
      env: { ...noDocker, TMPDIR: tmp },
      onSpawn: (child, output) => {
        pid = child.pid!;
        void waitFor(() => output.stdout().includes('started embedded PostgreSQL'), 60_000, 'the embedded server').then(async () => {
          during = await readdir(tmp);
          setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 500);
        });
      },
    });
    expect(result.code ?? result.signal).toBe(130);
    expect(during).toEqual([expect.stringMatching(new RegExp(`^chatcheck-pg-${pid}-`))]);
    await expectNothingLeftBy(pid, tmp);
  });
});

/**
 * No directory of the run `pid` left in its TMPDIR or in /tmp (where the embedded server's goes
 * when the "postgres" user cannot enter TMPDIR), and no process running from one.
 */
async function expectNothingLeftBy(pid: number, tmp: string): Promise<void> {
  expect(await readdir(tmp)).toEqual([]);
  const prefix = `chatcheck-pg-${pid}-`;
  expect((await readdir('/tmp')).filter((name) => name.startsWith(prefix))).toEqual([]);
  expect(await processesMentioning(prefix)).toEqual([]);
}

/** Command lines of running processes that mention `text` (e.g. a server's data directory). */
async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(cmdline.replaceAll('\0', ' '));
  }
  return found;
}
