import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/postgres/databases.js';
import { expectSetupError, runCli, waitFor, type CliResult } from '../support/cli.js';
import { projectServer } from '../support/database.js';
import { parseJunit, type JunitCase } from '../support/junit.js';
import { plantedBugs, withEditedFiles } from '../support/mutant.js';

/**
 * --junit, --save and --quiet through the real CLI: the JUnit XML of a planted sequential bug, of a
 * planted race and of a mutate run parses and has the structure CI systems read; each failure
 * carries the counterexample exactly as the run printed it and the lines that replay it; piped
 * output holds no progress line and no escape code; outputs are checked before any server starts.
 */

const url = projectServer().target.connectionString;
let admin: pg.Client;
let scratch: string;

beforeAll(async () => {
  admin = await connect(projectServer().target);
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-cli-junit-'));
});
afterAll(async () => {
  await admin?.end();
  await rm(scratch, { recursive: true, force: true });
});

interface Finding {
  readonly replay: string;
}

/** Piped (as in CI): no progress line, no carriage return, no escape code at all. */
function expectPlain(result: CliResult): void {
  expect(result.stdout).not.toMatch(/[\r\x1b]/);
}

/**
 * The failure of `test` holds the counterexample the run printed (each line, indented there by two
 * spaces), then the finding's replay line, then the replay of the case file the run saved.
 */
function expectFailureAsPrinted(test: JunitCase, stdout: string, finding: Finding, saved: string): void {
  const [failure] = test.failure!;
  const lines = failure!['#text'].split('\n');
  expect(lines.slice(-2)).toEqual([`replay: ${finding.replay}`, `replay: npx chatcheck replay ${saved}`]);
  const counterexample = lines.slice(0, -2);
  expect(counterexample.length).toBeGreaterThan(3);
  const printed = stdout.split('\n');
  const start = printed.indexOf(`  ${counterexample[0]}`);
  expect(start, stdout).toBeGreaterThan(0);
  expect(printed.slice(start, start + counterexample.length + 1)).toEqual([...counterexample.map((line) => `  ${line}`), `replay: ${finding.replay}`]);
}

/** The one `saved case: FILE` line, and that the file is there. */
async function savedCase(stdout: string, dir: string): Promise<string> {
  const saved = [...stdout.matchAll(/^saved case: (.+)$/gm)].map((match) => match[1]!);
  expect(saved, stdout).toHaveLength(1);
  expect(path.dirname(saved[0]!)).toBe(dir);
  expect((await stat(saved[0]!)).isFile()).toBe(true);
  return saved[0]!;
}

