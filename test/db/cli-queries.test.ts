import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { runCli, expectSetupError } from '../support/cli.js';
import { projectServer } from '../support/database.js';

const url = projectServer().target.connectionString;
/** Input is checked before any server is touched: these runs would fail to connect if it were. */
const noServer = { databaseUrl: 'postgres://postgres@127.0.0.1:1/postgres' };
const bundled = path.join(packageRoot, 'src', 'queries');
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-cli-queries-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('--queries FILE|DIR', () => {
  it('a directory as sqlc.yaml names it: its *.sql files, whatever sqlc command each query is declared with', async () => {
    const dir = path.join(scratch, 'sqlc-queries');
    await mkdir(dir);
    for (const name of ['chat.sql', 'tasks.sql']) {
      const text = await readFile(path.join(bundled, name), 'utf8');
      await writeFile(path.join(dir, name), text.replace(/ :exec$/gm, ' :execrows').replace(/ :one$/gm, ' :batchone'));
    }
    await writeFile(path.join(dir, 'bulk.sql'), '-- name: CopyMessages :copyfrom\nINSERT INTO chat_message (chat_session_id, role, content) VALUES ($1, $2, $3);\n');
    await writeFile(path.join(dir, 'README.md'), 'not a query file\n');
    const result = await runCli(['sequential', '--queries', dir, '--runs', '3', '--max-commands', '10', '--seed', '1'], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^queries: 37 from .*bulk\.sql, .*chat\.sql, .*tasks\.sql$/m);
  });

  it('a path that does not exist', async () => {
    expectSetupError(await runCli(['--queries', path.join(scratch, 'no-such.sql')], noServer), /no-such\.sql: no such file or directory — give --queries a sqlc query file or a directory of them/);
  });

  it('a directory with no .sql file', async () => {
    const empty = path.join(scratch, 'no-sql');
    await mkdir(empty);
    await writeFile(path.join(empty, 'notes.txt'), '');
    expectSetupError(await runCli(['--queries', empty], noServer), /no-sql: this directory holds no \*\.sql file — /);
  });

  it('chat.sql without tasks.sql: which queries are missing, a few by name, and to pass tasks.sql too', async () => {
    const result = await runCli(['--queries', path.join(bundled, 'chat.sql')], noServer);
    expectSetupError(
      result,
      /^chatcheck: src\/queries\/chat\.sql: 17 queries chatcheck needs are in none of these files: CancelAgentTasksByChatSession, CreateRetryTask, ClaimAgentTask and 14 more \(the task-lifecycle queries of tasks\.sql\) — pass tasks\.sql too: --queries src\/queries\/tasks\.sql/,
    );
    expect(result.stderr).not.toContain('state.sql');
    expect(result.stderr.length).toBeLessThan(300);
  });

  it('a needed :one query declared :many: refused at its line', async () => {
    const file = path.join(scratch, 'chat-many.sql');
    const text = await readFile(path.join(bundled, 'chat.sql'), 'utf8');
    await writeFile(file, text.replace('-- name: GetChatSession :one', '-- name: GetChatSession :many'));
    expectSetupError(
      await runCli(['--queries', file, '--queries', path.join(bundled, 'tasks.sql')], noServer),
      /chat-many\.sql:5: GetChatSession is :many taking 1 parameter \(id\); chatcheck expects :one \(or :batchone\) taking 1 parameter \(id\)/,
    );
  });
});
