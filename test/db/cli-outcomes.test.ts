import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/postgres/databases.js';
import { packageRoot } from '../../src/paths.js';
import { runCli, waitFor, type CliResult, expectSetupError } from '../support/cli.js';
import { projectServer } from '../support/database.js';

/**
 * A CLI that never misreports: an interrupted run is no finding, every way a server fails to
 * answer is a setup error, a replay that does not fit is a setup error, an output destination is
 * checked before any server starts, and every command's JSON report has one shape.
 */

const server = projectServer();
const url = server.target.connectionString;
let admin: pg.Client;
let scratch: string;

beforeAll(async () => {
  admin = await connect(server.target);
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-cli-outcomes-'));
});
afterAll(async () => {
  await admin.end();
  await rm(scratch, { recursive: true, force: true });
});

/** The run id a run printed with its template's name. */
function runIdOf(stdout: string): string | undefined {
  return /chatcheck_([0-9a-f]{8})_template/.exec(stdout)?.[1];
}

async function databasesOfRun(run: string): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [`chatcheck_${run}_`]);
  return rows.map((row) => row.datname);
}

interface JsonReport {
  version: number;
  ok: boolean;
  interrupted: boolean;
  findings: { kind: string; seed: number; path: string; replayPath: string | null; caseHash: string; replay: string }[];
  knownFindings: unknown[];
  stats: { command: string; server: { source: string; version: string | null } | null; queries: number | null; migrations: number | null; durationMs: number } & Record<string, unknown>;
}

const readReport = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as JsonReport;

