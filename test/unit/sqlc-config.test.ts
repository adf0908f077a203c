import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetupError } from '../../src/errors.js';
import { readMigrations } from '../../src/postgres/migrate.js';
import { readSqlcConfig } from '../../src/sqlc/config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'chatcheck-sqlc-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `files` (relative name → text) under a new directory `name`; returns its path. */
async function tree(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(dir, name);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SetupError);
    return (error as SetupError).message;
  }
  throw new Error('expected a SetupError');
}

describe('readSqlcConfig', () => {
  it('a directory is its sqlc.yaml; version may be a number; paths resolve from the config, each once, in entry order', async () => {
    const root = await tree('v2', {
      'sqlc.yaml': 'version: 2\nsql:\n  - engine: postgresql\n    queries: [b.sql, a.sql]\n    schema: m\n  - engine: postgresql\n    queries: a.sql\n    schema: [m/, s.sql]\n',
      'a.sql': '',
      'b.sql': '',
      's.sql': '',
      'm/001_x.up.sql': '',
    });
    expect(readSqlcConfig(root)).toEqual({
      configFile: path.join(root, 'sqlc.yaml'),
      queries: [path.join(root, 'b.sql'), path.join(root, 'a.sql')],
      schema: [path.join(root, 'm'), path.join(root, 's.sql')],
    });
  });

  it('refuses what sqlc would refuse or chatcheck cannot use, naming the config', async () => {
    const both = await tree('both', { 'sqlc.yaml': '', 'sqlc.json': '' });
    expect(refusal(() => readSqlcConfig(both))).toMatch(/holds sqlc\.yaml and sqlc\.json: which one is the config is ambiguous/);
    const v3 = await tree('v3', { 'sqlc.yaml': 'version: "3"\n' });
    expect(refusal(() => readSqlcConfig(path.join(v3, 'sqlc.yaml')))).toMatch(/v3\/sqlc\.yaml: version "3" is not one sqlc knows/);
    const noEngine = await tree('no-engine', { 'sqlc.yaml': 'version: "2"\nsql:\n  - queries: q.sql\n    schema: s.sql\n' });
    expect(refusal(() => readSqlcConfig(path.join(noEngine, 'sqlc.yaml')))).toMatch(/no postgresql entry \(sql has only: an entry without engine\)/);
    const noUp = await tree('no-up', { 'sqlc.yaml': 'version: "2"\nsql:\n  - engine: postgresql\n    queries: q.sql\n    schema: schema\n', 'q.sql': '', 'schema/schema.sql': '' });
    expect(refusal(() => readSqlcConfig(path.join(noUp, 'sqlc.yaml')))).toMatch(/sql\[0\]\.schema: the directory "schema" holds no \*\.up\.sql file — .*list other schema files one by one/);
    const noQueries = await tree('no-queries', { 'sqlc.yaml': 'version: "2"\nsql:\n  - engine: postgresql\n    schema: s.sql\n', 's.sql': '' });
    expect(refusal(() => readSqlcConfig(path.join(noQueries, 'sqlc.yaml')))).toMatch(/sql\[0\]\.queries is missing/);
  });
});

describe('readMigrations with a list of paths', () => {
  it("files in the order given, a directory's *.up.sql in byte order (no *.down.sql, no other files), each file once", async () => {
    const root = await tree('schema', { 'm/002_b.up.sql': '2', 'm/001_a.up.sql': '1', 'm/001_a.down.sql': 'x', 'm/notes.sql': 'x', 'first.sql': 'f', 'last.sql': 'l', 'undo.down.sql': 'x' });
    const migrations = await readMigrations([path.join(root, 'first.sql'), path.join(root, 'm'), path.join(root, 'm', '001_a.up.sql'), path.join(root, 'undo.down.sql'), path.join(root, 'last.sql')]);
    expect(migrations.map((migration) => path.relative(root, migration.file))).toEqual(['first.sql', 'm/001_a.up.sql', 'm/002_b.up.sql', 'last.sql']);
    expect(migrations.map((migration) => migration.sql).join('')).toBe('f12l');
  });
});
