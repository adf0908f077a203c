import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMergeCommand } from '../../src/commands/merge.js';
import { selectMutants, trialSeed } from '../../src/commands/mutate.js';
import type { CatalogueEntry } from '../../src/mutate/catalogue.js';
import { mutantResult, mutationScore, mutationTable, type MutantResult } from '../../src/mutate/mutation-report.js';

const entry = (id: string, equivalent?: string): CatalogueEntry => ({ id, family: 'sql', description: `${id} changed`, file: 'chat.sql', text: '', ...(equivalent ? { equivalent } : {}) });
const killed = (ms: number) => ({ status: 'killed' as const, killedBy: 'sequential' as const, ms, msToKill: ms, finding: { mode: 'sequential', kind: 'divergence' } });

describe('a mutant result', () => {
  it('is killed when any seed killed it, and counts the seeds that did', () => {
    const result = mutantResult(entry('sql:A:x:1'), [{ status: 'survived', ms: 900 }, killed(100), killed(300)]);
    expect(result).toMatchObject({ status: 'killed', killedBy: 'sequential', seedsKilled: 2, seeds: 3, ms: 300 });
  });

  it('survives when no seed killed it; an equivalent is not run and carries its reason', () => {
    expect(mutantResult(entry('sql:A:x:1'), [{ status: 'survived', ms: 5 }]).status).toBe('survived');
    expect(mutantResult(entry('sql:A:x:2', 'no caller reads it'), [])).toMatchObject({ status: 'equivalent', seeds: 0, reason: 'no caller reads it' });
  });
});

describe('the mutation score', () => {
  const results: MutantResult[] = [
    mutantResult(entry('k1'), [killed(10)]),
    mutantResult(entry('k2'), [killed(30)]),
    mutantResult(entry('k3'), [killed(20)]),
    mutantResult(entry('s1'), [{ status: 'survived', ms: 40 }]),
    mutantResult(entry('e1', 'unobservable'), []),
    mutantResult(entry('i1'), [{ status: 'invalid', ms: 1, reason: 'syntax error' }]),
  ];

  it('is the percent killed of the mutants that count: equivalent and invalid ones are left out', () => {
    expect(mutationScore(results)).toBe(75);
    expect(mutationScore([])).toBeNull();
  });

  it('prints survivors first and the score last', () => {
    const lines = mutationTable(results);
    expect(lines[0]).toMatch(/^ {2}s1 +SURVIVED 1 seed/);
    expect(lines.at(-1)).toBe('mutation score: 75% (3 of 4 killed, 1 survived; 1 equivalent and 1 invalid left out), median time to kill 0.0 s');
    expect(lines.some((line) => /e1 +equivalent: unobservable/.test(line))).toBe(true);
  });
});

describe('choosing mutants and seeds', () => {
  const catalogue = ['a', 'b', 'c', 'd', 'e'].map((id) => entry(id));

  it('splits the catalogue into fixed shards that cover it once', () => {
    const parts = [1, 2, 3].map((index) => selectMutants(catalogue, { mutants: [], shard: { index, count: 3 } }).map((mutant) => mutant.id));
    expect(parts).toEqual([['a', 'd'], ['b', 'e'], ['c']]);
  });

  it('refuses an unknown --mutant id with the way to list them', () => {
    expect(() => selectMutants(catalogue, { mutants: ['zz'], shard: undefined })).toThrow(/no mutant zz in the catalogue — run "chatcheck mutate --list"/);
  });

  it('gives every trial a seed fixed by the run seed, the mutant and the seed number only', () => {
    expect(trialSeed(7, 'a', 0)).toBe(trialSeed(7, 'a', 0));
    expect(new Set([trialSeed(7, 'a', 0), trialSeed(7, 'a', 1), trialSeed(7, 'b', 0), trialSeed(8, 'a', 0)]).size).toBe(4);
    expect(Number.isInteger(trialSeed(7, 'a', 0)) && Math.abs(trialSeed(7, 'a', 0)) < 2 ** 31).toBe(true);
  });
});

describe('chatcheck merge', () => {
  const shardReport = (index: number, mutants: MutantResult[], seed = 5) => ({
    version: 2,
    ok: true,
    interrupted: false,
    findings: [],
    knownFindings: [],
    score: mutationScore(mutants),
    mutants,
    stats: { command: 'mutate', seed, seeds: 1, catalogue: 3, shard: { index, count: 2 } },
  });

  async function withFiles(files: Record<string, unknown>, body: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), 'chatcheck-merge-'));
    try {
      for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
      await body(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('combines the shards into one report and one score', async () => {
    const a = [mutantResult(entry('a'), [killed(10)]), mutantResult(entry('c'), [{ status: 'survived', ms: 9 }])];
    const b = [mutantResult(entry('b'), [killed(20)])];
    await withFiles({ 'a.json': shardReport(1, a), 'b.json': shardReport(2, b) }, async (dir) => {
      const printed: string[] = [];
      const code = await runMergeCommand([path.join(dir, 'a.json'), path.join(dir, 'b.json')], { json: path.join(dir, 'all.json') }, (line) => printed.push(line));
      expect(code).toBe(1);
      expect(printed.at(-1)).toMatch(/^mutation score: 66\.67% \(2 of 3 killed, 1 survived/);
      const merged = JSON.parse(await readFile(path.join(dir, 'all.json'), 'utf8')) as { score: number; mutants: MutantResult[]; stats: { command: string } };
      expect(merged.score).toBe(66.67);
      expect(merged.mutants.map((mutant) => mutant.id).sort()).toEqual(['a', 'b', 'c']);
      expect(merged.stats.command).toBe('merge');
    });
  });

  it('refuses shards of different runs, a missing shard, and a file that is not a report', async () => {
    await withFiles({ 'a.json': shardReport(1, [], 5), 'b.json': shardReport(2, [], 6), 'c.json': '{"version": 2', 'd.json': shardReport(1, []) }, async (dir) => {
      const at = (name: string) => path.join(dir, name);
      await expect(runMergeCommand([at('a.json'), at('b.json')], {}, () => {})).rejects.toThrow(/not shards of one run: their seed differs/);
      await expect(runMergeCommand([at('a.json')], {}, () => {})).rejects.toThrow(/not each of 1\/2 … 2\/2 once/);
      await expect(runMergeCommand([at('a.json'), at('d.json')], {}, () => {})).rejects.toThrow(/not each of 1\/2 … 2\/2 once/);
      await expect(runMergeCommand([at('c.json')], {}, () => {})).rejects.toThrow(/cannot read .*c\.json as a JSON report/);
    });
  });
});

describe('the equivalent mutants', () => {
  it('each names a mutant of the bundled catalogue (a renamed mutant leaves no stale entry)', async () => {
    const { readFile: read } = await import('node:fs/promises');
    const { mutantCatalogue } = await import('../../src/mutate/catalogue.js');
    const { equivalentMutants } = await import('../../src/mutate/equivalent.js');
    const { bundledMigrationsDir, bundledQueryFiles } = await import('../../src/paths.js');
    const { readMigrations } = await import('../../src/postgres/migrate.js');
    const queries = await Promise.all(bundledQueryFiles.map(async (file) => ({ file, text: await read(file, 'utf8') })));
    const migrations = (await readMigrations(bundledMigrationsDir)).map(({ file, sql }) => ({ file, text: sql }));
    const ids = new Set((await mutantCatalogue(queries, migrations)).map((mutant) => mutant.id));
    expect([...equivalentMutants.keys()].filter((id) => !ids.has(id))).toEqual([]);
  });
});
