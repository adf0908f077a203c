import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RaceCase, SequentialCase } from '../../src/cases/case-file.js';
import { parseCase } from '../../src/cases/read-case.js';
import { replayRaceCase, replaySequentialCase } from '../../src/cases/replay-case.js';
import { runCli, expectSetupError, type CliResult } from '../support/cli.js';
import { parseJunit } from '../support/junit.js';
import { projectServer, withMigratedDatabaseTarget, withTesterConnection } from '../support/database.js';
import { plantedBugs, withEditedFiles } from '../support/mutant.js';
import { withRaceRunner } from '../support/race.js';

const url = projectServer().target.connectionString;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-replay-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** `--queries` for each file. */
const queriesOf = (files: readonly string[]) => files.flatMap((file) => ['--queries', file]);

/** The one case a run saved, by the line it printed. */
async function savedCase(result: CliResult, dir: string): Promise<string> {
  const saved = [...result.stdout.matchAll(/^saved case: (.+)$/gm)].map((match) => match[1]!);
  expect(saved, result.stdout + result.stderr).toHaveLength(1);
  expect(await readdir(dir)).toEqual([path.basename(saved[0]!)]);
  return path.join(dir, path.basename(saved[0]!));
}

/** A copy of `file` cut in half: what a crash or a bad download leaves. */
async function truncatedCopy(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  const copy = path.join(scratch, `truncated-${path.basename(file)}`);
  await writeFile(copy, text.slice(0, Math.floor(text.length / 2)));
  return copy;
}

/** Runs a script with psql (as a person without Node would) against `connection`; its stdout and stderr. */
function psql(file: string, connection: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-X', '-v', 'ON_ERROR_STOP=0', '-f', file, connection], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

const [, listFrom, listTo] = plantedBugs.find(([name]) => name.includes('ListChatSessionsByCreator'))!;

describe('chatcheck replay: a planted sequential bug', () => {
  it('--save writes a case; replay exits 1 on the planted queries, 0 on the bundled ones (warning that they changed), 2 on a truncated copy; 20 replays of 20 reproduce; the --psql script shows the bad state', async () => {
    await withEditedFiles('chat', listFrom, listTo, async (planted) => {
      const dir = path.join(scratch, 'sequential-cases');
      const found = await runCli(['sequential', ...queriesOf(planted), '--seed', '7', '--runs', '60', '--max-commands', '40', '--workers', '1', '--save', dir], { databaseUrl: url });
      expect(found.code, found.stderr).toBe(1);
      const file = await savedCase(found, dir);
      const caseFile = parseCase(await readFile(file, 'utf8'), 'case') as SequentialCase;
      expect(caseFile).toMatchObject({ format: 'chatcheck-case', version: 1, mode: 'sequential', expected: { kind: 'divergence' } });
      expect(caseFile.expected.command).toBe(caseFile.commands.length - 1);

      // In CI: --quiet leaves the setup lines out, --junit makes the case one testcase, failed while it reproduces.
      const reproducedXml = path.join(scratch, 'reproduced.xml');
      const reproduced = await runCli(['replay', file, ...queriesOf(planted), '--quiet', '--junit', reproducedXml], { databaseUrl: url });
      expect(reproduced.code, reproduced.stderr).toBe(1);
      expect(reproduced.stdout).toMatch(new RegExp(`^replay: .+: divergence at command ${caseFile.commands.length} of ${caseFile.commands.length} commands?, reproduced:$`, 'm'));
      expect(reproduced.stdout).not.toMatch(/^(queries|postgres|schema): /m);
      expect(reproduced.stderr).toBe('');
      const failing = parseJunit(await readFile(reproducedXml, 'utf8')).testsuites.testsuite[0]!.testcase[0]!;
      expect(failing).toMatchObject({ '@name': file, '@classname': 'chatcheck.replay.sequential' });
      expect(failing.failure![0]!['@message']).toMatch(/^reproduced: divergence: /);

      const fixedXml = path.join(scratch, 'fixed.xml');
      const fixed = await runCli(['replay', file, '--junit', fixedXml], { databaseUrl: url });
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(fixed.stdout).toMatch(/^replay: .+ no longer reproduces: the \d+ commands? ran and every comparison passed/m);
      expect(fixed.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^chatcheck: warning: the query files .* are not those .* was recorded on .*: their text differs$/)]);
      expect(parseJunit(await readFile(fixedXml, 'utf8')).testsuites).toMatchObject({ '@name': 'chatcheck replay', '@tests': '1', '@failures': '0', '@errors': '0' });

      expectSetupError(await runCli(['replay', await truncatedCopy(file)], { databaseUrl: url }), /truncated-.*\.json: not JSON/);

      // The same case, 20 times in one process: the same finding at the same command every time.
      await withTesterConnection(async (connection, queries) => {
        for (let i = 0; i < 20; i++) {
          const replay = await replaySequentialCase(connection, queries, caseFile);
          expect(replay.outcome).toBe('reproduced');
          expect(replay.command).toBe(caseFile.expected.command);
          expect(replay.finding?.divergence?.path).toBe('rows');
        }
      }, planted);

      // For someone without Node: the statements as SQL, on a fresh database with the migrations applied.
      const script = path.join(scratch, 'case.sql');
      const exported = await runCli(['replay', file, ...queriesOf(planted), '--psql', script], { databaseUrl: url });
      expect(exported.code, exported.stderr).toBe(1);
      expect(exported.stdout).toContain(`psql: wrote ${script}`);
      await withMigratedDatabaseTarget(async (target) => {
        const { output } = await psql(script, target.connectionString);
        // The listing again after the echo of what the model expected: the archived session is in it.
        expect(output).toMatch(/chatcheck: the model expected rows = \[\]/);
        const after = output.slice(output.indexOf('whose answer differs:'));
        expect(after).toMatch(/^ [0-9a-f-]{36} \|.*\| archived \|.*$/m);
        expect(after).toMatch(/^\(1 row\)$/m);
      });
    });
  }, 240_000);
});

