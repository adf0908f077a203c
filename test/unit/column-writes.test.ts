import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { columnRules, columnWrites, type ColumnRules, type ColumnWrite } from '../../src/mutate/column-writes.js';
import { equivalentMutants, provenEquivalent } from '../../src/mutate/equivalent.js';
import { tablesOf } from '../../src/mutate/sql-ast.js';
import { bundledMigrationsDir, bundledQueryFiles, internalQueryFiles } from '../../src/paths.js';
import { readMigrations } from '../../src/postgres/migrate.js';

const schema = `
CREATE TABLE t (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL DEFAULT 'a' CHECK (kind IN ('a', 'b')),
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 3),
  owner uuid NOT NULL,
  made timestamptz NOT NULL DEFAULT now(),
  n int NOT NULL DEFAULT 0
);`;

/** The writes and rules of `queries` against the little table above. */
async function analyse(queries: string): Promise<{ writes: Map<string, ColumnWrite[]>; rules: Map<string, ColumnRules> }> {
  const migrations = [{ name: '001.up.sql', text: schema }];
  return { writes: await columnWrites([{ name: 'q.sql', text: queries }], tablesOf(migrations)), rules: await columnRules(migrations) };
}

describe('what each statement writes into each column', () => {
  it('tells constants, parameters, functions, copies and defaults apart, named by the query', async () => {
    const { writes } = await analyse(`
-- name: Make :one
-- a comment; with a semicolon
INSERT INTO t (kind, owner) VALUES ('b', @owner) RETURNING *;
-- name: Copy :exec
INSERT INTO t (kind, owner, n) SELECT kind, owner, n + 1 FROM t WHERE id = $1;
-- name: Joined :exec
INSERT INTO t (kind, owner) SELECT o.kind, o.owner FROM t o JOIN t p ON p.id = o.id;
-- name: Touch :exec
UPDATE t SET made = now(), n = n, note = sqlc.arg(note) WHERE id = $1;`);
    const of = (column: string) => (writes.get(`t.${column}`) ?? []).map((write) => `${write.query} ${write.source}`);
    expect(of('kind')).toEqual(['Make constant', 'Copy copy', 'Joined expression']);
    expect(of('owner')).toEqual(['Make parameter', 'Copy copy', 'Joined expression']);
    expect(of('n')).toEqual(['Make default', 'Copy expression', 'Joined default', 'Touch copy']);
    expect(of('made')).toEqual(['Make default', 'Copy default', 'Joined default', 'Touch function']);
    expect(of('note')).toEqual(['Make default', 'Copy default', 'Joined default', 'Touch parameter']);
  });
});

describe('mutants proven equivalent by the writes', () => {
  it('a NOT NULL only when nothing could write NULL', async () => {
    const constants = await analyse(`-- name: Make :exec\nINSERT INTO t (kind, owner) VALUES ('b', gen_random_uuid());`);
    expect(provenEquivalent('schema:t.made:drop-not-null', constants.writes, constants.rules)).toMatch(/never NULL/);
    expect(provenEquivalent('schema:t.owner:drop-not-null', constants.writes, constants.rules)).toMatch(/never NULL/);
    const parameter = await analyse(`-- name: Make :exec\nINSERT INTO t (kind, owner) VALUES ('b', @owner);`);
    expect(provenEquivalent('schema:t.owner:drop-not-null', parameter.writes, parameter.rules)).toBeUndefined();
    const nullLiteral = await analyse(`-- name: Clear :exec\nUPDATE t SET kind = NULL;`);
    expect(provenEquivalent('schema:t.kind:drop-not-null', nullLiteral.writes, nullLiteral.rules)).toBeUndefined();
  });

  it('a DEFAULT only when every INSERT names the column', async () => {
    const named = await analyse(`-- name: Make :exec\nINSERT INTO t (kind, owner, n) VALUES ('a', $1, $2);`);
    expect(provenEquivalent('schema:t.n:drop-default', named.writes, named.rules)).toMatch(/DEFAULT is never used/);
    expect(provenEquivalent('schema:t.made:drop-default', named.writes, named.rules)).toBeUndefined();
  });

  it('a CHECK only when every value written is one it allows', async () => {
    const allowed = await analyse(`-- name: Make :exec\nINSERT INTO t (kind, owner, note) VALUES ('b', $1, 'abc');`);
    expect(provenEquivalent('schema:t.kind:drop-check', allowed.writes, allowed.rules)).toMatch(/CHECK never fails/);
    expect(provenEquivalent('schema:t.note:drop-check', allowed.writes, allowed.rules)).toMatch(/CHECK never fails/);
    const refused = await analyse(`-- name: Make :exec\nINSERT INTO t (kind, owner, note) VALUES ('c', $1, 'abcd');`);
    expect(provenEquivalent('schema:t.kind:drop-check', refused.writes, refused.rules)).toBeUndefined();
    expect(provenEquivalent('schema:t.note:drop-check', refused.writes, refused.rules)).toBeUndefined();
    const parameter = await analyse(`-- name: Make :exec\nINSERT INTO t (kind, owner) VALUES (@kind, $1);`);
    expect(provenEquivalent('schema:t.kind:drop-check', parameter.writes, parameter.rules)).toBeUndefined();
  });
});

describe('the bundled files', () => {
  let proven: (id: string) => string | undefined;
  beforeAll(async () => {
    const read = async (file: string) => ({ name: path.basename(file), text: await readFile(file, 'utf8') });
    const migrations = (await readMigrations(bundledMigrationsDir)).map(({ file, sql }) => ({ name: path.basename(file), text: sql }));
    const queries = await Promise.all([...bundledQueryFiles, ...internalQueryFiles].map(read));
    const writes = await columnWrites(queries, tablesOf(migrations));
    const rules = await columnRules(migrations);
    proven = (id) => provenEquivalent(id, writes, rules);
  });

  it('no mutant is both reviewed by hand and proven by the rules: each reason is given once', () => {
    expect([...equivalentMutants.keys()].filter((id) => proven(id) !== undefined)).toEqual([]);
  });

  it('a column written from a caller is never proven: the tests must kill those mutants', () => {
    // agent.workspace_id comes from FixtureCreateAgent's @workspace_id; chat_message.role from a parameter.
    expect(proven('schema:agent.workspace_id:drop-not-null')).toBeUndefined();
    expect(proven('schema:chat_message.role:drop-check')).toBeUndefined();
    expect(proven('schema:agent_task_queue.status:drop-check')).toMatch(/CHECK never fails/);
  });
});
