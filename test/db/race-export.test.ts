import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { one, type Outcome, type Program } from '../../model/program.js';
import { fail, noContent } from '../../model/workflows/common.js';
import type { RaceCase } from '../../src/cases/case-file.js';
import { recordSchedule } from '../../src/cases/isolation-recording.js';
import { capturing, withoutBraces } from '../../src/cases/isolation-sql.js';
import { exportRace, raceScriptPath, writeRaceExport } from '../../src/cases/race-export.js';
import { SetupError } from '../../src/errors.js';
import type { Testbed } from '../../src/postgres/testbed.js';
import { raceWorkflow, type RacingWorkflow } from '../../src/race/race-workflows.js';
import { loadQuerySet, withMigratedDatabase, withMigratedDatabaseTarget } from '../support/database.js';
import { runIsolationTester } from '../support/isolation.js';
import { withRaceRunner } from '../support/race.js';
import { withTestbed } from '../support/testbed.js';

function raceCaseOf(pair: string[], variants: string[], schedule: string, expected: RaceCase['expected']): RaceCase {
  return {
    format: 'chatcheck-case',
    version: 1,
    recordedBy: 'chatcheck test',
    recordedAt: '2026-01-01T00:00:00.000Z',
    inputs: { queryFiles: ['src/queries/chat.sql', 'src/queries/tasks.sql'], queries: 'sha256:test', migrations: 'sha256:test' },
    expected,
    observed: {},
    mode: 'race',
    pair,
    variants,
    schedule,
    overlap: true,
  };
}

