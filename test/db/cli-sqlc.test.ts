/**
 * `--sqlc FILE`: the queries and the schema of a real sqlc project, read from its config. The main
 * project is built as a real one grows: the bundled queries beside a file of other queries (every
 * sqlc command, on a table the model does not know), and the bundled migrations followed by more —
 * that table, columns added to chat tables (one generated), an index built concurrently, and a
 * .down.sql that fails if it is ever run.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledMigrationsDir, packageRoot } from '../../src/paths.js';
import { runCli, expectSetupError } from '../support/cli.js';
import { projectServer } from '../support/database.js';

const url = projectServer().target.connectionString;
/** Input is checked before any server is touched: these runs would fail to connect if it were. */
const noServer = { databaseUrl: 'postgres://postgres@127.0.0.1:1/postgres' };
const bundledQueries = path.join(packageRoot, 'src', 'queries');
let scratch: string;
/** The v2 project's sqlc.yaml. */
let config: string;

const V2_CONFIG = `version: "2"
sql:
  - engine: "postgresql"
    queries: "db/queries"
    schema: "db/migrations"
    gen:
      go:
        package: "db"
        out: "pkg/db/generated"
        sql_package: "pgx/v5"
`;

/** Every sqlc command, on a table the model does not know. */
const REACTION_QUERIES = `-- name: CreateChatReaction :one
INSERT INTO chat_reaction (chat_message_id, emoji) VALUES ($1, $2) RETURNING *;

-- name: ListChatReactions :many
SELECT * FROM chat_reaction WHERE chat_message_id = $1 ORDER BY created_at;

-- name: DeleteChatReaction :exec
DELETE FROM chat_reaction WHERE id = $1;

-- name: DeleteChatReactionsByMessage :execrows
DELETE FROM chat_reaction WHERE chat_message_id = $1;

-- name: RenameChatReaction :execresult
UPDATE chat_reaction SET emoji = sqlc.arg('emoji') WHERE id = sqlc.arg('id');

-- name: InsertChatReactionLastId :execlastid
INSERT INTO chat_reaction (chat_message_id, emoji) VALUES (@chat_message_id, @emoji);

-- name: DeleteChatReactions :batchexec
DELETE FROM chat_reaction WHERE id = $1;

-- name: ListChatReactionsBatch :batchmany
SELECT * FROM chat_reaction WHERE chat_message_id = $1;

-- name: GetChatReaction :batchone
SELECT * FROM chat_reaction WHERE id = $1;

-- name: CopyChatReactions :copyfrom
INSERT INTO chat_reaction (chat_message_id, emoji) VALUES ($1, $2);
`;

const EXTRA_MIGRATIONS: Record<string, string> = {
  '006_chat_reaction.up.sql': `CREATE TABLE chat_reaction (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    chat_message_id UUID NOT NULL REFERENCES chat_message(id) ON DELETE CASCADE,
    emoji TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`,
  // Would fail if it ran: golang-migrate's down files are never applied.
  '006_chat_reaction.down.sql': 'DROP TABLE no_such_table;\n',
  '007_chat_columns.up.sql': `ALTER TABLE chat_message ADD COLUMN metadata JSONB NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE agent_task_queue ADD COLUMN live BOOLEAN GENERATED ALWAYS AS (status IN ('queued', 'dispatched', 'running')) STORED;
`,
  '008_chat_reaction_index.up.sql': 'CREATE INDEX CONCURRENTLY idx_chat_reaction_message ON chat_reaction (chat_message_id);\n',
};

