import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetupError } from '../../src/errors.js';
import { requiredQueries, type RequiredQuery } from '../../src/queries/required.js';
import { QueryFileError, type QueryFileProblem } from '../../src/sqlc/errors.js';
import { internalQueryFiles } from '../../src/paths.js';
import { SQLC_COMMANDS } from '../../src/sqlc/commands.js';
import { loadQueryFiles, parseQueryFile, type NamedQuery } from '../../src/sqlc/loader.js';

const queriesDir = path.join(import.meta.dirname, '..', '..', 'src', 'queries');
const chatSql = path.join(queriesDir, 'chat.sql');
const tasksSql = path.join(queriesDir, 'tasks.sql');

let dir: string;
let fileCount = 0;
beforeAll(async () => {
  await loadModule();
  dir = await mkdtemp(path.join(os.tmpdir(), 'chatcheck-loader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeSql(text: string): Promise<string> {
  const file = path.join(dir, `case-${++fileCount}.sql`);
  await writeFile(file, text);
  return file;
}

/** Loads `text` (or several files) and returns the QueryFileError it must fail with. */
async function loadError(text: string | string[], required?: readonly RequiredQuery[]): Promise<{ error: QueryFileError; files: string[] }> {
  const files = await Promise.all([text].flat().map(writeSql));
  const error = await loadQueryFiles(files, required).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(QueryFileError);
  return { error: error as QueryFileError, files };
}

function expectProblem(error: QueryFileError, reason: QueryFileProblem, file: string, line: number, includes: string): void {
  expect(error).toBeInstanceOf(SetupError);
  expect(error.reason).toBe(reason);
  expect(error.problem.startsWith(`${file}:${line}: `)).toBe(true);
  expect(error.problem).toContain(includes);
  expect(error.fix.length).toBeGreaterThan(0);
}

/** Parses as exactly one statement and carries no sqlc syntax. */
function expectRunnable(query: NamedQuery): void {
  expect(parseSync(query.sql).stmts).toHaveLength(1);
  expect(query.sql).not.toContain('sqlc.');
  expect(query.sql).not.toContain('@');
  expect(query.sql).not.toMatch(/;\s*$/);
  expect(query.sql).not.toMatch(/^--/);
  expect(query.params.map((param) => param.position)).toEqual(query.params.map((_, i) => i + 1));
}

// name, kind, parameters in position order (a trailing '?' marks sqlc.narg), line of `-- name:`
const chatQueries: [string, 'one' | 'many' | 'exec', string[], number][] = [
  ['CreateChatSession', 'one', ['workspace_id', 'agent_id', 'creator_id', 'title'], 1],
  ['GetChatSession', 'one', ['id'], 5],
  ['GetChatSessionInWorkspace', 'one', ['id', 'workspace_id'], 8],
  ['ListChatSessionsByCreator', 'many', ['workspace_id', 'creator_id'], 11],
  ['ListAllChatSessionsByCreator', 'many', ['workspace_id', 'creator_id'], 20],
  ['UpdateChatSessionTitle', 'one', ['id', 'title'], 26],
  ['UpdateChatSessionSession', 'exec', ['session_id?', 'work_dir?', 'runtime_id?', 'id'], 30],
  ['LockChatSessionForDelete', 'one', ['id'], 42],
  ['DeleteChatSession', 'exec', ['id'], 53],
  ['TouchChatSession', 'exec', ['id'], 62],
  ['CreateChatMessage', 'one', ['chat_session_id', 'role', 'content', 'task_id?', 'failure_reason?', 'elapsed_ms?'], 65],
  ['ListChatMessages', 'many', ['chat_session_id'], 69],
  ['GetChatMessage', 'one', ['id'], 73],
  ['CreateChatTask', 'one', ['agent_id', 'runtime_id', 'priority', 'chat_session_id'], 76],
  ['GetLastChatTaskSession', 'one', ['chat_session_id'], 80],
  ['GetPendingChatTask', 'one', ['chat_session_id'], 92],
  ['ListPendingChatTasksByCreator', 'many', ['workspace_id', 'creator_id'], 102],
  ['MarkChatSessionRead', 'exec', ['id'], 113],
  ['SetUnreadSinceIfNull', 'exec', ['id'], 117],
];

describe('chat.sql', () => {
  it('holds the 19 queries, in file order', async () => {
    const set = await loadQueryFiles([chatSql]);
    expect(set.all.map((query) => query.name)).toEqual(chatQueries.map(([name]) => name));
  });

  it.each(chatQueries)('%s is :%s with parameters %j', async (name, kind, params, line) => {
    const query = (await loadQueryFiles([chatSql])).get(name);
    expect(query.kind).toBe(kind);
    expect(query.params.map((param) => param.name + (param.nullable ? '?' : ''))).toEqual(params);
    expect(query.file).toBe(chatSql);
    expect(query.line).toBe(line);
    expectRunnable(query);
  });

  it('rewrites named parameters after the positional ones', async () => {
    const set = await loadQueryFiles([chatSql]);
    expect(set.get('UpdateChatSessionSession').sql).toBe(
      [
        'UPDATE chat_session',
        'SET session_id = COALESCE($1, session_id),',
        'work_dir = COALESCE($2, work_dir),',
        'runtime_id = COALESCE($3, runtime_id),',
        'updated_at = now()',
        'WHERE id = $4',
      ].join('\n'),
    );
    expect(set.get('CreateChatMessage').sql).toContain('VALUES ($1, $2, $3, $4, $5, $6)');
    // Description comments are doc comments, not part of the statement.
    expect(set.get('ListChatSessionsByCreator').sql.startsWith('SELECT cs.*,')).toBe(true);
  });

  it('matches the queries chatcheck requires', async () => {
    const chatOnly = requiredQueries.filter((query) => chatQueries.some(([name]) => name === query.name));
    expect(chatOnly).toHaveLength(19);
    await expect(loadQueryFiles([chatSql], chatOnly)).resolves.toBeDefined();
  });

  it.runIf(existsSync(tasksSql))('loads together with tasks.sql, meeting every requirement', async () => {
    const set = await loadQueryFiles([chatSql, tasksSql], requiredQueries);
    expect(set.all.length).toBeGreaterThanOrEqual(requiredQueries.length);
    for (const query of set.all) expectRunnable(query);
    for (const required of requiredQueries) {
      expect(set.get(required.name).params.map((param) => param.name)).toEqual(required.params);
    }
  });
});

describe('rewriting to positional parameters', () => {
  const load = (text: string): NamedQuery[] => parseQueryFile(text, 'inline.sql');

  it('counts UTF-8 bytes, so non-ASCII text before a parameter does not shift it', () => {
    const [query] = load(
      [
        '-- name: Unicode :one',
        "-- Größe in a comment: 'ünïcödé' 😀",
        "SELECT 'héllo 😀' AS greeting, /* ß → 😀 */ sqlc.arg('x') AS x,",
        "  @y AS y, '日本語' AS z WHERE 'ß' = sqlc.narg(zed) AND @y IS NOT NULL;",
      ].join('\n'),
    );
    expect(query!.sql).toBe(
      [
        "SELECT 'héllo 😀' AS greeting, /* ß → 😀 */ $1 AS x,",
        "  $2 AS y, '日本語' AS z WHERE 'ß' = $3 AND $2 IS NOT NULL",
      ].join('\n'),
    );
    expect(query!.params).toEqual([
      { name: 'x', position: 1, nullable: false },
      { name: 'y', position: 2, nullable: false },
      { name: 'zed', position: 3, nullable: true },
    ]);
    expectRunnable(query!);
  });

  it('numbers named parameters after the highest $n, one position per name', () => {
    const [query] = load("-- name: Mixed :many\nSELECT $2, @a, $1, sqlc.arg(a), sqlc.narg('b'), sqlc.arg(\"b\");");
    expect(query!.sql).toBe('SELECT $2, $3, $1, $3, $4, $4');
    expect(query!.params.map((param) => [param.name, param.position, param.nullable])).toEqual([
      ['p1', 1, false],
      ['p2', 2, false],
      ['a', 3, false],
      ['b', 4, true], // nullable if any mention is sqlc.narg
    ]);
  });

  it('keeps a cast written after @name', () => {
    const [query] = load('-- name: Cast :one\nSELECT * FROM t WHERE id = @id::uuid AND n = sqlc.arg(n)::int;');
    expect(query!.sql).toBe('SELECT * FROM t WHERE id = $1::uuid AND n = $2::int');
  });

  it('is not fooled by semicolons in strings and comments', () => {
    const queries = load(
      [
        '-- name: A :one',
        "SELECT ';' AS semi, $$ ; $$ AS dollar -- ; a comment",
        '/* ; */ FROM t WHERE a = $1;',
        '-- trailing comment; still block A',
        '-- name: B :exec',
        'DELETE FROM t',
      ].join('\n'),
    );
    expect(queries.map((query) => query.name)).toEqual(['A', 'B']);
    expect(queries[0]!.sql).toBe("SELECT ';' AS semi, $$ ; $$ AS dollar -- ; a comment\n/* ; */ FROM t WHERE a = $1");
    expect(queries[0]!.params.map((param) => param.name)).toEqual(['a']);
    expect(queries[1]!.sql).toBe('DELETE FROM t');
  });

  it('names $n after the column it is inserted into, compared with or assigned to', () => {
    const names = (sql: string): string[] => load(`-- name: Q :exec\n${sql}`)[0]!.params.map((param) => param.name);
    expect(names('INSERT INTO t (a, b) VALUES ($2, $1)')).toEqual(['b', 'a']);
    expect(names('INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET b = $2')).toEqual(['a', 'b']);
    expect(names('SELECT * FROM t x WHERE $1 = x.a AND x.b = $2')).toEqual(['a', 'b']);
    expect(names('UPDATE t SET a = $1 WHERE b = $2')).toEqual(['a', 'b']);
    expect(names('SELECT * FROM t WHERE a = $1::int AND b > $2 AND lower(c) = $3')).toEqual(['p1', 'p2', 'p3']);
    // the earliest hint in the text wins...
    expect(names('SELECT * FROM t WHERE a = $1 OR b = $1')).toEqual(['a']);
    // ...and names stay unique, since callers pass arguments by name
    expect(names('SELECT * FROM s JOIN t ON true WHERE s.id = $1 AND t.id = $2')).toEqual(['id', 'p2']);
    expect(names('SELECT * FROM t WHERE id = $1 AND other = @id')).toEqual(['p1', 'id']);
  });

  it('reads CRLF files and a byte-order mark', () => {
    const [query] = load('\uFEFF-- name: Crlf :one\r\n-- comment\r\nSELECT 1\r\nWHERE a = $1;\r\n');
    expect(query!.line).toBe(1);
    expect(query!.sql).toBe('SELECT 1\r\nWHERE a = $1');
  });

  it('marks a query read-only only when nothing in it can write', () => {
    const readOnly = (sql: string) => load(`-- name: Q :exec\n${sql};`)[0]!.readOnly;
    expect(readOnly('SELECT * FROM chat_session WHERE id = $1')).toBe(true);
    expect(readOnly('SELECT * FROM chat_session WHERE id = $1 FOR UPDATE')).toBe(true);
    expect(readOnly('WITH s AS (SELECT 1) SELECT * FROM s')).toBe(true);
    expect(readOnly('WITH d AS (DELETE FROM chat_session RETURNING id) SELECT * FROM d')).toBe(false);
    expect(readOnly('UPDATE chat_session SET title = $1')).toBe(false);
    expect(readOnly('INSERT INTO chat_session (title) SELECT $1')).toBe(false);
  });

  it('trusts the row count of a lone INSERT, UPDATE or DELETE only: not of a write inside a WITH', () => {
    const countsItsWrites = (sql: string) => load(`-- name: Q :exec\n${sql};`)[0]!.countsItsWrites;
    expect(countsItsWrites('UPDATE chat_session SET title = $1 WHERE id = $2')).toBe(true);
    expect(countsItsWrites('DELETE FROM chat_session WHERE id = $1')).toBe(true);
    expect(countsItsWrites('INSERT INTO chat_session (title) VALUES ($1) ON CONFLICT DO NOTHING')).toBe(true);
    expect(countsItsWrites('WITH s AS (SELECT id FROM chat_session) UPDATE chat_session SET title = $1 WHERE id IN (SELECT id FROM s)')).toBe(true);
    // The outer statement's count says nothing of the DELETE in its WITH.
    expect(countsItsWrites('WITH d AS (DELETE FROM chat_message RETURNING chat_session_id) UPDATE chat_session SET title = $1 WHERE id IN (SELECT chat_session_id FROM d)')).toBe(false);
    expect(countsItsWrites('WITH d AS (DELETE FROM chat_session RETURNING id) SELECT * FROM d')).toBe(false);
    expect(countsItsWrites('SELECT * FROM chat_session')).toBe(false);
  });

  it('keeps queries chatcheck does not require', async () => {
    const file = await writeSql('-- name: GetChatSession :one\nSELECT * FROM chat_session WHERE id = $1;\n-- name: Extra :many\nSELECT 1;');
    const set = await loadQueryFiles([file], [{ name: 'GetChatSession', kind: 'one', params: ['id'] }]);
    expect(set.has('Extra')).toBe(true);
    expect(() => set.get('Nope')).toThrow(/no query named "Nope"/);
  });
});

describe('bad query files', () => {
  it('a syntax error: the line of the parser cursor, counted in characters, and its message', async () => {
    // Four emoji are 4 characters, 8 UTF-16 units and 16 bytes: only characters land on line 4.
    const { error, files } = await loadError(["-- name: A :one", "-- about 'ß'", "SELECT '😀😀😀😀' AS a,", ') FROM t;'].join('\n'));
    expectProblem(error, 'malformed', files[0]!, 4, 'A: syntax error at or near ")"');
  });

  it('an unterminated string', async () => {
    const { error, files } = await loadError('-- name: A :one\nSELECT 1;\n-- name: B :one\nSELECT\n  \'oops;\n');
    expectProblem(error, 'malformed', files[0]!, 5, 'B: unterminated quoted string');
  });

  it('a block with no statement', async () => {
    const { error, files } = await loadError('-- name: A :one\n-- only a comment\n/* and another */\n-- name: B :one\nSELECT 1;');
    expectProblem(error, 'malformed', files[0]!, 1, 'A has no SQL statement');
  });

  it('more than one statement in a block', async () => {
    const { error, files } = await loadError('-- name: A :one\nSELECT 1;\n-- forgot an annotation\nSELECT 2;');
    expectProblem(error, 'malformed', files[0]!, 4, 'A holds more than one statement');
  });

  it('SQL before the first annotation', async () => {
    const { error, files } = await loadError('-- a header comment is fine\n\nSELECT 1;\n-- name: A :one\nSELECT 2;');
    expectProblem(error, 'malformed', files[0]!, 3, 'SQL before the first "-- name:" line');
    await expect(loadQueryFiles([await writeSql('-- header\n/* licence */\n\n-- name: A :one\nSELECT 1;')])).resolves.toBeDefined();
  });

  it.each([
    ['-- name: A one', 'missing colon'],
    ['-- name: A', 'missing kind'],
    ['-- name: 1A :one', 'not an identifier'],
    ['--name: A :one extra', 'extra words'],
  ])('a malformed annotation: %s (%s)', async (annotation) => {
    const { error, files } = await loadError(`-- name: Ok :one\nSELECT 1;\n${annotation}\nSELECT 2;`);
    expectProblem(error, 'malformed', files[0]!, 3, `malformed annotation "${annotation}"`);
  });

  it.each([[':one!'], [':execrow'], [':batch']])('an unknown query command %s, with the list of sqlc commands', async (kind) => {
    const { error, files } = await loadError(`-- name: Ok :one\nSELECT 1;\n-- name: A ${kind}\nSELECT 2;`);
    expectProblem(error, 'unknown-annotation', files[0]!, 3, `A: unknown annotation "${kind}"`);
    expect(error.fix).toContain(':execrows, :execresult, :execlastid, :batchexec, :batchmany, :batchone, :copyfrom');
  });

  it.each([
    ["sqlc.slice('ids')", 'sqlc.slice is not supported by chatcheck'],
    ['sqlc.embed(t)', 'sqlc.embed is not supported by chatcheck'],
    ['sqlc.foo(x)', 'unknown sqlc macro sqlc.foo'],
  ])('an unsupported sqlc macro %s', async (macro, message) => {
    const { error, files } = await loadError(`-- name: A :many\nSELECT *\nFROM t WHERE 'é' <> ''\nAND id = ANY(${macro});`);
    expectProblem(error, 'unknown-annotation', files[0]!, 4, `A: ${message}`);
  });

  it.each([
    ['sqlc.arg()'],
    ['sqlc.arg(a, b)'],
    ["sqlc.arg('x' /* a comment */)"],
    ['sqlc.arg(1)'],
    ['@t.col'],
  ])('a parameter that does not name one name: %s', async (parameter) => {
    const { error, files } = await loadError(`-- name: A :one\nSELECT 1\nWHERE x = ${parameter};`);
    expectProblem(error, 'malformed', files[0]!, 3, 'A: ');
  });

  it('a duplicate name within a file, naming both places', async () => {
    const { error, files } = await loadError('-- name: A :one\nSELECT 1;\n-- name: B :one\nSELECT 2;\n-- name: A :many\nSELECT 3;');
    expectProblem(error, 'duplicate', files[0]!, 5, `duplicate query name "A", already defined at ${files[0]}:1`);
  });

  it('a duplicate name across files, naming both places', async () => {
    const { error, files } = await loadError(['-- name: A :one\nSELECT 1;', '-- name: B :one\nSELECT 2;\n-- name: A :one\nSELECT 1;']);
    expectProblem(error, 'duplicate', files[1]!, 3, `duplicate query name "A", already defined at ${files[0]}:1`);
  });

  it('positional parameters with a gap', async () => {
    const { error, files } = await loadError("-- name: A :one\nSELECT '😀' AS x, $1\nFROM t WHERE a = $3;");
    expectProblem(error, 'parameter-count', files[0]!, 3, 'A: uses $3 but not $2');
  });

  it('$0', async () => {
    const { error, files } = await loadError('-- name: A :one\nSELECT $0;');
    expectProblem(error, 'parameter-count', files[0]!, 2, 'A: $0 is not a parameter');
  });

  it('a required query with another kind or number of parameters: expected vs found', async () => {
    const text = '-- name: Ok :one\nSELECT 1;\n-- name: A :many\nSELECT * FROM t WHERE id = $1;';
    const asOne = await loadError(text, [{ name: 'A', kind: 'one', params: ['id'] }]);
    expectProblem(asOne.error, 'parameter-count', asOne.files[0]!, 3, 'A is :many taking 1 parameter (id); chatcheck expects :one (or :batchone) taking 1 parameter (id)');
    const asTwo = await loadError(text, [{ name: 'A', kind: 'many', params: ['id', 'workspace_id'] }]);
    expectProblem(asTwo.error, 'parameter-count', asTwo.files[0]!, 3, 'chatcheck expects :many (or :batchmany) taking 2 parameters (id, workspace_id)');
  });

  it('a required query that no file defines: the files searched, the query, and how to define it', async () => {
    const required: RequiredQuery[] = [
      { name: 'A', kind: 'one', params: [] },
      { name: 'Gone', kind: 'exec', params: ['id'] },
    ];
    const { error, files } = await loadError(['-- name: A :one\nSELECT 1;', '-- name: B :one\nSELECT 2;'], required);
    expect(error.reason).toBe('missing');
    expect(error.problem).toBe(`${files[0]}, ${files[1]}: a query chatcheck needs is in none of these files: Gone`);
    expect(error.fix).toBe('define it, e.g. "-- name: Gone :exec" taking 1 parameter (id); src/queries/required.ts lists what chatcheck needs of each');
  });
  it('a file that cannot be read', async () => {
    const file = path.join(dir, 'no-such-file.sql');
    const error = await loadQueryFiles([chatSql, file]).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(QueryFileError);
    expect((error as QueryFileError).reason).toBe('unreadable');
    expect((error as QueryFileError).problem).toBe(`${file}: cannot read: no such file`);
  });
});

describe("every sqlc command", () => {
  const everyCommand = [
    '-- name: One :one',
    'SELECT * FROM t WHERE id = $1;',
    '-- name: Many :many',
    'SELECT * FROM t;',
    '-- name: Exec :exec',
    'DELETE FROM t WHERE id = $1;',
    '-- name: ExecRows :execrows',
    'UPDATE t SET a = $2 WHERE id = $1;',
    '-- name: ExecResult :execresult',
    'DELETE FROM t;',
    '-- name: ExecLastId :execlastid',
    'INSERT INTO t (a) VALUES ($1);',
    '-- name: BatchExec :batchexec',
    'UPDATE t SET a = @a WHERE id = @id;',
    '-- name: BatchMany :batchmany',
    'SELECT * FROM t WHERE a = $1;',
    '-- name: BatchOne :batchone',
    'INSERT INTO t (a) VALUES ($1) RETURNING *;',
    '-- name: CopyFrom :copyfrom',
    "INSERT INTO t (a, b, c) VALUES (@a, sqlc.narg('b'), $1);",
  ].join('\n');

  it('loads a file that uses all ten, each query parsed and kept with its command', () => {
    const queries = parseQueryFile(everyCommand, 'inline.sql');
    expect(queries.map((query) => query.kind)).toEqual([...SQLC_COMMANDS]);
    for (const query of queries) expectRunnable(query);
    expect(queries.at(-1)!.params.map((param) => param.name)).toEqual(['c', 'a', 'b']);
  });

  it.each([
    ['exec', 'execrows'],
    ['exec', 'execresult'],
    ['exec', 'batchexec'],
    ['one', 'batchone'],
    ['many', 'batchmany'],
  ] as const)('a needed :%s query may be declared :%s', async (needed, command) => {
    const sql = needed === 'exec' ? 'UPDATE t SET a = 1 WHERE id = $1' : 'SELECT * FROM t WHERE id = $1';
    const file = await writeSql(`-- name: Q :${command}\n${sql};`);
    const set = await loadQueryFiles([file], [{ name: 'Q', kind: needed, params: ['id'] }]);
    expect(set.get('Q').kind).toBe(command);
  });

  it.each([
    ['one', 'many', 'chatcheck expects :one (or :batchone)'],
    ['one', 'execrows', 'chatcheck expects :one (or :batchone)'],
    ['many', 'batchone', 'chatcheck expects :many (or :batchmany)'],
    ['exec', 'one', 'chatcheck expects :exec (or :execrows, :execresult, :batchexec)'],
    ['exec', 'execlastid', 'chatcheck expects :exec (or :execrows, :execresult, :batchexec)'],
    ['exec', 'copyfrom', 'chatcheck expects :exec (or :execrows, :execresult, :batchexec)'],
  ] as const)('a needed :%s query declared :%s is refused at its line', async (needed, command, message) => {
    // copyfrom may not have RETURNING; the others may (what the caller reads is the command's business).
    const returning = command === 'copyfrom' ? '' : ' RETURNING *';
    const { error, files } = await loadError(`-- name: Ok :one\nSELECT 1;\n-- name: Q :${command}\nINSERT INTO t (id) VALUES ($1)${returning};`, [
      { name: 'Q', kind: needed, params: ['id'] },
    ]);
    expectProblem(error, 'parameter-count', files[0]!, 3, `Q is :${command} taking 1 parameter (id); ${message} taking 1 parameter (id)`);
  });

  it.each([
    [':copyfrom', 'UPDATE t SET a = $1', ':copyfrom requires an INSERT INTO statement'],
    [':copyfrom', 'INSERT INTO t (a) VALUES ($1) RETURNING id', ':copyfrom is not compatible with RETURNING'],
    [':copyfrom', 'INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING', ':copyfrom is not compatible with ON CONFLICT'],
    [':copyfrom', 'WITH x AS (SELECT 1) INSERT INTO t (a) VALUES ($1)', ':copyfrom is not compatible with WITH clauses'],
    [':copyfrom', 'INSERT INTO t (a) SELECT a FROM u WHERE b = $1', ':copyfrom is not compatible with INSERT INTO ... SELECT'],
    [':copyfrom', 'INSERT INTO t (a) VALUES ($1), ($2)', ':copyfrom requires exactly one example row to be inserted'],
    [':copyfrom', "INSERT INTO t (a, b) VALUES ($1, 'x')", ":copyfrom doesn't support non-parameter values"],
    [':batchexec', 'DELETE FROM t', ':batchexec commands require parameters'],
    [':batchmany', 'SELECT * FROM t', ':batchmany commands require parameters'],
    [':one', 'UPDATE t SET a = 1 WHERE id = $1', ':one without a RETURNING clause'],
    [':many', 'DELETE FROM t WHERE a = $1', ':many without a RETURNING clause'],
    [':batchone', 'INSERT INTO t (a) VALUES ($1)', ':batchone without a RETURNING clause'],
  ])('sqlc refuses %s for %s, and so does chatcheck', async (command, sql, message) => {
    const { error, files } = await loadError(`-- name: Ok :one\nSELECT 1;\n-- name: Q ${command}\n-- a comment\n${sql};`);
    expectProblem(error, 'wrong-command', files[0]!, 3, `Q: ${message}`);
  });
});

describe('a query set that lacks queries chatcheck needs', () => {
  it('chat.sql alone: names a few of tasks.sql\'s queries, counts the rest, and says to pass tasks.sql too', async () => {
    const error = (await loadQueryFiles([chatSql, ...internalQueryFiles], requiredQueries).catch((thrown: unknown) => thrown)) as QueryFileError;
    expect(error).toBeInstanceOf(QueryFileError);
    expect(error.reason).toBe('missing');
    const shown = path.relative(process.cwd(), chatSql);
    expect(error.problem).toBe(
      `${shown}: 17 queries chatcheck needs are in none of these files: CancelAgentTasksByChatSession, CreateRetryTask, ClaimAgentTask and 14 more (the task-lifecycle queries of tasks.sql)`,
    );
    expect(error.fix).toBe(`pass tasks.sql too: --queries ${path.relative(process.cwd(), tasksSql)} (or your own file that defines them)`);
    expect(error.message).not.toContain('state.sql');
    expect(error.message.length).toBeLessThan(300);
  });

  it('tasks.sql alone: says to pass chat.sql too', async () => {
    const error = (await loadQueryFiles([tasksSql], requiredQueries).catch((thrown: unknown) => thrown)) as QueryFileError;
    expect(error.problem).toContain(': 19 queries chatcheck needs are in none of these files: CreateChatSession, GetChatSession, GetChatSessionInWorkspace and 16 more (the chat queries of chat.sql)');
    expect(error.fix).toMatch(/^pass chat\.sql too: --queries \S*chat\.sql/);
  });

  it('a few queries of a file missing: names them and shows how to define one', async () => {
    const text = [1, 2].map((n) => `-- name: Extra${n} :one\nSELECT ${n};`).join('\n');
    const required = requiredQueries.slice(0, 2);
    const { error, files } = await loadError(text, required);
    expect(error.problem).toBe(`${files[0]}: 2 queries chatcheck needs are in none of these files: CreateChatSession, GetChatSession`);
    expect(error.fix).toBe('define them, e.g. "-- name: CreateChatSession :one" taking 4 parameters (workspace_id, agent_id, creator_id, title); src/queries/required.ts lists what chatcheck needs of each');
  });

  it('many files: a few by path, then how many more', async () => {
    const files = await Promise.all([1, 2, 3, 4, 5].map((n) => writeSql(`-- name: Q${n} :one\nSELECT ${n};`)));
    const error = (await loadQueryFiles(files, [{ name: 'Gone', kind: 'one', params: [] }]).catch((thrown: unknown) => thrown)) as QueryFileError;
    expect(error.problem.startsWith(`${files[0]}, ${files[1]}, ${files[2]} and 2 more files: `)).toBe(true);
  });
});
