import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadModule, type Node, type RawStmt } from 'libpg-query';
import { bundledQueryFiles, internalQueryFiles } from '../paths.js';
import { bundledFileOf, type RequiredQuery } from '../queries/required.js';
import { firstContentLine, splitAnnotatedBlocks, type AnnotatedBlock } from './annotations.js';
import { firstLocation, parseSnippet, stringValue, walk } from './ast.js';
import { COMMANDS_FOR, describeAccepted, resultKind, type SqlcCommand } from './commands.js';
import { QueryFileError } from './errors.js';
import { bindParameters, type QueryParam } from './parameters.js';
import type { SourceSnippet } from './source.js';

export type { QueryParam } from './parameters.js';

/** One sqlc-annotated query, ready for node-postgres. */
export interface NamedQuery {
  readonly name: string;
  /** sqlc's command (`:one`, `:execrows`, `:copyfrom`, …): see src/sqlc/commands.ts for what chatcheck does with each. */
  readonly kind: SqlcCommand;
  /** The statement rewritten to positional `$n`, without its annotation comments or trailing ';'. */
  readonly sql: string;
  /** Ordered by position: `params[i].position === i + 1`. */
  readonly params: readonly QueryParam[];
  readonly file: string;
  /** The `-- name:` line, 1-based. */
  readonly line: number;
  /**
   * A SELECT with no INSERT, UPDATE, DELETE or MERGE anywhere in it (a data-modifying WITH makes
   * it a writer). The tester skips re-reading tables after commands that ran only such queries.
   * A function called from a SELECT is trusted not to write: the schema under test defines none.
   */
  readonly readOnly: boolean;
  /**
   * One INSERT, UPDATE or DELETE with no other write in it (no data-modifying WITH): PostgreSQL's
   * row count of 0 then says it changed no row — unless a trigger or a rule acts on its own, which
   * the connection checks (see PostgresDatabase.takeWrote).
   */
  readonly countsItsWrites: boolean;
  /**
   * Whether the statement can wait for another transaction's lock: any writer, and a SELECT with a
   * row-locking clause (FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE). A plain SELECT
   * takes no row lock and never waits; the race explorer only asks the server about the others.
   */
  readonly canWait: boolean;
}

/** Queries by name, in file order. Names are unique: the loader refuses duplicates. */
export class QuerySet {
  readonly all: readonly NamedQuery[];
  readonly #byName: ReadonlyMap<string, NamedQuery>;

  constructor(queries: readonly NamedQuery[]) {
    this.all = queries;
    this.#byName = new Map(queries.map((query) => [query.name, query]));
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Asking for a query that was not loaded is a bug in the caller, not a setup problem. */
  get(name: string): NamedQuery {
    const query = this.#byName.get(name);
    if (query === undefined) throw new Error(`no query named "${name}" was loaded (have: ${[...this.#byName.keys()].join(', ')})`);
    return query;
  }
}

/**
 * Reads and parses every file, refusing a name defined twice anywhere among them. With `required`,
 * also refuses a file set that lacks one of those queries, declares it with a command that does not
 * give what chatcheck reads (src/sqlc/commands.ts), or with another number of parameters:
 * better to stop before the first test than to fail in the middle of one.
 */
export async function loadQueryFiles(files: readonly string[], required?: readonly RequiredQuery[]): Promise<QuerySet> {
  await loadModule();
  const queries: NamedQuery[] = [];
  const byName = new Map<string, NamedQuery>();
  for (const file of files) {
    for (const query of parseQueryFile(await readQueryFile(file), file)) {
      const earlier = byName.get(query.name);
      if (earlier !== undefined) throw duplicateName(query, earlier);
      byName.set(query.name, query);
      queries.push(query);
    }
  }
  const set = new QuerySet(queries);
  if (required !== undefined) checkRequired(set, required, files);
  return set;
}

/**
 * Parses one file's text (`file` is only for messages). Needs `await loadModule()` from
 * libpg-query first; loadQueryFiles does that.
 */
export function parseQueryFile(text: string, file: string): NamedQuery[] {
  const { preamble, blocks } = splitAnnotatedBlocks(text.replace(/^\uFEFF/, ''), file);
  checkPreamble(preamble, file);
  const queries: NamedQuery[] = [];
  for (const block of blocks) {
    const earlier = queries.find((query) => query.name === block.name);
    if (earlier !== undefined) throw duplicateName({ ...block, file }, earlier);
    const statement = onlyStatement(block, file);
    const { sql, params } = bindParameters(statement, { file, query: block.name, snippet: block.body });
    checkCommand(block, statement, params.length, file);
    queries.push({ name: block.name, kind: block.kind, sql, params, file, line: block.line, readOnly: isReadOnly(statement), countsItsWrites: countsItsWrites(statement), canWait: canWait(statement) });
  }
  return queries;
}

async function readQueryFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = (code && READ_FAILURES[code]) ?? (error instanceof Error ? error.message : String(error));
    throw new QueryFileError('unreadable', file, undefined, `cannot read: ${reason}`, 'check the path: it should name a sqlc query file such as src/queries/chat.sql');
  }
}