/** Runs the exported script with bash against `url`; its output (stdout and stderr) and exit code. */
function runScript(script: string, url: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', [script, url], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

async function exported<T>(raceCase: RaceCase, fn: (files: { spec: string; script: string; testbed: Testbed }) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chatcheck-race-export-'));
  try {
    return await withTestbed(async (testbed) => {
      const written = await exportRace(testbed, await loadQuerySet(), raceCase, path.join(dir, 'case.spec'));
      expect(written).toEqual([path.join(dir, 'case.spec'), path.join(dir, 'case.sh')]);
      return fn({ spec: written[0]!, script: written[1]!, testbed });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const orphan = raceCaseOf(['send', 'delete'], ['delete:v1'], 'AAAAABB', {
  kind: 'invariant',
  invariant: 'no live chat task outlives its session',
  summary: 'invariant in race send,delete (delete:v1), schedule AAAAABB',
});

const deadlock = raceCaseOf(['delete', 'complete'], [], 'AABBB', {
  kind: 'deadlock',
  known: 'delete-complete-lock-order',
  summary: 'deadlock in race delete,complete, schedule AABBB',
});

/** The bad-state query's rows in the script's output (psql's aligned format, NULL shown as "(null)"). */
function orphanRows(output: string): string[] {
  const after = output.slice(output.indexOf('bad state:'));
  return after.split('\n').filter((line) => /^ no live chat task outlives its session \| [0-9a-f-]{36} \| queued \| \(null\)/.test(line));
}

describe('a race case exported for psql and the isolation tester', () => {
  it('send vs delete:v1: the script and the spec leave a queued task without a session on a fresh database', async () => {
    await exported(orphan, async ({ spec, script, testbed }) => {
      const played = await runScript(script, (await testbed.copy('script')).connectionString);
      expect(played.code, played.output).toBe(0);
      // The delete's cancel ran while the task was uncommitted, found nothing; the task stayed queued, its session gone.
      expect(played.output).toMatch(/step b3_CancelAgentTasksByChatSession: CancelAgentTasksByChatSession\n.*\n[-+]+\n\(0 rows\)/);
      expect(orphanRows(played.output), played.output).toHaveLength(1);
      expect(played.output).toMatch(/\(1 row\)\n*$/);

      const text = await readFile(spec, 'utf8');
      expect(text).toMatch(/^permutation\n {2}a1_GetChatSessionInWorkspace\n/m);
      const tested = await runIsolationTester(spec, (await testbed.copy('spec')).connectionString);
      expect(tested.code, tested.output).toBe(0);
      expect(tested.output).toContain('starting permutation: a1_GetChatSessionInWorkspace a2_BEGIN');
      const check = tested.output.slice(tested.output.indexOf('step check_bad_state:'));
      expect(check, tested.output).toMatch(/\nno live chat task outlives its session\|[0-9a-f-]{36}\|queued\s*\|\s*\|\s*\|\s*\n\(1 row\)/);
    });
  }, 120_000);

  it('send vs the bundled delete in the serial order: the same bad-state query finds no row', async () => {
    const serial = raceCaseOf(['send', 'delete'], [], '', orphan.expected);
    await exported(serial, async ({ script, testbed }) => {
      const played = await runScript(script, (await testbed.copy('script')).connectionString);
      expect(played.code, played.output).toBe(0);
      expect(played.output).toMatch(/broken_rule/);
      expect(orphanRows(played.output)).toEqual([]);
      expect(played.output).toMatch(/\(0 rows\)\n*$/);
    });
  }, 120_000);

  it('delete vs complete (a known deadlock of the bundled queries): both end in 40P01 on a fresh database', async () => {
    await exported(deadlock, async ({ spec, script, testbed }) => {
      const played = await runScript(script, (await testbed.copy('script')).connectionString);
      expect(played.code, played.output).toBe(0);
      // The delete waits for complete's task lock; complete's UpdateChatSessionSession closes the cycle and is the victim, as chatcheck picked.
      expect(played.output).toMatch(/step a\d+_CancelAgentTasksByChatSession: CancelAgentTasksByChatSession <waiting \.\.\.>/);
      expect(played.output).toMatch(/step b\d+_UpdateChatSessionSession: UpdateChatSessionSession\n(.*\n)*?.*ERROR: {2}deadlock detected\n(.*\n)*?\(SQLSTATE 40P01\)/);
      expect(played.output).toMatch(/step a\d+_CancelAgentTasksByChatSession: <\.\.\. completed>/);

      const tested = await runIsolationTester(spec, (await testbed.copy('spec')).connectionString);
      expect(tested.code, tested.output).toBe(0);
      expect(tested.output).toMatch(/step a\d+_CancelAgentTasksByChatSession: [^]*?<waiting \.\.\.>/);
      expect(tested.output).toMatch(/step b\d+_UpdateChatSessionSession: [^]*?ERROR: {2}deadlock detected/);
    });
  }, 120_000);

  it('an id PostgreSQL made during the race reaches a later statement through the capture table', async () => {
    // A writes a message (its id from gen_random_uuid()) and reads it back by that id; B marks the session read.
    function* writeThenRead(input: Readonly<Record<string, unknown>>): Program<Outcome> {
      const message = yield* one('CreateChatMessage', { chat_session_id: input['session_id'] as string, role: 'user', content: 'made during the race', task_id: null, failure_reason: null, elapsed_ms: null });
      const again = yield* one('GetChatMessage', { id: message!['id']! });
      return again === null ? fail(404, 'message not found') : noContent;
    }
    const writer: RacingWorkflow = { name: 'write-read', workflow: 'SendChatMessage', stage: 'session', args: { session_id: { ref: 'chat_session', pick: -1 } }, program: writeThenRead };
    const raceCase = raceCaseOf(['write-read', 'mark-read'], [], 'AB', { kind: 'divergence', summary: 'a planted race that only reads back its own message' });
    const dir = await mkdtemp(path.join(tmpdir(), 'chatcheck-race-export-'));
    try {
      const [spec, script] = await withRaceRunner(async (runner) => writeRaceExport(await recordSchedule(runner, await loadQuerySet(), [writer, raceWorkflow('mark-read')!], raceCase.schedule), raceCase, path.join(dir, 'made.spec')));
      const text = await readFile(spec!, 'utf8');
      expect(text).toContain("INSERT INTO chatcheck_race_values (name, value) SELECT 'a2.id', \"id\"::text FROM chatcheck_row");
      expect(text).toContain("WHERE id = (SELECT value FROM chatcheck_race_values WHERE name = 'a2.id')::uuid");
      const read = /step a4_GetChatMessage: GetChatMessage\n.*\n[-+]+\n.*made during the race.*\n\(1 row\)/;
      const played = await withMigratedDatabaseTarget((target) => runScript(script!, target.connectionString));
      expect(played.code, played.output).toBe(0);
      expect(played.output).toMatch(read);
      const tested = await withMigratedDatabaseTarget((target) => runIsolationTester(spec!, target.connectionString));
      expect(tested.code, tested.output).toBe(0);
      expect(tested.output).toMatch(/step a4_GetChatMessage: [^]*?\n.*made during the race.*\n\(1 row\)/);
      // The teardown drops the capture table with the rows.
      expect(text).toMatch(/^teardown\n\{\n[^}]*DROP TABLE IF EXISTS chatcheck_race_values\n\}/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('SQL text for a spec: no brace left, the same values; a statement with a data-modifying WITH still records what it returns', async () => {
    await withMigratedDatabase(async (client) => {
      const braces = `SELECT '{"a": {"b": 1}}'::jsonb AS j, E'\\{x\\}''' AS e, $q$}{'$q$ AS d, U&"x{y}"."c" + "z}"."c" /* } */ -- {\nFROM (SELECT 1 AS c) AS U&"x{y}", (SELECT 2 AS c) AS "z}"`;
      const rewritten = withoutBraces(braces);
      expect(rewritten).not.toMatch(/[{}]/);
      expect((await client.query(rewritten)).rows).toEqual((await client.query(braces)).rows);
      expect((await client.query(rewritten)).rows[0]).toMatchObject({ e: "{x}'", d: "}{'" });

      await client.query('CREATE TABLE chatcheck_race_values (name text NOT NULL, value text NOT NULL)');
      await client.query('CREATE TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), n int)');
      const statement = 'WITH made AS (INSERT INTO t (n) VALUES (1), (2) RETURNING *), more AS (INSERT INTO t (n) SELECT n + 10 FROM made RETURNING *) SELECT * FROM more ORDER BY n';
      const wrapped = capturing(statement, 'chatcheck_race_values', [{ name: 'x.id', column: 'id', row: 1 }, { name: 'x.n', column: 'n', row: 0 }]);
      const { rows } = await client.query<{ id: string; n: number }>(wrapped);
      expect(rows.map((row) => row.n)).toEqual([11, 12]);
      const saved = await client.query<{ name: string; value: string }>('SELECT name, value FROM chatcheck_race_values ORDER BY name');
      expect(saved.rows).toEqual([
        { name: 'x.id', value: rows[1]!.id },
        { name: 'x.n', value: '11' },
      ]);
    });
  });

  it('the script goes beside the spec as .sh; a spec named .sh is refused before anything runs', () => {
    expect(raceScriptPath('/x/case.spec')).toBe('/x/case.sh');
    expect(raceScriptPath('/x/case')).toBe('/x/case.sh');
    expect(() => raceScriptPath('/x/case.sh')).toThrow(SetupError);
  });
});
