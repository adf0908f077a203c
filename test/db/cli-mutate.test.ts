import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/postgres/databases.js';
import { expectSetupError, runCli, waitFor } from '../support/cli.js';
import { projectServer } from '../support/database.js';

/** Two mutants the sequential property kills within its first runs, at any seed tried. */
const QUICK = ['sql:CreateChatSession:eq-neq:1', 'sql:GetAgentTask:compare-other-column:1'];

let url: string;
let admin: pg.Client;
let scratch: string;

beforeAll(async () => {
  url = projectServer().target.connectionString;
  admin = await connect(projectServer().target);
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-cli-mutate-'));
});

afterAll(async () => {
  await admin?.end();
  await rm(scratch, { recursive: true, force: true });
});

describe('chatcheck mutate', () => {
  it('--list prints the catalogue without a server: id, family, description', async () => {
    const result = await runCli(['mutate', '--list', '--database-url', 'postgres://nobody@127.0.0.1:1/none']);
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout.trimEnd().split('\n').map((line) => line.split('\t'));
    expect(rows.length).toBeGreaterThanOrEqual(80);
    expect(new Set(rows.map((row) => row[1]))).toEqual(new Set(['sql', 'schema', 'workflow']));
    expect(rows.map((row) => row[0])).toEqual(expect.arrayContaining(QUICK));
  });

  it('runs chosen mutants on two workers and writes the report the issue describes', async () => {
    const json = path.join(scratch, 'mutate.json');
    const result = await runCli(['mutate', '--seed', '3', '--workers', '2', ...QUICK.flatMap((id) => ['--mutant', id]), '--json', json], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/mutation score: 100% \(2 of 2 killed, 0 survived/);
    const report = JSON.parse(await readFile(json, 'utf8')) as { version: number; ok: boolean; score: number; mutants: Record<string, unknown>[]; stats: Record<string, unknown> };
    expect(report).toMatchObject({ version: 2, ok: true, score: 100, stats: { command: 'mutate', seed: 3, seeds: 1, workers: 2, inputs: '' } });
    for (const mutant of report.mutants) {
      expect(mutant).toMatchObject({ family: 'sql', status: 'killed', killedBy: 'sequential', seedsKilled: 1, seeds: 1, finding: { mode: 'sequential' } });
      expect(typeof mutant.description).toBe('string');
      expect(mutant.ms).toBeGreaterThan(0);
    }
    expect(report.mutants.map((mutant) => mutant.id)).toEqual(QUICK);
  });

  it('refuses an unknown mutant and a bad shard with one line and exit 2', async () => {
    expectSetupError(await runCli(['mutate', '--mutant', 'sql:Nope:drop-conjunct:1'], { databaseUrl: url }), /no mutant sql:Nope:drop-conjunct:1 in the catalogue — run "chatcheck mutate --list"/);
    expectSetupError(await runCli(['mutate', '--shard', '3/2'], { databaseUrl: url }), /expected I\/N with 1 <= I <= N/);
  });

  it('drops every database its worker threads made when interrupted with SIGINT', async () => {
    let run: string | undefined;
    const result = await runCli(['mutate', '--seed', '1', '--workers', '2', '--mutant', 'workflow:DeleteChatSession:drop-lock', '--mutant', 'workflow:SendChatMessage:swap-task-touch'], {
      databaseUrl: url,
      onSpawn: (child, output) => {
        void waitFor(async () => {
          run = /template chatcheck_([0-9a-f]{8})_template/.exec(output.stdout())?.[1];
          if (run === undefined) return false;
          const { rows } = await admin.query(`SELECT 1 FROM pg_database WHERE datname LIKE $1`, [`chatcheck_${run}_m%`]);
          return rows.length >= 2;
        }, 60_000, 'both workers to have made their databases').then(() => process.kill(-child.pid!, 'SIGINT'));
      },
    });
    expect(result.code ?? result.signal, result.stderr).toBe(130);
    expect(result.stderr).toContain('SIGINT: dropping what this run created');
    const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`chatcheck_${run}_%`]);
    expect(rows).toEqual([]);
  });
});