describe('--junit with --save', () => {
  it('sequential: a planted bug is the one failing testcase of the sequential suite', async () => {
    const [, from, to] = plantedBugs[0]!;
    await withEditedFiles('chat', from, to, async (files) => {
      const junit = path.join(scratch, 'sequential.xml');
      const json = path.join(scratch, 'sequential.json');
      const cases = path.join(scratch, 'sequential-cases');
      const result = await runCli(['sequential', ...files.flatMap((file) => ['--queries', file]), '--seed', '3', '--runs', '60', '--max-commands', '40', '--workers', '1', '--junit', junit, '--json', json, '--save', cases], { databaseUrl: url });
      expect(result.code, result.stderr + result.stdout).toBe(1);
      expectPlain(result);
      const saved = await savedCase(result.stdout, cases);

      const xml = parseJunit(await readFile(junit, 'utf8'));
      expect(xml.testsuites).toMatchObject({ '@name': 'chatcheck sequential', '@tests': '1', '@failures': '1', '@errors': '0' });
      const [suite] = xml.testsuites.testsuite;
      expect(suite).toMatchObject({ '@name': 'sequential', '@tests': '1', '@failures': '1' });
      expect(suite!.properties!.property).toContainEqual({ '@name': 'seed', '@value': '3' });
      const [test] = suite!.testcase;
      expect(test).toMatchObject({ '@name': 'sequential property', '@classname': 'chatcheck.sequential' });
      expect(Number(test!['@time'])).toBeGreaterThan(0);
      const [finding] = (JSON.parse(await readFile(json, 'utf8')) as { findings: (Finding & { kind: string; summary: string })[] }).findings;
      expect(test!.failure![0]).toMatchObject({ '@type': 'divergence', '@message': `divergence: ${finding!.summary.split('\n')[0]}` });
      expectFailureAsPrinted(test!, result.stdout, finding!, saved);
    });
  }, 180_000);

  it('race: a planted race is the failing testcase of its pair and variant, with the timeline and the verdict', async () => {
    const junit = path.join(scratch, 'race.xml');
    const json = path.join(scratch, 'race.json');
    const cases = path.join(scratch, 'race-cases');
    const result = await runCli(['race', '--pair', 'send,delete', '--variant', 'delete:v1', '--seed', '3', '--junit', junit, '--json', json, '--save', cases], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(1);
    expectPlain(result);
    const saved = await savedCase(result.stdout, cases);

    const xml = parseJunit(await readFile(junit, 'utf8'));
    expect(xml.testsuites).toMatchObject({ '@name': 'chatcheck race', '@tests': '1', '@failures': '1', '@errors': '0' });
    const [suite] = xml.testsuites.testsuite;
    expect(suite).toMatchObject({ '@name': 'race', '@tests': '1', '@failures': '1' });
    const [test] = suite!.testcase;
    expect(test).toMatchObject({ '@name': 'send,delete (delete:v1)', '@classname': 'chatcheck.race' });
    expect(test!.failure![0]).toMatchObject({ '@type': 'invariant', '@message': expect.stringMatching(/^invariant in schedule [AB]+: PostgreSQL broke "no live chat task outlives its session"/) });
    expect(test!.failure![0]!['#text']).toMatch(/^A = SendChatMessage\(.*\nB = delete:v1\(.*\nA +\| B\n/);
    const [finding] = (JSON.parse(await readFile(json, 'utf8')) as { findings: Finding[] }).findings;
    expectFailureAsPrinted(test!, result.stdout, finding!, saved);
  });

  it('mutate: a testcase per mutant — killed ones pass, an equivalent one is skipped with its reason', async () => {
    const junit = path.join(scratch, 'mutate.xml');
    const equivalent = 'sql:GetPendingChatTask:drop-limit:1';
    const run = ['sql:CreateChatSession:eq-neq:1', 'sql:GetAgentTask:compare-other-column:1'];
    const result = await runCli(['mutate', '--seed', '3', '--workers', '2', ...[...run, equivalent].flatMap((id) => ['--mutant', id]), '--junit', junit], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expectPlain(result);
    const xml = parseJunit(await readFile(junit, 'utf8'));
    expect(xml.testsuites).toMatchObject({ '@name': 'chatcheck mutate', '@tests': '3', '@failures': '0', '@skipped': '1', '@errors': '0' });
    const [suite] = xml.testsuites.testsuite;
    expect(suite!['@name']).toBe('mutate');
    expect(suite!.testcase.map((test) => test['@name']).sort()).toEqual([...run, equivalent].sort());
    for (const test of suite!.testcase.filter((each) => run.includes(each['@name']))) {
      expect(test).toMatchObject({ '@classname': 'chatcheck.mutate.sql', 'system-out': 'killed by sequential at 1/1 seed' });
      expect(test.failure ?? test.skipped).toBeUndefined();
      expect(Number(test['@time'])).toBeGreaterThan(0);
    }
    const skipped = suite!.testcase.find((test) => test['@name'] === equivalent)!;
    expect(skipped.skipped![0]!['@message']).toMatch(/^equivalent: a :one query hands its caller the first row/);
  }, 120_000);
});

describe('--quiet and NO_COLOR', () => {
  it('--quiet prints only the summary line of a clean run; NO_COLOR changes nothing (chatcheck writes no colour)', async () => {
    const args = ['race', '--pair', 'send,delete', '--budget', '2', '--seed', '1'];
    const full = await runCli(args, { databaseUrl: url, env: { NO_COLOR: '1' } });
    expect(full.code, full.stderr).toBe(0);
    expectPlain(full);
    expect(full.stdout).toMatch(/^postgres: using /m);
    expect(full.stdout).toMatch(/^race send,delete: .*: no finding$/m);
    const quiet = await runCli([...args, '--quiet'], { databaseUrl: url });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/^race: 1 race, 2 schedules \(\d+\/s\), seed 1: no finding$/)]);
    expect(quiet.stderr).toBe('');
  });

  it('--quiet keeps a finding whole: the counterexample, its replay line and the summary', async () => {
    const args = ['race', '--pair', 'send,delete', '--variant', 'delete:v1', '--seed', '3', '--schedule', 'AAAAABB'];
    const full = await runCli(args, { databaseUrl: url });
    const quiet = await runCli([...args, '--quiet'], { databaseUrl: url });
    expect(quiet.code, quiet.stderr).toBe(1);
    const setup = /^(queries|postgres|schema): /;
    expect(quiet.stdout.split('\n').some((line) => setup.test(line))).toBe(false);
    expect(quiet.stdout.split('\n').filter((line) => !/\(\d+\/s\)/.test(line))).toEqual(full.stdout.split('\n').filter((line) => !setup.test(line) && !/\(\d+\/s\)/.test(line)));
  });
});

describe('output destinations are checked before any server starts', () => {
  const nowhere = 'postgres://postgres@127.0.0.1:1/postgres';

  it('a --junit file in a directory that does not exist, or the same file as --json', async () => {
    expectSetupError(await runCli(['race', '--junit', path.join(scratch, 'missing', 'r.xml'), '--database-url', nowhere]), /--junit .*missing\/r\.xml: the directory .*missing does not exist/);
    const same = path.join(scratch, 'same');
    expectSetupError(await runCli(['check', '--json', same, '--junit', same, '--database-url', nowhere]), /--json and --junit both name .*same — give each of them a path of its own/);
    expectSetupError(await runCli(['merge', path.join(scratch, 'a.json'), '--junit', path.join(scratch, 'missing', 'm.xml')]), /--junit .*missing\/m\.xml: the directory .*missing does not exist/);
  });

  it('a --save or --report that is a file, or whose parent does not exist; a new one is created only at the end', async () => {
    const file = path.join(scratch, 'a-file');
    await writeFile(file, '');
    expectSetupError(await runCli(['sequential', '--save', file, '--database-url', nowhere]), /--save .*a-file is not a directory/);
    expectSetupError(await runCli(['race', '--report', path.join(scratch, 'missing', 'pages'), '--database-url', nowhere]), /--report .*pages: the directory .*missing does not exist/);
    const fresh = path.join(scratch, 'fresh');
    expectSetupError(await runCli(['check', '--save', fresh, '--database-url', nowhere]), /cannot connect to PostgreSQL/);
    await expect(stat(fresh)).rejects.toThrow(/ENOENT/);
  });

  it('--save and --report are not options of the commands that cannot fill them', async () => {
    expectSetupError(await runCli(['mutate', '--save', scratch]), /unknown option '--save'/);
    expectSetupError(await runCli(['sequential', '--report', scratch]), /unknown option '--report'/);
  });
});

describe('an interrupted run', () => {
  it('--junit says so: an error testcase, no failure, and nothing left behind', async () => {
    const junit = path.join(scratch, 'interrupted.xml');
    let run: string | undefined;
    const result = await runCli(['race', '--junit', junit], {
      databaseUrl: url,
      onSpawn: (child, output) => {
        void waitFor(
          async () => {
            run ??= /chatcheck_([0-9a-f]{8})_template/.exec(output.stdout())?.[1];
            if (run === undefined) return false;
            const { rows } = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'chatcheck' AND query <> '' AND query NOT LIKE 'SET %'`, [`chatcheck_${run}_race`]);
            return rows.length > 0;
          },
          60_000,
          'the race run to be busy',
        ).then(() => setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 200));
      },
    });
    expect(result.code, result.stderr + result.stdout).toBe(130);
    const xml = parseJunit(await readFile(junit, 'utf8'));
    expect(xml.testsuites).toMatchObject({ '@name': 'chatcheck race', '@tests': '1', '@failures': '0', '@errors': '1' });
    expect(xml.testsuites.testsuite[0]!.testcase[0]!.error![0]).toMatchObject({ '@type': 'interrupted', '@message': expect.stringMatching(/^interrupted by SIGINT or SIGTERM/) });
    const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [`chatcheck_${run}_`]);
    expect(rows).toEqual([]);
  });
});
