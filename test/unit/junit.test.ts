import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMergeCommand } from '../../src/commands/merge.js';
import { raceFindingLines, type RaceFindingText } from '../../src/race/race-report.js';
import { escapeXml, junitXml } from '../../src/report/junit.js';
import type { JsonReport, ReportStats } from '../../src/report/run-report.js';
import { parseJunit } from '../support/junit.js';

const stats = (command: ReportStats['command'], sections: Record<string, unknown>, durationMs = 12_345): ReportStats => ({
  command,
  server: { source: 'url', version: '15.10' },
  queries: 36,
  migrations: 5,
  ...sections,
  durationMs,
});

const sequentialFinding = {
  mode: 'sequential',
  kind: 'divergence',
  summary: 'ListChatMessages differs at rows[1]\nmore detail',
  commands: ['CreateChatSession(ws1, user1)', 'SendChatMessage(s1, "hi")', 'ListChatMessages(s1)'],
  divergence: { command: 'ListChatMessages(s1)', where: 'statement 1 (ListChatMessages)', path: 'rows[1]', model: { id: 'm1' }, real: { id: 'm2' }, why: 'the order differs' },
  seed: 7,
  path: '3:1',
  replayPath: null,
  caseHash: '0f3a9c21',
  maxCommands: 50,
  turns: true,
  replay: 'npx chatcheck sequential --seed 7 --path 3:1.0f3a9c21',
  case: { format: 'chatcheck-case' },
};

const raceFinding = {
  mode: 'race',
  kind: 'invariant',
  pair: ['send', 'delete'],
  variants: ['delete:v1'],
  calls: ['SendChatMessage(s1)', 'delete:v1(s1)'],
  schedule: 'AAAAABB',
  timeline: [
    { session: 0, event: 'ran', step: 'GetChatSessionInWorkspace', result: 'row', afterWait: false },
    { session: 1, event: 'waits', step: 'DeleteChatSession', for: [0] },
    { session: 0, event: 'answered', answer: '201' },
  ],
  verdict: { invariant: { name: 'no live chat task outlives its session', rule: 'a task of a deleted session is gone' }, offenders: [['task t1']] },
  replay: 'npx chatcheck race --pair send,delete --variant delete:v1 --schedule AAAAABB',
};

const races = [
  { index: 0, pair: 'send,send', variants: [], schedules: 150, durationMs: 1200 },
  { index: 1, pair: 'send,delete', variants: ['delete:v1'], schedules: 40, durationMs: 800 },
  { index: 2, pair: 'delete,complete', variants: [], schedules: 150, durationMs: 2500 },
];

const checkReport: JsonReport = {
  version: 2,
  ok: false,
  interrupted: false,
  findings: [sequentialFinding, raceFinding],
  knownFindings: [{ mode: 'race', id: 'delete-complete-lock-order', race: ['delete', 'complete'], variants: [], schedule: 'AABBB', kind: 'deadlock' }],
  stats: stats('check', {
    sequential: { runs: 91, executions: 700, commands: 4000, durationMs: 7804, seed: 7 },
    race: { seed: 7, schedules: 340, durationMs: 4500, races },
  }),
};

