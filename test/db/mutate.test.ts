import fc from 'fast-check';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { trialSeed } from '../../src/commands/mutate.js';
import { mutantCatalogue, type CatalogueEntry, type SourceFile } from '../../src/mutate/catalogue.js';
import { runTrial, type TrialSetting } from '../../src/mutate/mutant-trial.js';
import type { MutantFamily } from '../../src/mutate/mutant.js';
import { bundledMigrationsDir, bundledQueryFiles } from '../../src/paths.js';
import { readMigrations } from '../../src/postgres/migrate.js';
import { projectServer } from '../support/database.js';

/**
 * The suite's power, held in CI: a seeded sample of the mutant catalogue, every family represented,
 * must each be killed at the default budget — if a change to the generators, the oracle or the
 * commands loses that power, this fails. A control mutant that changes nothing must survive: a
 * trial that killed everything would pass the sample and mean nothing.
 */
const SAMPLE: Readonly<Record<MutantFamily, number>> = { sql: 5, schema: 3, workflow: 3 };
/** The sample's seed: a new one draws another sample; any sample must be killed. */
const SAMPLE_SEED = 20261130;

let catalogue: CatalogueEntry[];
let setting: TrialSetting;
let queries: SourceFile[];

beforeAll(async () => {
  queries = await Promise.all(bundledQueryFiles.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
  const migrations = await readMigrations(bundledMigrationsDir);
  catalogue = await mutantCatalogue(queries, migrations.map(({ file, sql }) => ({ file, text: sql })));
  const scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-mutate-test-'));
  setting = { server: projectServer().target, run: inject('run'), template: inject('template'), queryFiles: bundledQueryFiles, migrations, scratch };
});

afterAll(async () => {
  if (setting !== undefined) await rm(setting.scratch, { recursive: true, force: true });
});

let roles = 0;
const role = () => `mt${process.pid}_${++roles}`;

/** `count` mutants of `family` that count (not equivalent), drawn with the sample's seed. */
function sampleOf(family: MutantFamily, count: number): CatalogueEntry[] {
  const candidates = catalogue.filter((mutant) => mutant.family === family && mutant.equivalent === undefined);
  const [picks] = fc.sample(fc.shuffledSubarray(candidates, { minLength: count, maxLength: count }), { seed: SAMPLE_SEED + family.length, numRuns: 1 });
  return picks!;
}

describe('the mutant catalogue', () => {
  it('has at least 80 mutants across the three families, each id once', () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(80);
    expect(new Set(catalogue.map((mutant) => mutant.family))).toEqual(new Set(['sql', 'schema', 'workflow']));
    expect(new Set(catalogue.map((mutant) => mutant.id)).size).toBe(catalogue.length);
  });
});

describe('a seeded sample of mutants, killed at the default budget', () => {
  for (const [family, count] of Object.entries(SAMPLE) as [MutantFamily, number][]) {
    it(`${count} ${family} mutants`, async () => {
      const outcomes: string[] = [];
      for (const mutant of sampleOf(family, count)) {
        const trial = await runTrial(setting, mutant, trialSeed(1, mutant.id, 0), role());
        outcomes.push(`${mutant.id}: ${trial.status}${trial.status === 'invalid' ? ` (${trial.reason})` : ''}`);
      }
      expect(outcomes.filter((line) => !line.endsWith(': killed'))).toEqual([]);
    }, 300_000);
  }

  it('a control that changes nothing survives', async () => {
    const [chat] = queries;
    const control: CatalogueEntry = { id: 'sql:Control:nothing:1', family: 'sql', description: 'chat.sql as it is', file: path.basename(chat!.file), text: chat!.text };
    expect(await runTrial(setting, control, trialSeed(1, control.id, 0), role())).toMatchObject({ status: 'survived' });
  }, 300_000);
});
