import { readFile } from 'node:fs/promises';
import { loadModule, type RawStmt } from 'libpg-query';
import type { QueryKind, RequiredQuery } from '../queries/required.js';
import { firstContentLine, splitAnnotatedBlocks, type AnnotatedBlock } from './annotations.js';
import { firstLocation, parseSnippet, walk } from './ast.js';
import { QueryFileError } from './errors.js';
import { bindParameters, type QueryParam } from './parameters.js';
import type { SourceSnippet } from './source.js';

export type { QueryParam } from './parameters.js';

/** One sqlc-annotated query, ready for node-postgres. */
export interface NamedQuery {
  readonly name: string;
  readonly kind: QueryKind;
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
 * also refuses a file set that lacks one of those queries or has it with another kind or arity:
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
    queries.push({ name: block.name, kind: block.kind, sql, params, file, line: block.line, readOnly: isReadOnly(statement), canWait: canWait(statement) });
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
  if (missing.length > 0) {
    throw new QueryFileError(
      'missing',
      files.at(-1) ?? '(no query files)',
      1,
      `missing ${missing.length === 1 ? 'query' : 'queries'} ${missing.map((query) => query.name).join(', ')} (searched ${files.join(', ') || 'no files'})`,
      `add ${missing.map((query) => `"-- name: ${query.name} :${query.kind}" taking ${describeParams(query.params)}`).join('; ')}`,
    );
  }
  for (const expected of required) {
    const found = set.get(expected.name);
    const foundParams = found.params.map((param) => param.name);
    if (found.kind === expected.kind && foundParams.length === expected.params.length) continue;
    throw new QueryFileError(
      'parameter-count',
      found.file,
      found.line,
      `${found.name} is :${found.kind} taking ${describeParams(foundParams)}; chatcheck expects :${expected.kind} taking ${describeParams(expected.params)}`,
      `make ${found.name} a :${expected.kind} query with ${expected.params.length} parameter${expected.params.length === 1 ? '' : 's'}, in that order`,
    );
  }
}

function describeParams(names: readonly string[]): string {
  if (names.length === 0) return 'no parameters';
  return `${names.length} parameter${names.length === 1 ? '' : 's'} (${names.join(', ')})`;
}