const skipLocked = { from: 'FOR UPDATE SKIP LOCKED', to: 'FOR UPDATE' };

describe('chatcheck replay: a planted race', () => {
  it('a race planted in the queries (a claim without SKIP LOCKED): --save writes a case; replay exits 1 on them, 0 on the bundled ones, 2 on a truncated copy', async () => {
    await withEditedFiles('tasks', skipLocked.from, skipLocked.to, async (planted) => {
      const dir = path.join(scratch, 'race-cases');
      const found = await runCli(['race', '--pair', 'claim,claim', ...queriesOf(planted), '--seed', '3', '--workers', '1', '--save', dir], { databaseUrl: url });
      expect(found.code, found.stderr).toBe(1);
      const file = await savedCase(found, dir);
      expect(parseCase(await readFile(file, 'utf8'), 'case')).toMatchObject({ mode: 'race', pair: ['claim', 'claim'], expected: { kind: 'waited' } });

      const reproduced = await runCli(['replay', file, ...queriesOf(planted)], { databaseUrl: url });
      expect(reproduced.code, reproduced.stderr).toBe(1);
      expect(reproduced.stdout).toMatch(/^replay: .+: waited, reproduced:$/m);
      expect(reproduced.stdout).toMatch(/waited in ClaimAgentTask/);

      const fixed = await runCli(['replay', file], { databaseUrl: url });
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(fixed.stdout).toMatch(/^replay: .+ no longer reproduces: /m);

      expectSetupError(await runCli(['replay', await truncatedCopy(file)], { databaseUrl: url }), /truncated-.*\.json: not JSON/);
    });
  }, 180_000);

  it('the first version of the delete racing send: --save writes a case that replays (exit 1), 20 times out of 20 with the same verdict', async () => {
    const dir = path.join(scratch, 'race-v1-cases');
    const found = await runCli(['race', '--pair', 'send,delete', '--variant', 'delete:v1', '--seed', '3', '--workers', '1', '--save', dir], { databaseUrl: url });
    expect(found.code, found.stderr).toBe(1);
    const file = await savedCase(found, dir);
    const caseFile = parseCase(await readFile(file, 'utf8'), 'case') as RaceCase;
    expect(caseFile).toMatchObject({ mode: 'race', pair: ['send', 'delete'], variants: ['delete:v1'], expected: { kind: 'invariant', invariant: 'no live chat task outlives its session' } });

    const reproduced = await runCli(['replay', file], { databaseUrl: url });
    expect(reproduced.code, reproduced.stderr).toBe(1);
    expect(reproduced.stdout).toContain('PostgreSQL broke "no live chat task outlives its session"');
    expectSetupError(await runCli(['replay', await truncatedCopy(file)], { databaseUrl: url }), /not JSON/);

    await withRaceRunner(async (runner) => {
      const verdicts = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const replay = await replayRaceCase(runner, caseFile);
        expect(replay.outcome).toBe('reproduced');
        verdicts.add(JSON.stringify(replay.summary?.finding?.json['verdict']));
      }
      expect(verdicts.size).toBe(1);
    });
  }, 180_000);
});

describe('chatcheck replay: files it cannot replay', () => {
  it('exit 2 with one line naming the field and why: an unknown query, a newer version, an unknown mode, no such file', async () => {
    const good = await readFile(path.join('test', 'regressions', 'planted-list-sessions-archived.json'), 'utf8');
    const edited = async (name: string, edit: (json: Record<string, unknown>) => void) => {
      const json = JSON.parse(good) as Record<string, unknown>;
      edit(json);
      const file = path.join(scratch, name);
      await writeFile(file, JSON.stringify(json));
      return file;
    };
    const unknownQuery = await edited('unknown-query.json', (json) => ((json['commands'] as { kind: string; name: string }[])[1] = { kind: 'query', name: 'Foo' } as never));
    expectSetupError(await runCli(['replay', unknownQuery], { databaseUrl: url }), /^chatcheck: unknown-query\.json: "commands"\[1\]\.name: unknown query "Foo" — /);
    const newer = await edited('newer.json', (json) => (json['version'] = 9));
    expectSetupError(await runCli(['replay', newer], { databaseUrl: url }), /"version": 9 is newer than this chatcheck reads \(up to 1\)/);
    const mode = await edited('mode.json', (json) => (json['mode'] = 'parallel'));
    expectSetupError(await runCli(['replay', mode], { databaseUrl: url }), /"mode": "parallel": unknown mode/);
    expectSetupError(await runCli(['replay', path.join(scratch, 'missing.json')], { databaseUrl: url }), /missing\.json: no such file/);
  });
});