describe('the JUnit report', () => {
  const junit = parseJunit(junitXml(checkReport, new Map([[sequentialFinding, '/tmp/saved cases/sequential-divergence.json']])));
  const [sequential, race] = junit.testsuites.testsuite;

  it('totals every part of the run, with its time in seconds', () => {
    expect(junit.testsuites).toMatchObject({ '@name': 'chatcheck check', '@tests': '4', '@failures': '2', '@errors': '0', '@skipped': '0', '@time': '12.345' });
    expect(junit.testsuites.testsuite.map((suite) => suite['@name'])).toEqual(['sequential', 'race']);
  });

  it('a testcase for the sequential property, failed by its finding: the counterexample as the CLI prints it, and both replay lines', () => {
    expect(sequential).toMatchObject({ '@tests': '1', '@failures': '1', '@time': '7.804' });
    expect(sequential!.properties!.property).toContainEqual({ '@name': 'seed', '@value': '7' });
    const [test] = sequential!.testcase;
    expect(test).toMatchObject({ '@name': 'sequential property', '@classname': 'chatcheck.sequential', '@time': '7.804' });
    const [failure] = test!.failure!;
    expect(failure!['@message']).toBe('divergence: ListChatMessages differs at rows[1]');
    expect(failure!['@type']).toBe('divergence');
    expect(failure!['#text'].split('\n')).toEqual([
      ' 1. CreateChatSession(ws1, user1)',
      ' 2. SendChatMessage(s1, "hi")',
      ' 3. ListChatMessages(s1)',
      'diverged at statement 1 (ListChatMessages), rows[1]: the order differs',
      '  model:      {"id":"m1"}',
      '  PostgreSQL: {"id":"m2"}',
      'replay: npx chatcheck sequential --seed 7 --path 3:1.0f3a9c21',
      "replay: npx chatcheck replay '/tmp/saved cases/sequential-divergence.json'",
    ]);
  });

  it('a testcase per race, in the run order; the race finding fails its own race, with its timeline and verdict', () => {
    expect(race).toMatchObject({ '@tests': '3', '@failures': '1', '@time': '4.500' });
    expect(race!.testcase.map((test) => [test['@name'], test['@time'], test.failure !== undefined])).toEqual([
      ['send,send', '1.200', false],
      ['send,delete (delete:v1)', '0.800', true],
      ['delete,complete', '2.500', false],
    ]);
    const [failure] = race!.testcase[1]!.failure!;
    expect(failure!['@message']).toBe('invariant in schedule AAAAABB: PostgreSQL broke "no live chat task outlives its session": a task of a deleted session is gone');
    expect(failure!['#text']).toBe([...raceFindingLines(raceFinding as unknown as RaceFindingText), `replay: ${raceFinding.replay}`].join('\n'));
    expect(failure!['#text']).toContain('A = SendChatMessage(s1)');
    expect(failure!['#text']).toMatch(/GetChatSessionInWorkspace → row \|\n\s+\| DeleteChatSession waits for A/);
    expect(race!.testcase[2]!['system-out']).toMatch(/^known finding delete-complete-lock-order \(deadlock\) reproduced, not failed on/);
  });

  it('two races of the same pair each take their own finding, in order', () => {
    const twice = { ...raceFinding, schedule: 'ABABABA', replay: 'second' };
    const report: JsonReport = {
      ...checkReport,
      findings: [raceFinding, twice],
      knownFindings: [],
      stats: stats('race', { race: { seed: 1, schedules: 4, durationMs: 10, races: [races[1], races[0], races[1]] } }),
    };
    const [suite] = parseJunit(junitXml(report)).testsuites.testsuite;
    expect(suite!.testcase.map((test) => test.failure?.[0]!['#text'].split('\n').at(-1))).toEqual([`replay: ${raceFinding.replay}`, undefined, 'replay: second']);
  });

  it('escapes markup, quotes and every character XML cannot hold, and keeps newlines in attributes', () => {
    const nasty = 'a <b> & "c" \'d\'\ttab\r\nline \u0001 \u001b[31m \ud800 end';
    const report: JsonReport = {
      ...checkReport,
      findings: [{ ...sequentialFinding, kind: 'unexpected-error', summary: nasty, divergence: undefined, commands: [nasty] }],
      stats: stats('sequential', { sequential: { durationMs: 1 } }),
    };
    const [suite] = parseJunit(junitXml(report)).testsuites.testsuite;
    const [failure] = suite!.testcase[0]!.failure!;
    const visible = 'a <b> & "c" \'d\'\ttab\r\nline \\u0001 \\u001b[31m \\ud800 end';
    expect(failure!['@message']).toBe(`unexpected-error: ${visible.split('\n')[0]}`);
    expect(failure!['#text']).toContain(` 1. ${visible}`);
    expect(escapeXml('x\ny', true)).toBe('x&#10;y');
    expect(escapeXml(']]> <![CDATA[')).toBe(']]&gt; &lt;![CDATA[');
    expect(escapeXml('\u{1F600} pairs stay')).toBe('\u{1F600} pairs stay');
  });

  it('a testcase per mutant: a survivor fails with how to rerun it, equivalent and invalid ones are skipped with their reason', () => {
    const mutants = [
      { id: 'sql:A:eq-neq:1', family: 'sql', description: 'A: = to <>', status: 'killed', killedBy: 'sequential', seedsKilled: 1, seeds: 1, ms: 2500 },
      { id: 'sql:B:drop-conjunct:1', family: 'sql', description: 'B: drop a conjunct', status: 'survived', seedsKilled: 0, seeds: 2, ms: 30_000 },
      { id: 'schema:C:drop-index:1', family: 'schema', description: 'C', status: 'equivalent', seedsKilled: 0, seeds: 0, ms: 0, reason: 'no query reads it' },
      { id: 'workflow:D:swap:1', family: 'workflow', description: 'D', status: 'invalid', seedsKilled: 0, seeds: 1, ms: 10, reason: 'the server refused it' },
    ];
    const report: JsonReport = { version: 2, ok: false, interrupted: false, findings: [], knownFindings: [], score: 50, mutants, stats: stats('mutate', { seed: 3, seeds: 2, inputs: '--queries my-queries' }) };
    const junit = parseJunit(junitXml(report));
    expect(junit.testsuites).toMatchObject({ '@tests': '4', '@failures': '1', '@skipped': '2', '@errors': '0' });
    const [suite] = junit.testsuites.testsuite;
    expect(suite).toMatchObject({ '@name': 'mutate', '@time': '32.510' });
    expect(suite!.properties!.property).toContainEqual({ '@name': 'score', '@value': '50' });
    const [killed, survived, equivalent, invalid] = suite!.testcase;
    expect(killed).toMatchObject({ '@name': 'sql:A:eq-neq:1', '@classname': 'chatcheck.mutate.sql', '@time': '2.500', 'system-out': 'killed by sequential at 1/1 seed' });
    expect(killed!.failure).toBeUndefined();
    expect(survived!.failure![0]).toMatchObject({ '@message': 'survived: B: drop a conjunct', '@type': 'survived' });
    expect(survived!.failure![0]!['#text']).toContain('rerun: npx chatcheck mutate --mutant sql:B:drop-conjunct:1 --seed 3 --seeds 2 --queries my-queries');
    expect(equivalent!.skipped).toEqual([{ '@message': 'equivalent: no query reads it' }]);
    expect(invalid!.skipped).toEqual([{ '@message': 'invalid: the server refused it' }]);
  });

  it('an interrupted run is an error, never a pass; the mutants it finished are kept', () => {
    const mutants = [{ id: 'sql:A:eq-neq:1', family: 'sql', description: 'A', status: 'killed', killedBy: 'race', seedsKilled: 1, seeds: 1, ms: 100 }];
    const report: JsonReport = { version: 2, ok: false, interrupted: true, findings: [], knownFindings: [], mutants, stats: stats('mutate', {}, 900) };
    const junit = parseJunit(junitXml(report));
    expect(junit.testsuites).toMatchObject({ '@tests': '2', '@failures': '0', '@errors': '1' });
    const interrupted = junit.testsuites.testsuite.at(-1)!;
    expect(interrupted).toMatchObject({ '@name': 'mutate', '@errors': '1', '@time': '0.900' });
    expect(interrupted.testcase[0]!.error![0]).toMatchObject({ '@type': 'interrupted', '@message': expect.stringMatching(/^interrupted by SIGINT or SIGTERM/) });
  });

  it('a run without findings: every testcase passes', () => {
    const report: JsonReport = { ...checkReport, ok: true, findings: [], knownFindings: [] };
    const junit = parseJunit(junitXml(report));
    expect(junit.testsuites).toMatchObject({ '@tests': '4', '@failures': '0', '@errors': '0', '@skipped': '0' });
  });

  it('a replay is one testcase named after its case file: failed while it reproduces, passed once it does not', () => {
    const replay = (outcome: string, findings: unknown[]): JsonReport => ({
      version: 2,
      ok: findings.length === 0,
      interrupted: false,
      findings,
      knownFindings: [],
      stats: stats('replay', { replay: { case: 'cases/race-invariant-1.json', mode: 'race', outcome, expected: { kind: 'invariant' } } }, 2_000),
    });
    const reproduced = parseJunit(junitXml(replay('reproduced', [raceFinding])));
    expect(reproduced.testsuites).toMatchObject({ '@name': 'chatcheck replay', '@tests': '1', '@failures': '1' });
    const [suite] = reproduced.testsuites.testsuite;
    expect(suite).toMatchObject({ '@name': 'replay', '@tests': '1', '@failures': '1', '@time': '2.000' });
    const [test] = suite!.testcase;
    expect(test).toMatchObject({ '@name': 'cases/race-invariant-1.json', '@classname': 'chatcheck.replay.race' });
    expect(test!.failure![0]!['@message']).toMatch(/^reproduced: invariant/);
    expect(test!.failure![0]!['#text'].split('\n').at(-1)).toBe('replay: npx chatcheck replay cases/race-invariant-1.json');

    const gone = parseJunit(junitXml(replay('gone', [])));
    expect(gone.testsuites).toMatchObject({ '@tests': '1', '@failures': '0', '@errors': '0' });
    expect(gone.testsuites.testsuite[0]!.testcase[0]!.failure).toBeUndefined();
  });
});