describe('an interrupted run is never a finding', () => {
  /**
   * Runs `args` and sends `signal` to its process group (as Ctrl-C in a terminal does) once the
   * run is busy in its database `role`: a chatcheck connection there has run a statement of the
   * property or the explorer, not only the SET of its opening. Returns the result and the run id.
   */
  async function interrupted(args: string[], role: 'sequential' | 'race', signal: NodeJS.Signals): Promise<{ result: CliResult; run: string }> {
    let run: string | undefined;
    const result = await runCli(args, {
      databaseUrl: url,
      onSpawn: (child, output) => {
        void waitFor(
          async () => {
            run ??= runIdOf(output.stdout());
            if (run === undefined) return false;
            const { rows } = await admin.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'chatcheck' AND query <> '' AND query NOT LIKE 'SET %'`,
              [`chatcheck_${run}_${role}`],
            );
            return rows.length > 0;
          },
          60_000,
          `the ${role} run to be busy`,
        ).then(() => setTimeout(() => process.kill(-child.pid!, signal), 200));
      },
    });
    expect(run, result.stdout + result.stderr).toBeDefined();
    return { result, run: run! };
  }

  /** 130/143, one line on stderr, no stack, nothing reported, the report says interrupted, nothing left behind. */
  async function expectInterrupted({ result, run }: { result: CliResult; run: string }, signal: NodeJS.Signals, command: string, json: string): Promise<void> {
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr + result.stdout).toBe(signal === 'SIGINT' ? 130 : 143);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^chatcheck: ${signal}: dropping what this run created, then exiting with code 1[34][03] \\(an interrupted run reports no findings\\)$`))]);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toMatch(/unexpected-error|replay:|divergence|no finding|^ok: /m);
    const report = await readReport(json);
    expect(report).toMatchObject({ version: 2, ok: false, interrupted: true, findings: [], knownFindings: [], stats: { command, server: { source: 'url', version: expect.any(String) }, queries: 36, migrations: 5 } });
    expect(await databasesOfRun(run)).toEqual([]);
  }

  it('sequential, SIGINT mid-run', async () => {
    const json = path.join(scratch, 'interrupted-sequential.json');
    const outcome = await interrupted(['sequential', '--runs', '100000', '--json', json], 'sequential', 'SIGINT');
    await expectInterrupted(outcome, 'SIGINT', 'sequential', json);
  });

  it('race, SIGINT mid-run', async () => {
    const json = path.join(scratch, 'interrupted-race.json');
    const outcome = await interrupted(['race', '--json', json], 'race', 'SIGINT');
    await expectInterrupted(outcome, 'SIGINT', 'race', json);
  });

  it('check, SIGTERM in its sequential property', async () => {
    const json = path.join(scratch, 'interrupted-check.json');
    const outcome = await interrupted(['check', '--runs', '100000', '--json', json], 'sequential', 'SIGTERM');
    await expectInterrupted(outcome, 'SIGTERM', 'check', json);
  });
});

describe('a server that does not answer is a setup error (exit 2, one line)', () => {
  /** A plain TCP server on 127.0.0.1 (not a database): `onConnection` decides what it does with a client. */
  async function withFakeServer(onConnection: (socket: Socket) => void, body: (url: string) => Promise<void>): Promise<void> {
    const sockets: Socket[] = [];
    const fake: Server = createServer((socket) => {
      sockets.push(socket);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = fake.address() as { port: number };
      await body(`postgres://postgres@127.0.0.1:${port}/postgres`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => fake.close(resolve));
    }
  }

  it('a port that accepts and closes at once', async () => {
    await withFakeServer(
      (socket) => socket.destroy(),
      async (fakeUrl) => expectSetupError(await runCli(['sequential', '--database-url', fakeUrl]), /cannot connect to PostgreSQL at 127\.0\.0\.1:\d+: the server closed the connection without answering/),
    );
  });

  it('a port that accepts and never answers: given up after 5 s', async () => {
    await withFakeServer(
      () => {},
      async (fakeUrl) => {
        const started = Date.now();
        expectSetupError(await runCli(['race', '--database-url', fakeUrl]), /cannot connect to PostgreSQL at 127\.0\.0\.1:\d+: no answer within 5 s/);
        expect(Date.now() - started).toBeLessThan(15_000);
      },
    );
  });
});

describe('outputs are checked before any server starts', () => {
  // An unreachable server: were it tried first, the error would be about it.
  const nowhere = 'postgres://postgres@127.0.0.1:1/postgres';

  it('--json into a directory that does not exist', async () => {
    const json = path.join(scratch, 'missing', 'report.json');
    for (const command of ['check', 'sequential', 'race']) {
      expectSetupError(await runCli([command, '--json', json, '--database-url', nowhere]), /--json .*missing\/report\.json: the directory .*missing does not exist/);
    }
  });

  it('--json naming a directory', async () => {
    expectSetupError(await runCli(['sequential', '--json', scratch, '--database-url', nowhere]), /--json .* is a directory/);
  });
});

describe('replaying a sequential finding', () => {
  it('--path without --seed is a setup error, before any server starts', async () => {
    expectSetupError(await runCli(['sequential', '--path', '3:1:2', '--database-url', 'postgres://postgres@127.0.0.1:1/postgres']), /--path needs the --seed it was printed with — copy the whole replay line/);
    expectSetupError(await runCli(['check', '--path', '3:1:2', '--database-url', 'postgres://postgres@127.0.0.1:1/postgres']), /--path needs the --seed/);
  });

  it('a --path that does not fit the options it was printed with is a setup error; the whole replay line replays', async () => {
    const mutant = path.join(scratch, 'chat-coalesce.sql');
    const chat = await readFile(path.join(packageRoot, 'src', 'queries', 'chat.sql'), 'utf8');
    await writeFile(mutant, chat.replace("SET session_id = COALESCE(sqlc.narg('session_id'), session_id),", "SET session_id = sqlc.narg('session_id'),"));
    const json = path.join(scratch, 'finding.json');
    const found = await runCli(['sequential', '--queries', mutant, '--queries', path.join(packageRoot, 'src', 'queries', 'tasks.sql'), '--seed', '7', '--max-commands', '40', '--json', json], { databaseUrl: url });
    expect(found.code, found.stderr).toBe(1);
    const report = await readReport(json);
    expect(report).toMatchObject({ ok: false, interrupted: false, stats: { command: 'sequential', server: { source: 'url', version: expect.any(String) }, queries: 36, migrations: 5, sequential: { seed: 7 } } });
    const [finding] = report.findings;
    expect(finding!.caseHash).toMatch(/^[0-9a-f]{8}$/);
    const line = /^replay: npx chatcheck (.*)$/m.exec(found.stdout)![1]!;
    expect(line).toBe(finding!.replay.replace(/^npx chatcheck /, ''));
    expect(line).toContain(`--max-commands 40`);
    const args = line.split(' ');

    // The whole line replays the finding.
    expect((await runCli(args, { databaseUrl: url })).code).toBe(1);
    // Without --max-commands 40 the path leads elsewhere: to another case, or nowhere fast-check can walk.
    const withoutMax = args.filter((arg, i) => arg !== '--max-commands' && args[i - 1] !== '--max-commands');
    expectSetupError(await runCli(withoutMax, { databaseUrl: url }), /--path .* does not fit --seed \d+ with these options .* — use the whole replay line the finding printed/);
    // Paths past where fast-check went (with no case hash, as a path printed before it had one).
    const pathAt = args.indexOf('--path') + 1;
    const withPath = (path: string) => args.map((arg, i) => (i === pathAt ? `${path}${finding!.replayPath ? `@${finding!.replayPath}` : ''}` : arg));
    expectSetupError(await runCli(withPath(`${finding!.path}:999`), { databaseUrl: url }), /--path .* does not fit --seed \d+ with these options \(it leads to no case at all\)/);
    expectSetupError(await runCli(withPath(`${finding!.path}:999:0`), { databaseUrl: url }), /--path .* does not fit --seed \d+ with these options \(fast-check: Unable to replay, got wrong path/);
  });
});

describe('one JSON report shape', () => {
  it('race: stats.command and stats.server, like check and sequential', async () => {
    const json = path.join(scratch, 'race.json');
    const result = await runCli(['race', '--pair', 'send,delete', '--budget', '2', '--seed', '1', '--json', json], { databaseUrl: url });
    expect(result.code, result.stderr).toBe(0);
    expect(await readReport(json)).toMatchObject({
      version: 2,
      ok: true,
      interrupted: false,
      findings: [],
      knownFindings: [],
      stats: { command: 'race', server: { source: 'url', version: expect.any(String) }, queries: 36, migrations: 5, race: { seed: 1, races: [{ pair: 'send,delete' }] }, durationMs: expect.any(Number) },
    });
  });
});