/** A sqlc project in `dir`: db/queries (chat.sql, tasks.sql, reaction.sql), db/migrations, sqlc.yaml. */
async function buildProject(dir: string, edit: (chat: string) => string = (chat) => chat): Promise<string> {
  await mkdir(path.join(dir, 'db', 'queries'), { recursive: true });
  await writeFile(path.join(dir, 'db', 'queries', 'chat.sql'), edit(await readFile(path.join(bundledQueries, 'chat.sql'), 'utf8')));
  await cp(path.join(bundledQueries, 'tasks.sql'), path.join(dir, 'db', 'queries', 'tasks.sql'));
  await writeFile(path.join(dir, 'db', 'queries', 'reaction.sql'), REACTION_QUERIES);
  await cp(bundledMigrationsDir, path.join(dir, 'db', 'migrations'), { recursive: true });
  for (const [name, text] of Object.entries(EXTRA_MIGRATIONS)) await writeFile(path.join(dir, 'db', 'migrations', name), text);
  await writeFile(path.join(dir, 'sqlc.yaml'), V2_CONFIG);
  return path.join(dir, 'sqlc.yaml');
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-cli-sqlc-'));
  config = await buildProject(path.join(scratch, 'project'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A file in the scratch directory, its parent made. */
async function scratchFile(relative: string, text: string): Promise<string> {
  const file = path.join(scratch, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

describe('--sqlc: a sqlc project with more tables, columns and queries than the model knows', () => {
  it('check conforms: every query loads, the migrations apply (no .down.sql), unknown tables and columns are left out', async () => {
    const json = path.join(scratch, 'report.json');
    const result = await runCli(['--sqlc', config, '--runs', '3', '--budget', '2', '--seed', '1', '--json', json], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^queries: 46 from .*sqlc\.yaml \(3 files: db\/queries\/chat\.sql, db\/queries\/reaction\.sql and db\/queries\/tasks\.sql\)$/m);
    expect(result.stdout).toMatch(/^schema: applying 8 migration\(s\) from .*db\/migrations to template /m);
    expect(result.stdout).toMatch(/^plumbing: no fixture call for 10 other queries: CreateChatReaction, .* and 5 more \(loaded and checked, not run\)$/m);
    expect(result.stdout).toMatch(/^sequential: 3 runs, .*: no divergence$/m);
    expect(result.stdout).toMatch(/^race: 67 races, \d+ schedules \(\d+\/s\), seed 1: no finding$/m);
    const report = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, findings: [], stats: { queries: 46, migrations: 8 } });
  });

  it('race send,delete conforms', async () => {
    const result = await runCli(['race', '--sqlc', config, '--pair', 'send,delete', '--budget', '10', '--seed', '1'], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^race send,delete: .*: no finding$/m);
  });

  it('a planted bug is still found beside the unknown columns; the replay line names the config, and reproduces it', async () => {
    const planted = await buildProject(path.join(scratch, 'planted'), (chat) => {
      const edited = chat.replace(/(-- name: ListChatMessages :many\n[^;]*ORDER BY created_at) ASC/, '$1 DESC');
      expect(edited).not.toBe(chat);
      return edited;
    });
    const result = await runCli(['sequential', '--sqlc', planted, '--seed', '7', '--runs', '100'], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(1);
    expect(result.stdout).toMatch(/\(ListChatMessages\), rows\[\d+\]: rows out of order for ORDER BY created_at ASC/);
    const replay = /^replay: npx chatcheck (.*)$/m.exec(result.stdout)?.[1];
    expect(replay).toMatch(new RegExp(` --sqlc ${planted.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    expect(replay).not.toMatch(/--queries|--migrations/);
    const again = await runCli(replay!.split(' '), { databaseUrl: url });
    expect(again.code, again.stderr + again.stdout).toBe(1);
    expect(again.stdout).toMatch(/rows out of order for ORDER BY created_at ASC/);
  });
});

describe('--sqlc: other config shapes', () => {
  it('version "1" (sqlc.yml): a packages entry without engine is postgresql; queries and schema as lists, a plain schema file one migration', async () => {
    await scratchFile('v1/sql/extra.sql', "ALTER TABLE chat_session ADD COLUMN pinned_note TEXT NOT NULL DEFAULT '';\n");
    const file = await scratchFile(
      'v1/sqlc.yml',
      `version: "1"
packages:
  - name: "db"
    path: "internal/db"
    queries: ["${path.join(bundledQueries, 'chat.sql')}", "${path.join(bundledQueries, 'tasks.sql')}"]
    schema:
      - "${bundledMigrationsDir}"
      - "sql/extra.sql"
`,
    );
    const result = await runCli(['sequential', '--sqlc', file, '--runs', '2', '--max-commands', '10', '--seed', '1'], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^queries: 36 from .*sqlc\.yml \(2 files: .*chat\.sql and .*tasks\.sql\)$/m);
    expect(result.stdout).toMatch(/^schema: applying 6 migration\(s\) from .*migrations, .*sql\/extra\.sql to template /m);
  });

  it('JSON, with two postgresql entries (their queries and schemas joined, each path once) and a mysql one (ignored)', async () => {
    await mkdir(path.join(scratch, 'json', 'q'), { recursive: true });
    await cp(path.join(bundledQueries, 'chat.sql'), path.join(scratch, 'json', 'q', 'chat.sql'));
    await cp(path.join(bundledQueries, 'tasks.sql'), path.join(scratch, 'json', 'q', 'tasks.sql'));
    await cp(bundledMigrationsDir, path.join(scratch, 'json', 'migrations'), { recursive: true });
    const file = await scratchFile(
      'json/sqlc.json',
      JSON.stringify({
        version: '2',
        sql: [
          { engine: 'postgresql', queries: 'q/chat.sql', schema: 'migrations' },
          { engine: 'mysql', queries: 'mysql/queries', schema: 'mysql/schema.sql' },
          { engine: 'postgresql', queries: ['q/tasks.sql'], schema: ['migrations/'] },
        ],
      }),
    );
    const result = await runCli(['sequential', '--sqlc', file, '--runs', '2', '--max-commands', '10', '--seed', '1'], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^queries: 36 from .*sqlc\.json \(2 files: q\/chat\.sql and q\/tasks\.sql\)$/m);
    expect(result.stdout).toMatch(/^schema: applying 5 migration\(s\) from /m);
  });
});

describe('--sqlc: bad input, one line naming the config', () => {
  it('a config that does not exist', async () => {
    expectSetupError(await runCli(['--sqlc', path.join(scratch, 'nowhere', 'sqlc.yaml')], noServer), /sqlc config .*nowhere\/sqlc\.yaml does not exist — give --sqlc the path/);
  });

  it('YAML that does not parse: the line', async () => {
    const file = await scratchFile('bad-yaml/sqlc.yaml', 'version: "2"\nsql:\n  - engine: "postgresql"\n   queries: "q"\n');
    expectSetupError(await runCli(['--sqlc', file], noServer), /bad-yaml\/sqlc\.yaml:4: not valid YAML: .+ — fix the syntax/);
  });

  it('JSON that does not parse: the line', async () => {
    const file = await scratchFile('bad-json/sqlc.json', '{\n  "version": "2"\n  "sql": []\n}\n');
    expectSetupError(await runCli(['--sqlc', file], noServer), /bad-json\/sqlc\.json:3: not valid JSON: .+ — fix the syntax/);
  });

  it('no postgresql entry', async () => {
    const file = await scratchFile('mysql/sqlc.yaml', 'version: "2"\nsql:\n  - engine: "mysql"\n    queries: "q"\n    schema: "s"\n');
    expectSetupError(await runCli(['--sqlc', file], noServer), /mysql\/sqlc\.yaml: no postgresql entry \(sql has only: mysql\) — /);
  });

  it('a path in it that does not exist', async () => {
    const file = await scratchFile('missing-path/sqlc.yaml', `version: "2"\nsql:\n  - engine: "postgresql"\n    queries: "${path.join(bundledQueries, 'chat.sql')}"\n    schema: "db/nowhere"\n`);
    expectSetupError(await runCli(['--sqlc', file], noServer), /missing-path\/sqlc\.yaml: sql\[0\]\.schema: "db\/nowhere" does not exist \(.*missing-path\/db\/nowhere\) — fix the path/);
  });

  it('with --queries or --migrations: which wins is ambiguous', async () => {
    expectSetupError(await runCli(['--sqlc', config, '--queries', path.join(bundledQueries, 'chat.sql')], noServer), /--sqlc and --queries both name what is under test/);
    expectSetupError(await runCli(['race', '--sqlc', config, '--migrations', bundledMigrationsDir], noServer), /--sqlc and --migrations both name what is under test/);
  });
});