const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/** Comments may precede the first query (a licence header, say); a statement there belongs to no query. */
function checkPreamble(preamble: SourceSnippet, file: string): void {
  const parsed = parseSnippet(preamble);
  if (parsed.ok && parsed.stmts.length === 0) return;
  throw new QueryFileError(
    'malformed',
    file,
    firstContentLine(preamble),
    'SQL before the first "-- name:" line belongs to no query',
    'start every query with "-- name: <Name> :one" (or :many, :exec), or remove the stray text',
  );
}

/** The block's statement, checked to be exactly one that PostgreSQL can parse. */
function onlyStatement(block: AnnotatedBlock, file: string): RawStmt {
  const parsed = parseSnippet(block.body);
  if (!parsed.ok) {
    throw new QueryFileError('malformed', file, parsed.line, `${block.name}: ${parsed.message}`, 'fix the SQL so that PostgreSQL can parse it');
  }
  const [statement, extra] = parsed.stmts;
  if (statement === undefined) {
    throw new QueryFileError('malformed', file, block.line, `${block.name} has no SQL statement`, 'write its statement under the "-- name:" line, or remove the line');
  }
  if (extra !== undefined) {
    // stmt_location points just past the previous ';', comments included; the first node is nearer the point.
    const at = firstLocation(extra.stmt) ?? extra.stmt_location ?? 0;
    throw new QueryFileError(
      'malformed',
      file,
      block.body.lineAtByte(at),
      `${block.name} holds more than one statement`,
      'sqlc runs one statement per query: give this one its own "-- name:" line',
    );
  }
  return statement;
}

function isReadOnly(statement: RawStmt): boolean {
  if (statement.stmt === undefined || !('SelectStmt' in statement.stmt)) return false;
  let writes = false;
  const write = () => {
    writes = true;
  };
  walk(statement.stmt, { InsertStmt: write, UpdateStmt: write, DeleteStmt: write, MergeStmt: write });
  return !writes;
}

function countsItsWrites(statement: RawStmt): boolean {
  const top = statement.stmt;
  if (top === undefined || !('InsertStmt' in top || 'UpdateStmt' in top || 'DeleteStmt' in top)) return false;
  let writes = 0;
  const write = () => {
    writes++;
  };
  walk(top, { InsertStmt: write, UpdateStmt: write, DeleteStmt: write, MergeStmt: write });
  return writes === 1;
}

function canWait(statement: RawStmt): boolean {
  if (!isReadOnly(statement)) return true;
  let locks = false;
  walk(statement.stmt, {
    LockingClause: () => {
      locks = true;
    },
  });
  return locks;
}

function duplicateName(query: { name: string; file: string; line: number }, earlier: NamedQuery): QueryFileError {
  return new QueryFileError(
    'duplicate',
    query.file,
    query.line,
    `duplicate query name "${query.name}", already defined at ${earlier.file}:${earlier.line}`,
    'rename or remove one of the two',
  );
}

function checkRequired(set: QuerySet, required: readonly RequiredQuery[], files: readonly string[]): void {
  const missing = required.filter((query) => !set.has(query.name));
  if (missing.length > 0) throw missingQueries(missing, files.filter((file) => !internalQueryFiles.includes(file)));
  for (const expected of required) {
    const found = set.get(expected.name);
    const foundParams = found.params.map((param) => param.name);
    if (COMMANDS_FOR[expected.kind].includes(found.kind) && foundParams.length === expected.params.length) continue;
    throw new QueryFileError(
      'parameter-count',
      found.file,
      found.line,
      `${found.name} is :${found.kind} taking ${describeParams(foundParams)}; chatcheck expects ${describeAccepted(expected.kind)} taking ${describeParams(expected.params)}`,
      `make ${found.name} a :${expected.kind} query with ${expected.params.length} parameter${expected.params.length === 1 ? '' : 's'}, in that order`,
    );
  }
}

/**
 * Which queries the files lack, a few by name, and the likely fix: when they are all of one bundled
 * file that none of the files stands in for (chat.sql or tasks.sql), pass that file too.
 */
function missingQueries(missing: readonly RequiredQuery[], files: readonly string[]): QueryFileError {
  const named = missing.slice(0, 3).map((query) => query.name);
  const more = missing.length - named.length;
  const list = more > 0 ? `${named.join(', ')} and ${more} more` : named.join(', ');
  const lacking = new Set(missing.map((query) => bundledFileOf.get(query.name)));
  const [file] = lacking;
  const wholeFile = lacking.size === 1 && file !== undefined && [...bundledFileOf.values()].filter((owner) => owner === file).length === missing.length;
  const bundled = wholeFile ? bundledQueryFiles.find((candidate) => path.basename(candidate) === file) : undefined;
  const [first] = missing as [RequiredQuery];
  return new QueryFileError(
    'missing',
    describeFiles(files),
    undefined,
    `${missing.length === 1 ? 'a query' : `${missing.length} queries`} chatcheck needs ${missing.length === 1 ? 'is' : 'are'} in none of these files: ${list}${wholeFile ? ` (the ${file === 'tasks.sql' ? 'task-lifecycle queries' : 'chat queries'} of ${file})` : ''}`,
    bundled !== undefined
      ? `pass ${file} too: --queries ${shownPath(bundled)} (or your own file that defines them)`
      : `define ${missing.length === 1 ? 'it' : 'them'}, e.g. "-- name: ${first.name} :${first.kind}" taking ${describeParams(first.params)}; src/queries/required.ts lists what chatcheck needs of each`,
  );
}