describe('chatcheck merge --junit', () => {
  it('writes the merged check shards as one JUnit report: every race once, in the run order, and every finding', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chatcheck-merge-junit-'));
    try {
      const shard = (index: number, raceStats: typeof races, findings: unknown[]) => ({
        ...checkReport,
        ok: findings.length === 0,
        findings,
        knownFindings: [],
        stats: stats('check', { queryCalls: 40, sequential: { runs: 25, executions: 25, commands: 100, durationMs: 1000, seed: 3, coverage: {} }, race: { seed: 3, schedules: 10, durationMs: 500, races: raceStats }, shard: { index, count: 2 } }),
      });
      await writeFile(path.join(dir, '1.json'), JSON.stringify(shard(1, [races[0]!, races[2]!], [sequentialFinding])));
      await writeFile(path.join(dir, '2.json'), JSON.stringify(shard(2, [races[1]!], [raceFinding])));
      const junit = path.join(dir, 'all.xml');
      const code = await runMergeCommand([path.join(dir, '1.json'), path.join(dir, '2.json')], { junit }, () => {});
      expect(code).toBe(1);
      const xml = parseJunit(await readFile(junit, 'utf8'));
      expect(xml.testsuites).toMatchObject({ '@name': 'chatcheck merge', '@tests': '4', '@failures': '2' });
      const [sequential, race] = xml.testsuites.testsuite;
      expect(sequential!.testcase[0]!.failure![0]!['@type']).toBe('divergence');
      expect(race!.testcase.map((test) => [test['@name'], test.failure !== undefined])).toEqual([
        ['send,send', false],
        ['send,delete (delete:v1)', true],
        ['delete,complete', false],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
