import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/options.js';
import { bundledQueryFiles } from '../../src/paths.js';
import { QueryFileError } from '../../src/sqlc/errors.js';
import { expandQueryPaths } from '../../src/sqlc/query-paths.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'chatcheck-query-paths-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tree(name: string, files: readonly string[], dirs: readonly string[] = []): Promise<string> {
  const root = path.join(dir, name);
  await mkdir(root);
  for (const sub of dirs) await mkdir(path.join(root, sub));
  for (const file of files) await writeFile(path.join(root, file), '-- name: Q :one\nSELECT 1;\n');
  return root;
}

function refusal(paths: string[]): QueryFileError {
  let thrown: unknown;
  try {
    expandQueryPaths(paths);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(QueryFileError);
  return thrown as QueryFileError;
}

describe('--queries: a file or a directory', () => {
  it("a directory is its *.sql files in name order, as sqlc reads it: no hidden files, no *.down.sql, no subdirectories", async () => {
    const root = await tree('sqlc', ['users.sql', 'Agent.sql', 'chat.sql', '.draft.sql', '001_init.down.sql', 'notes.txt', 'chat.sql.bak'], ['nested.sql']);
    expect(expandQueryPaths([root])).toEqual(['Agent.sql', 'chat.sql', 'users.sql'].map((name) => path.join(root, name)));
  });

  it('files and directories mix, repeatable; a file given twice (or also by its directory) is loaded once', async () => {
    const root = await tree('mixed', ['a.sql', 'b.sql']);
    const other = path.join(dir, 'other.sql');
    await writeFile(other, '');
    expect(expandQueryPaths([other, root, path.join(root, 'b.sql'), other])).toEqual([other, path.join(root, 'a.sql'), path.join(root, 'b.sql')]);
  });

  it("chatcheck's own queries directory gives the files under test: its fixture.sql and state.sql are always loaded anyway", () => {
    expect(expandQueryPaths([path.dirname(bundledQueryFiles[0]!)])).toEqual(bundledQueryFiles);
    expect(resolveOptions({ queries: [path.dirname(bundledQueryFiles[0]!)] }).queryFiles).toEqual(bundledQueryFiles);
  });

  it('a path that does not exist: one line naming it, and what to give instead', () => {
    const missing = path.join(dir, 'nowhere');
    const error = refusal([missing]);
    expect(error.reason).toBe('unreadable');
    expect(error.message).toMatch(new RegExp(`^${missing}: no such file or directory — give --queries a sqlc query file or a directory of them`));
  });

  it('a directory with no .sql file', async () => {
    const root = await tree('empty', ['README.md', '.hidden.sql']);
    const error = refusal([root]);
    expect(error.message).toMatch(new RegExp(`^${root}: this directory holds no \\*\\.sql file — `));
  });

  it('a relative path is resolved against the working directory, and shown as given', () => {
    expect(expandQueryPaths([path.relative(process.cwd(), bundledQueryFiles[1]!)])).toEqual([bundledQueryFiles[1]]);
    expect(refusal(['no/such/dir']).message.startsWith('no/such/dir: ')).toBe(true);
  });
});