/** The files a query set came from, a few of them by path. */
function describeFiles(files: readonly string[]): string {
  if (files.length === 0) return '(no query files)';
  const shown = files.slice(0, 3).map(shownPath);
  return files.length > shown.length ? `${shown.join(', ')} and ${files.length - shown.length} more files` : shown.join(', ');
}

/** A path relative to the working directory when it lies below it, else as given. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/**
 * sqlc's own checks of a statement against its command (internal/sql/validate/cmd.go): `:copyfrom`
 * must be a plain INSERT of one row of parameters, a `:batch*` query needs parameters, and a
 * `:one`/`:many` (or their batch forms) that writes must return rows with RETURNING.
 */
function checkCommand(block: AnnotatedBlock, statement: RawStmt, parameterCount: number, file: string): void {
  const fail = (what: string, fix: string) => new QueryFileError('wrong-command', file, block.line, `${block.name}: ${what}`, fix);
  const stmt = statement.stmt;
  if (block.kind === 'copyfrom') {
    const problem = copyfromProblem(stmt);
    if (problem !== undefined) throw fail(problem, 'write it as INSERT INTO t (a, b) VALUES ($1, $2): sqlc binds that row of parameters once per copied row');
    return;
  }
  if (block.kind.startsWith('batch') && parameterCount === 0) {
    throw fail(`:${block.kind} commands require parameters`, `give it parameters, or declare it :${resultKind(block.kind)}`);
  }
  const kind = resultKind(block.kind);
  if ((kind === 'one' || kind === 'many') && writesWithoutReturning(stmt)) {
    throw fail(`:${block.kind} without a RETURNING clause: the statement returns no rows`, 'add RETURNING with the columns the caller reads, or declare it :exec');
  }
}

/** An INSERT, UPDATE or DELETE with no RETURNING list: it gives its caller no rows. */
function writesWithoutReturning(stmt: Node | undefined): boolean {
  if (stmt === undefined) return false;
  const writer = 'InsertStmt' in stmt ? stmt.InsertStmt : 'UpdateStmt' in stmt ? stmt.UpdateStmt : 'DeleteStmt' in stmt ? stmt.DeleteStmt : undefined;
  return writer !== undefined && (writer.returningList?.length ?? 0) === 0;
}

/** Why a `:copyfrom` statement is not one sqlc can copy, in sqlc's words; undefined if it is. */
function copyfromProblem(stmt: Node | undefined): string | undefined {
  if (stmt === undefined || !('InsertStmt' in stmt)) return ':copyfrom requires an INSERT INTO statement';
  const insert = stmt.InsertStmt;
  if (insert.onConflictClause !== undefined) return ':copyfrom is not compatible with ON CONFLICT';
  if (insert.withClause !== undefined) return ':copyfrom is not compatible with WITH clauses';
  if ((insert.returningList?.length ?? 0) > 0) return ':copyfrom is not compatible with RETURNING';
  const select = insert.selectStmt !== undefined && 'SelectStmt' in insert.selectStmt ? insert.selectStmt.SelectStmt : undefined;
  if (select === undefined) return undefined;
  if ((select.fromClause?.length ?? 0) > 0) return ':copyfrom is not compatible with INSERT INTO ... SELECT';
  if (select.valuesLists?.length !== 1) return ':copyfrom requires exactly one example row to be inserted';
  const [row] = select.valuesLists as [Node];
  const values = 'List' in row ? (row.List.items ?? []) : [];
  if (!values.every(isParameter)) return ":copyfrom doesn't support non-parameter values";
  return undefined;
}

/** `$n`, `sqlc.arg(x)`, `sqlc.narg(x)` or `@x`, as written (a cast around it is a value, not a parameter). */
function isParameter(node: Node): boolean {
  if ('ParamRef' in node) return true;
  if ('FuncCall' in node) return stringValue(node.FuncCall.funcname?.[0]) === 'sqlc';
  if ('A_Expr' in node) return node.A_Expr.lexpr === undefined && stringValue(node.A_Expr.name?.[0]) === '@';
  return false;
}

function describeParams(names: readonly string[]): string {
  if (names.length === 0) return 'no parameters';
  return `${names.length} parameter${names.length === 1 ? '' : 's'} (${names.join(', ')})`;
}
